// A host whose clock is off, as it really runs: boto3 and the built client under Debian's
// `faketime` (libfaketime shifts every clock they read: Python's, Node's Date.now), against the
// IdP, STS and S3 stand-ins on the real clock. S3 is the sandbox's S3 endpoint, which refuses a
// session that has ended by the real clock (ExpiredToken) and a signing time more than 15 min off
// (RequestTimeTooSkewed), as S3 does. 60 s sessions, 20 s refresh margin: the case of issue #19,
// where a host 45 s slow got eight ExpiredToken errors in a row after each session's end.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localTls } from '../../sandbox/local-tls';
import { cleanEnv, run } from './harness';
import { startCommand } from './serve-process';
import { startShortLivedHost, type ShortLivedHost } from './short-lived-host';

const AUDIENCE = 'https://s3-uploader.skew.example';
const CLIENT_ID = 'skewTestClient01';
const CLIENT_SECRET = `skew-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-skew-01';
const REGION = 'eu-west-1';
const LIFETIME_SECONDS = 60;
const MARGIN_SECONDS = 20;
/** How long boto3 keeps uploading: past two session ends. */
const UPLOAD_SECONDS = 85;

const SHIFTS = [
  { name: '45 s slow', faketime: '-45s', seconds: -45 },
  { name: '10 min slow', faketime: '-10m', seconds: -600 },
  { name: '10 min fast', faketime: '+10m', seconds: 600 },
] as const;

/** Debian's libfaketime, which the `faketime` wrapper preloads. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

let fixture: ShortLivedHost;

beforeAll(async () => {
  fixture = await startShortLivedHost({ name: 'skew-host', audience: AUDIENCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, roleArn: ROLE_ARN, region: REGION, lifetimeSeconds: LIFETIME_SECONDS, marginSeconds: MARGIN_SECONDS, gateway: true });
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

/** One shifted host: its own cache and env file, and an AWS config whose credential_process is the built client. */
function shiftedHost(label: string, overrides: Record<string, string> = {}): { envFile: string; awsConfig: string } {
  const { host } = fixture;
  const envFile = host.envFile({ OIDC_CACHE_DIR: join(host.home, `cache-${label}`), ...overrides }, `${label}.env`);
  const awsConfig = join(host.home, `aws-config-${label}`);
  writeFileSync(awsConfig, `[profile oidc-s3]\ncredential_process = ${process.execPath} -- ${host.bundles.provider} get-credentials --env-file ${envFile}\nregion = ${REGION}\n`);
  return { envFile, awsConfig };
}

/** `command` with every clock it and its children read shifted by `shift` (faketime's LD_PRELOAD is inherited). */
function underFaketime(shift: string, command: string, args: readonly string[], env: Record<string, string>, timeoutMs = 30_000) {
  return run('/usr/bin/faketime', ['-f', shift, command, ...args], env, { timeoutMs });
}

test('faketime shifts the clock Node reads', async () => {
  const result = await underFaketime('-10m', process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], cleanEnv(fixture.host.home));
  expect(Math.round((Number(result.stdout) - Date.now()) / 60_000)).toBe(-10);
});

test.each(SHIFTS)('$name: get-credentials warns once, with the measured offset and the fix, and hands out an Expiration on the host clock', async ({ faketime, seconds }) => {
  const { envFile } = shiftedHost(`warn${seconds}`);
  const env = cleanEnv(fixture.host.home);
  const args = ['--', fixture.host.bundles.provider, 'get-credentials', '--env-file', envFile];
  const first = await underFaketime(faketime, process.execPath, args, env);
  const second = await underFaketime(faketime, process.execPath, args, env);
  expect([first.code, second.code]).toEqual([0, 0]);
  if (Math.abs(seconds) > 60) {
    const side = seconds < 0 ? 'behind' : 'ahead of';
    const lines = first.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^oidc-credential-provider: warning: this host's clock is (\\d+) s ${side} STS's \\(from the Date of its answer\\); credentials are timed by STS's clock, but S3 refuses requests signed more than 900 s off: synchronise it with NTP \\(timedatectl set-ntp true, or chrony/ntpd\\) \\[CLOCK_SKEW\\]$`));
    const figure = Number(/clock is (\d+) s/.exec(lines[0]!)![1]);
    expect(figure).toBeGreaterThanOrEqual(Math.abs(seconds) - 2);
    expect(figure).toBeLessThanOrEqual(Math.abs(seconds) + 3);
  } else {
    expect(first.stderr).toBe('');
  }
  // The second call is answered from the cache: no second warning.
  expect(second.stderr).toBe('');
  expect(second.stdout).toBe(first.stdout);
  // The session ends 60 s after issue by the real clock; the host is told so on its own clock.
  const expiration = Date.parse((JSON.parse(first.stdout) as { Expiration: string }).Expiration);
  const session = fixture.sts.sessions.get((JSON.parse(first.stdout) as { AccessKeyId: string }).AccessKeyId)!;
  const onHostClock = session.expiration.getTime() + seconds * 1000;
  expect(Math.abs(expiration - onHostClock)).toBeLessThan(3000);
}, 60_000);

