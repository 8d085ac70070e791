// The S3 tools operators run on such hosts, from Debian's packages, moving files through each
// route of the built client: rclone (S3 backend, env_auth) through credential_process and through
// `serve`; restic (S3 repository: init, backup, snapshots, restore) through the shared credentials
// file that credential-daemon keeps fresh, across a renewal of short-lived credentials and an
// identity-provider outage.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const running: RunningCommand[] = [];

let fixture: ShortLivedHost;

beforeAll(async () => {
  fixture = await startShortLivedHost({ name: 'tools-host', audience: AUDIENCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, roleArn: ROLE_ARN, region: REGION, lifetimeSeconds: LIFETIME_SECONDS, marginSeconds: MARGIN_SECONDS, s3Tls: true });
  ({ host, s3, idp, sts, envFile } = fixture);
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
    RCLONE_CONFIG_OIDC_ENDPOINT: s3.url,
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

test('rclone copies, lists and reads back through the credential_process profile', async () => {
  writeFileSync(join(host.home, 'rclone-process.txt'), 'rclone via credential_process\n');
  writeFileSync(join(host.home, 'rclone.conf'), '');
  const env = rcloneEnv({ AWS_PROFILE: 'oidc-s3', AWS_SDK_LOAD_CONFIG: '1' });
  await rclone(['copyto', join(host.home, 'rclone-process.txt'), `oidc:${s3.bucket}/tools-01/rclone/process.txt`], env);
  expect(await rclone(['lsf', `oidc:${s3.bucket}/tools-01/rclone/`], env)).toBe('process.txt\n');
  expect(await rclone(['cat', `oidc:${s3.bucket}/tools-01/rclone/process.txt`], env)).toBe('rclone via credential_process\n');
}, 60_000);

test('rclone copies through serve before and after a renewal', async () => {
  writeFileSync(join(host.home, 'rclone.conf'), '');
  const tokenFile = join(host.home, 'rclone-serve.token');
  const { serve, url } = await startServe(NODE, host.bundles.provider, ['--port', '0', '--token-file', tokenFile, '--env-file', envFile], cleanEnv(host.home));
  running.push(serve);
  // Debian 12's rclone (aws-sdk-go v1) reads the token from AWS_CONTAINER_AUTHORIZATION_TOKEN only.
  const env = rcloneEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_CONTAINER_AUTHORIZATION_TOKEN: readFileSync(tokenFile, 'utf8') });
  writeFileSync(join(host.home, 'rclone-serve-1.txt'), 'before the renewal\n');
  await rclone(['copyto', join(host.home, 'rclone-serve-1.txt'), `oidc:${s3.bucket}/tools-01/rclone/serve-1.txt`], env);
  const exchanges = sts.calls.length;
  await serve.waitFor(/refreshed; valid until[^\n]*\n[^]*refreshed; valid until/, 40_000);
  expect(sts.calls.length).toBeGreaterThan(exchanges);
  writeFileSync(join(host.home, 'rclone-serve-2.txt'), 'after the renewal\n');
  await rclone(['copyto', join(host.home, 'rclone-serve-2.txt'), `oidc:${s3.bucket}/tools-01/rclone/serve-2.txt`], env);
  expect(await rclone(['lsf', `oidc:${s3.bucket}/tools-01/rclone/`], env)).toBe('process.txt\nserve-1.txt\nserve-2.txt\n');
  expect(await rclone(['cat', `oidc:${s3.bucket}/tools-01/rclone/serve-2.txt`], env)).toBe('after the renewal\n');
  expect(await serve.stop()).toBe(0);
}, 90_000);

test('restic backs up, lists and restores through the credentials file of credential-daemon, across a renewal and an IdP outage', async () => {
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
    RESTIC_REPOSITORY: `s3:${s3.url}/${s3.bucket}/tools-01/restic`,
    RESTIC_PASSWORD: 'restic-test-password',
    RESTIC_CACHE_DIR: join(host.home, 'restic-cache'),
  });
  const restic = async (...args: string[]) => {
    const result = await run('/usr/bin/restic', ['--no-lock', ...args], env, { timeoutMs: 30_000 });
    expect({ args, code: result.code, stderr: result.stderr.split('\n').filter((l) => /error|fatal/i.test(l)) }).toEqual({ args, code: 0, stderr: [] });
    return result.stdout;
  };
  await restic('init');
  await restic('backup', '--host', 'tools-01', data);

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
  expect(snapshots.map((s) => [s.hostname, s.paths])).toEqual([
    ['tools-01', [data]],
    ['tools-01', [data]],
  ]);
  const target = join(host.home, 'restic-restore');
  await restic('restore', 'latest', '--target', target);
  expect(readFileSync(join(target, data, 'logs', 'app.log'), 'utf8')).toBe('second backup\n');
  expect(await daemon.stop()).toBe(0);
}, 90_000);
