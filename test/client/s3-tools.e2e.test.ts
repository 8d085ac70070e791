// The S3 tools operators run on such hosts, from Debian's packages, moving files through each
// route of the built client: rclone (S3 backend, env_auth) through credential_process and through
// `serve`; restic (S3 repository: init, backup, snapshots, restore) through the shared credentials
// file that credential-daemon keeps fresh, across an identity-provider outage. Sessions last 60 s
// and are renewed 45 s before their end, and S3 is the sandbox's S3 endpoint (each session its own
// keys, signatures checked, an ended session refused with ExpiredToken): each tool keeps working
// across at least three sessions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { OAuthServer } from '../../sandbox/oauth-server';
import { localTls } from '../../sandbox/local-tls';
import type { LocalS3 } from '../../sandbox/s3rver';
import type { StsStub } from '../../sandbox/sts';
import { startShortLivedHost, type ShortLivedHost } from './short-lived-host';
import { cleanEnv, run, TestHost, writeAwsConfig } from './harness';
import { startCommand, startServe, type RunningCommand } from './serve-process';

const AUDIENCE = 'https://s3-uploader.tools.example';
const CLIENT_ID = 'toolsTestClient01';
const CLIENT_SECRET = `tools-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-tools-01';
const REGION = 'eu-west-1';
const LIFETIME_SECONDS = 60;
const MARGIN_SECONDS = 45;
const NODE = process.execPath;

let host: TestHost;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
let envFile: string;
let s3Url: string;
const running: RunningCommand[] = [];

let fixture: ShortLivedHost;

beforeAll(async () => {
  fixture = await startShortLivedHost({ name: 'tools-host', audience: AUDIENCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, roleArn: ROLE_ARN, region: REGION, lifetimeSeconds: LIFETIME_SECONDS, marginSeconds: MARGIN_SECONDS, gateway: true });
  ({ host, s3, idp, sts, envFile, s3Url } = fixture);
  writeAwsConfig(host.home, host.bundles.provider, envFile, REGION);
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await fixture?.close();
});

/** A Go program's environment (rclone, restic): the local CA through SSL_CERT_FILE. */
function goEnv(extra: Record<string, string>): Record<string, string> {
  return cleanEnv(host.home, { SSL_CERT_FILE: localTls().caFile, ...extra });
}

/** An rclone S3 remote named `oidc`, defined in the environment, taking credentials from the AWS chain. */
function rcloneEnv(extra: Record<string, string>): Record<string, string> {
  return goEnv({
    RCLONE_CONFIG: join(host.home, 'rclone.conf'),
    RCLONE_CONFIG_OIDC_TYPE: 's3',
    // "Other": rclone's AWS provider ignores force_path_style, and s3rver has no virtual hosts.
    RCLONE_CONFIG_OIDC_PROVIDER: 'Other',
    RCLONE_CONFIG_OIDC_ENV_AUTH: 'true',
    RCLONE_CONFIG_OIDC_REGION: REGION,
    RCLONE_CONFIG_OIDC_ENDPOINT: s3Url,
    RCLONE_CONFIG_OIDC_FORCE_PATH_STYLE: 'true',
    RCLONE_S3_NO_CHECK_BUCKET: 'true',
    ...extra,
  });
}

async function rclone(args: readonly string[], env: Record<string, string>) {
  const result = await run('/usr/bin/rclone', [...args, '--retries', '1', '--low-level-retries', '1'], env, { timeoutMs: 30_000 });
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  return result.stdout;
}

/** The sessions that signed the requests S3 received since `from` (an index into the fixture's uses). */
function sessionsSince(from: number): Set<string> {
  return new Set(fixture.uses.slice(from).map((u) => u.accessKeyId));
}

/**
 * Runs `step` (0, 1, 2…) every few seconds until the requests since the start were signed with at
 * least `sessions` sessions, and returns how many steps ran; fails after `maxSeconds`.
 */
async function acrossSessions(sessions: number, step: (i: number) => Promise<void>, maxSeconds = 100): Promise<number> {
  const from = fixture.uses.length;
  const started = Date.now();
  for (let i = 0; ; i++) {
    await step(i);
    if (sessionsSince(from).size >= sessions) return i + 1;
    if (Date.now() - started > maxSeconds * 1000) throw new Error(`only ${sessionsSince(from).size} sessions in ${maxSeconds} s`);
    await sleep(3000);
  }
}

/** No request reached S3 signed with a session that had ended (by the real clock). */
function noEndedSessionUsed(): void {
  expect(Math.min(...fixture.uses.map((u) => u.leftMs))).toBeGreaterThan(0);
}

test('rclone copies, lists and reads back through the credential_process profile, across three sessions', async () => {
  writeFileSync(join(host.home, 'rclone.conf'), '');
  const env = rcloneEnv({ AWS_PROFILE: 'oidc-s3', AWS_SDK_LOAD_CONFIG: '1' });
  const copies = await acrossSessions(3, async (i) => {
    writeFileSync(join(host.home, 'rclone-process.txt'), `rclone via credential_process ${i}\n`);
    await rclone(['copyto', join(host.home, 'rclone-process.txt'), `oidc:${s3.bucket}/tools-01/rclone/process-${i}.txt`], env);
  });
  const names = Array.from({ length: copies }, (_, i) => `process-${i}.txt`).sort();
  expect(await rclone(['lsf', `oidc:${s3.bucket}/tools-01/rclone/`], env)).toBe(names.map((n) => `${n}\n`).join(''));
  expect(await rclone(['cat', `oidc:${s3.bucket}/tools-01/rclone/process-${copies - 1}.txt`], env)).toBe(`rclone via credential_process ${copies - 1}\n`);
  noEndedSessionUsed();
}, 150_000);

test('rclone copies through serve across three sessions', async () => {
  writeFileSync(join(host.home, 'rclone.conf'), '');
  const tokenFile = join(host.home, 'rclone-serve.token');
  const { serve, url } = await startServe(NODE, host.bundles.provider, ['--port', '0', '--token-file', tokenFile, '--env-file', envFile], cleanEnv(host.home));
  running.push(serve);
  // Debian 12's rclone (aws-sdk-go v1) reads the token from AWS_CONTAINER_AUTHORIZATION_TOKEN only.
  const env = rcloneEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_CONTAINER_AUTHORIZATION_TOKEN: readFileSync(tokenFile, 'utf8') });
  const exchanges = sts.calls.length;
  const copies = await acrossSessions(3, async (i) => {
    writeFileSync(join(host.home, 'rclone-serve.txt'), `through serve ${i}\n`);
    await rclone(['copyto', join(host.home, 'rclone-serve.txt'), `oidc:${s3.bucket}/tools-01/rclone-serve/serve-${i}.txt`], env);
  });
  expect(sts.calls.length).toBeGreaterThanOrEqual(exchanges + 2);
  expect(serve.stderr()).toMatch(/refreshed; valid until[^\n]*\n[^]*refreshed; valid until/);
  const names = Array.from({ length: copies }, (_, i) => `serve-${i}.txt`).sort();
  expect(await rclone(['lsf', `oidc:${s3.bucket}/tools-01/rclone-serve/`], env)).toBe(names.map((n) => `${n}\n`).join(''));
  expect(await rclone(['cat', `oidc:${s3.bucket}/tools-01/rclone-serve/serve-${copies - 1}.txt`], env)).toBe(`through serve ${copies - 1}\n`);
  noEndedSessionUsed();
  expect(await serve.stop()).toBe(0);
}, 150_000);

test('restic backs up, lists and restores through the credentials file of credential-daemon, across three sessions and an IdP outage', async () => {
  const credentialsFile = join(host.home, 'daemon-credentials');
  const daemon = startCommand(NODE, [host.bundles.provider, 'credential-daemon', '--profile', 'tools', '--credentials-file', credentialsFile, '--env-file', envFile], cleanEnv(host.home));
  running.push(daemon);
  await daemon.waitFor(/refreshed; valid until/);
  const data = join(host.home, 'restic-data');
  mkdirSync(join(data, 'logs'), { recursive: true });
  writeFileSync(join(data, 'logs', 'app.log'), 'first backup\n');
  const env = goEnv({
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_PROFILE: 'tools',
    RESTIC_REPOSITORY: `s3:${s3Url}/${s3.bucket}/tools-01/restic`,
    RESTIC_PASSWORD: 'restic-test-password',
    RESTIC_CACHE_DIR: join(host.home, 'restic-cache'),
  });
  const restic = async (...args: string[]) => {
    const result = await run('/usr/bin/restic', ['--no-lock', ...args], env, { timeoutMs: 30_000 });
    expect({ args, code: result.code, stderr: result.stderr.split('\n').filter((l) => /error|fatal/i.test(l)) }).toEqual({ args, code: 0, stderr: [] });
    return result.stdout;
  };
  await restic('init');
  // Backups every few seconds until three sessions have signed them.
  const backups = await acrossSessions(3, async (i) => {
    writeFileSync(join(data, 'logs', 'app.log'), `backup ${i}\n`);
    await restic('backup', '--host', 'tools-01', data);
  });

  // The IdP goes down before the next renewal is due: the daemon keeps the still-valid session in
  // the file and backs off, restic keeps working; once the IdP is back the file is renewed.
  const before = readFileSync(credentialsFile, 'utf8');
  idp.available = false;
  try {
    await daemon.waitFor(/not renewed \(attempt 1\): still valid until/, 40_000);
    expect(readFileSync(credentialsFile, 'utf8')).toBe(before);
    writeFileSync(join(data, 'logs', 'app.log'), 'second backup\n');
    await restic('backup', '--host', 'tools-01', data);
  } finally {
    idp.available = true;
  }
  await daemon.waitFor(/not renewed[^]*\n[^\n]*refreshed; valid until/, 40_000);
  expect(readFileSync(credentialsFile, 'utf8')).not.toBe(before);
  const snapshots = JSON.parse(await restic('snapshots', '--json')) as { hostname: string; paths: string[] }[];
  expect(snapshots.map((s) => [s.hostname, s.paths])).toEqual(Array.from({ length: backups + 1 }, () => ['tools-01', [data]]));
  const target = join(host.home, 'restic-restore');
  await restic('restore', 'latest', '--target', target);
  expect(readFileSync(join(target, data, 'logs', 'app.log'), 'utf8')).toBe('second backup\n');
  noEndedSessionUsed();
  expect(await daemon.stop()).toBe(0);
}, 200_000);