test("10 min slow: credential-daemon's file and serve's endpoint state the session's end on the host clock", async () => {
  const { envFile } = shiftedHost('daemons');
  const env = cleanEnv(fixture.host.home);
  const file = join(fixture.host.home, 'daemon-credentials');
  const daemon = await underFaketime('-10m', process.execPath, ['--', fixture.host.bundles.provider, 'credential-daemon', '--once', '--profile', 'skew', '--credentials-file', file, '--env-file', envFile], env);
  expect(daemon.code).toBe(0);
  const text = readFileSync(file, 'utf8');
  const stated = Date.parse(/^# oidc-credential-provider: expires (\S+)$/m.exec(text)![1]!);
  const keyId = /^aws_access_key_id = (\S+)$/m.exec(text)![1]!;
  expect(Math.abs(stated - (fixture.sts.sessions.get(keyId)!.expiration.getTime() - 600_000))).toBeLessThan(3000);

  const tokenFile = join(fixture.host.home, 'skew-serve.token');
  // serve wants a margin of at least 40 s; its own cache, so that it measures the offset itself.
  const serveEnvFile = shiftedHost('serve', { OIDC_REFRESH_MARGIN_SECONDS: '45' }).envFile;
  // libfaketime preloaded by hand: the faketime wrapper would stay between us and serve, and not pass SIGTERM on.
  const serve = startCommand(process.execPath, ['--', fixture.host.bundles.provider, 'serve', '--port', '0', '--token-file', tokenFile, '--env-file', serveEnvFile], { ...env, LD_PRELOAD: LIBFAKETIME, FAKETIME: '-10m' });
  try {
    const [, url] = await serve.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    const answer = await fetch(url!, { headers: { authorization: readFileSync(tokenFile, 'utf8') } });
    const body = (await answer.json()) as { AccessKeyId: string; Expiration: string };
    // 60 s sessions: the real end, on the host clock (the 60 s gap would leave nothing).
    expect(Math.abs(Date.parse(body.Expiration) - (fixture.sts.sessions.get(body.AccessKeyId)!.expiration.getTime() - 600_000))).toBeLessThan(3000);
    expect(serve.stderr()).toMatch(/clock is 60\d s behind STS's/);
  } finally {
    expect(await serve.stop()).toBe(0);
  }
}, 60_000);

const BOTO3_LOOP = `
import sys, time, boto3
from botocore.config import Config
endpoint, bucket, prefix, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
s3 = boto3.session.Session(profile_name='oidc-s3').client('s3', endpoint_url=endpoint, config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
start, n, errors = time.monotonic(), 0, []
while time.monotonic() - start < seconds:
    try:
        s3.put_object(Bucket=bucket, Key='%s/%04d.txt' % (prefix, n), Body=b'tick %d' % n)
    except Exception as e:
        errors.append('%d: %s' % (n, e))
    n += 1
    time.sleep(1)
print(n)
for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
`;

test(`boto3 uploads for ${UPLOAD_SECONDS} s through credential_process on hosts 45 s slow, 10 min slow and 10 min fast: no request signed with an ended session`, async () => {
  const { s3Url, s3, uses } = fixture;
  const results = await Promise.all(
    SHIFTS.map(async ({ faketime, seconds }) => {
      const { awsConfig } = shiftedHost(`boto3${seconds}`);
      const env = cleanEnv(fixture.host.home, { AWS_CONFIG_FILE: awsConfig, AWS_CA_BUNDLE: localTls().caFile });
      const result = await underFaketime(faketime, '/usr/bin/python3', ['-c', BOTO3_LOOP, s3Url, s3.bucket, `skew${seconds}`, String(UPLOAD_SECONDS)], env, (UPLOAD_SECONDS + 60) * 1000);
      return { seconds, code: result.code, uploads: Number(result.stdout.trim()), errors: result.stderr.trim() };
    }),
  );
  for (const r of results) {
    expect({ seconds: r.seconds, code: r.code, errors: r.errors }).toEqual({ seconds: r.seconds, code: 0, errors: '' });
    // Every upload arrived (one a second, fewer on a busy machine).
    expect(r.uploads).toBeGreaterThan(UPLOAD_SECONDS / 4);
    expect(readdirSync(join(s3.directory, s3.bucket, `skew${r.seconds}`)).filter((f) => f.endsWith('._S3rver_object'))).toHaveLength(r.uploads);
  }
  // Every request S3 received was signed with a session that, by the real clock, still had most
  // of the margin left; and sessions were renewed (at least two session ends per host).
  expect(uses.length).toBeGreaterThan((3 * UPLOAD_SECONDS) / 4);
  expect(Math.min(...uses.map((u) => u.leftMs))).toBeGreaterThan(10_000);
  expect(new Set(uses.map((u) => u.accessKeyId)).size).toBeGreaterThanOrEqual(3 * 2);
}, (UPLOAD_SECONDS + 90) * 1000);
