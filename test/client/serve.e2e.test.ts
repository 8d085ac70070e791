// `oidc-credential-provider serve`, the container-credentials endpoint, from the built bundle:
// its authorization rules and token file, and the AWS SDK for JavaScript v3 using it through
// AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE across a refresh of
// short-lived credentials and an identity-provider outage.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { OAuthServer } from '../../sandbox/oauth-server';
import type { LocalS3 } from '../../sandbox/s3rver';
import type { StsStub } from '../../sandbox/sts';
import { startShortLivedHost, type ShortLivedHost } from './short-lived-host';
import { REPO_ROOT } from '../../modules/bundle';
import { cleanEnv, mode, run, TestHost } from './harness';
import { startServe, type RunningCommand } from './serve-process';

const AUDIENCE = 'https://s3-uploader.serve.example';
const CLIENT_ID = 'serveTestClient01';
const CLIENT_SECRET = `serve-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-serve-01';
const REGION = 'eu-west-1';
/** Sessions and tokens last a minute; renewal starts 45 s before the end, so about every 15 s. */
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
  fixture = await startShortLivedHost({ name: 'serve-host', audience: AUDIENCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, roleArn: ROLE_ARN, region: REGION, lifetimeSeconds: LIFETIME_SECONDS, marginSeconds: MARGIN_SECONDS });
  ({ host, s3, idp, sts, envFile } = fixture);
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await fixture?.close();
});

async function serve(args: readonly string[], env = envFile) {
  const started = await startServe(NODE, host.bundles.provider, ['--port', '0', '--env-file', env, ...args], cleanEnv(host.home));
  running.push(started.serve);
  return started;
}

test('answers GET with the token only: 401 without it, 403 with another, 405 for other methods; the created token file is 0600', async () => {
  const tokenFile = join(host.home, 'created.token');
  const { serve: server, url } = await serve(['--token-file', tokenFile]);
  expect(mode(tokenFile)).toBe(0o600);
  const token = readFileSync(tokenFile, 'utf8');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const missing = await fetch(url);
  expect(missing.status).toBe(401);
  expect(await missing.json()).toEqual({ Code: 'Unauthorized', Message: 'the Authorization header must hold the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE' });
  const wrong = await fetch(url, { headers: { authorization: `${token.slice(0, -1)}x` } });
  expect(wrong.status).toBe(403);
  expect(await wrong.json()).toEqual({ Code: 'Forbidden', Message: 'the Authorization header does not match the endpoint token' });
  const post = await fetch(url, { method: 'POST', headers: { authorization: token } });
  expect(post.status).toBe(405);

  const ok = await fetch(url, { headers: { authorization: token } });
  expect(ok.status).toBe(200);
  const body = (await ok.json()) as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['AccessKeyId', 'Expiration', 'SecretAccessKey', 'Token']);
  expect(body.AccessKeyId).toBe(s3.accessKeys.accessKeyId);
  expect(new Date(body.Expiration!).getTime()).toBeGreaterThan(Date.now() + 30_000);

  expect(await server.stop()).toBe(0);
  expect(server.stderr()).not.toContain(token);
  expect(server.stderr()).not.toContain(body.Token);
  expect(server.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/ \(token file .*created\.token, created\)/);
});

test('an existing token file is used as it is and never rewritten; one readable by others is refused', async () => {
  const tokenFile = join(host.home, 'operator.token');
  writeFileSync(tokenFile, 'operator-chosen-token-0123456789', { mode: 0o640 });
  chmodSync(tokenFile, 0o640);
  const before = statSync(tokenFile);
  const { serve: server, url } = await serve(['--token-file', tokenFile]);
  expect((await fetch(url, { headers: { authorization: 'operator-chosen-token-0123456789' } })).status).toBe(200);
  expect(await server.stop()).toBe(0);
  const after = statSync(tokenFile);
  expect({ ino: after.ino, mtime: after.mtimeMs, mode: after.mode & 0o777 }).toEqual({ ino: before.ino, mtime: before.mtimeMs, mode: 0o640 });
  expect(readFileSync(tokenFile, 'utf8')).toBe('operator-chosen-token-0123456789');

  const withNewline = join(host.home, 'newline.token');
  writeFileSync(withNewline, 'operator-chosen-token-0123456789\n', { mode: 0o600 });
  const newline = await run(NODE, [host.bundles.provider, 'serve', '--port', '0', '--token-file', withNewline, '--env-file', envFile], cleanEnv(host.home));
  expect(newline.code).toBe(1);
  expect(newline.stderr).toBe(
    `oidc-credential-provider: --token-file ${withNewline} must hold one token of at least 16 characters and nothing else, no final newline (write it with printf '%s') [CONFIG_INVALID]\n`,
  );

  chmodSync(tokenFile, 0o644);
  const refused = await run(NODE, [host.bundles.provider, 'serve', '--port', '0', '--token-file', tokenFile, '--env-file', envFile], cleanEnv(host.home));
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(`oidc-credential-provider: --token-file ${tokenFile} is accessible to other users (mode 0644): chmod o-rwx ${tokenFile} [CONFIG_INVALID]\n`);
});

test('listens on 127.0.0.1 only: another address is refused', async () => {
  const refused = await run(NODE, [host.bundles.provider, 'serve', '--address', '0.0.0.0', '--env-file', envFile], cleanEnv(host.home));
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(
    'oidc-credential-provider: serve listens on 127.0.0.1 only (refused "0.0.0.0"): credentials must not be reachable from another machine [USAGE]\n',
  );
});

test('a keep-alive consumer that comes back to an idle connection gets its answer: serve never closes idle connections under it', async () => {
  const tokenFile = join(host.home, 'keep-alive.token');
  const { serve: server, url } = await serve(['--token-file', tokenFile]);
  const token = readFileSync(tokenFile, 'utf8');
  // A pool with no idle timeout of its own, as the SDKs and apps create one (and as urllib3 keeps
  // botocore's): it reuses an idle socket for as long as it has not seen the server close it.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<{ status: number; reused: boolean; keepAliveHint?: string }>((resolve, reject) => {
      const req = request(url, { agent, headers: { authorization: token } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAliveHint: res.headers['keep-alive'] as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const first = await get();
    expect({ status: first.status, reused: first.reused }).toEqual({ status: 200, reused: false });
    // The consumer's event loop is busy (a loaded machine, a long synchronous task) past the moment
    // Node's default server would have closed the idle connection (keepAliveTimeout 5 s, closed
    // at 6 s): any FIN arrives while the consumer cannot read it, so its next request goes out on
    // that socket. Before the fix this request failed with "socket hang up" (ECONNRESET) every
    // time; that was the full benchmark's failure. Atomics.wait blocks without spinning a core.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 7000);
    const second = await get();
    expect({ status: second.status, reused: second.reused }).toEqual({ status: 200, reused: true });
    // No idle timeout is announced either (Node's and undici's pools close their sockets a second
    // before an announced one): there is none.
    expect([first.keepAliveHint, second.keepAliveHint]).toEqual([undefined, undefined]);
  } finally {
    agent.destroy();
  }
  expect(await server.stop()).toBe(0);
  expect(server.stderr()).not.toContain(token);
}, 30_000);

/** Uploads every 400 ms for `seconds` through the SDK's default chain; prints counts, no secrets. */
const SDK_CONSUMER = `
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const { createHash } = require('node:crypto');
const [endpoint, bucket, prefix, seconds] = process.argv.slice(1);
const s3 = new S3Client({ region: 'eu-west-1', endpoint, forcePathStyle: true });
(async () => {
  const sessions = new Set();
  let uploads = 0;
  const end = Date.now() + Number(seconds) * 1000;
  while (Date.now() < end) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + uploads + '.txt', Body: 'upload ' + uploads }));
    const credentials = await s3.config.credentials();
    sessions.add(createHash('sha256').update(credentials.sessionToken).digest('hex'));
    uploads += 1;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  console.log(JSON.stringify({ uploads, sessions: sessions.size }));
})().catch((error) => { console.error(error.name + ': ' + error.message); process.exit(1); });
`;

test('the AWS SDK for JavaScript uploads through serve across a refresh and an identity-provider outage', async () => {
  const tokenFile = join(host.home, 'sdk.token');
  const { serve: server, url } = await serve(['--token-file', tokenFile]);
  await server.waitFor(/refreshed; valid until/);
  const stsBefore = sts.calls.length;
  const consumerEnv = cleanEnv(host.home, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    AWS_REGION: REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_PATH: join(REPO_ROOT, 'node_modules'),
  });
  const consumer = run(NODE, ['-e', SDK_CONSUMER, s3.url, s3.bucket, 'serve-01/sdk/', '32'], consumerEnv, { cwd: REPO_ROOT, timeoutMs: 60_000 });

  // The IdP goes down before the first renewal is due and stays down past it: serve keeps
  // answering with the still-valid session, backs off, and renews once the IdP is back.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  idp.available = false;
  await server.waitFor(/not renewed \(attempt 1\): still valid until/, 30_000);
  idp.available = true;
  const result = await consumer;
  // On a busy machine the SDK may warn that one answer took longer than its 1 s metadata
  // timeout (it still waits for it); that is the machine's speed, any other output is a fault.
  const stderr = result.stderr.replace(/^@smithy\/node-http-handler - \[WARN\] a request has exceeded the configured \d+ ms requestTimeout\..*\n/gm, '');
  expect({ code: result.code, stderr }).toEqual({ code: 0, stderr: '' });
  const counts = JSON.parse(result.stdout) as { uploads: number; sessions: number };
  expect(counts.uploads).toBeGreaterThanOrEqual(10);
  expect(counts.sessions).toBeGreaterThanOrEqual(2);
  expect(sts.calls.length).toBeGreaterThan(stsBefore);
  expect(server.stderr()).toMatch(/warning: refreshing credentials failed, serving cached ones valid until .*\[IDP_UNAVAILABLE\]/);
  expect(server.stderr()).not.toContain('answering 503');
  expect(await server.stop()).toBe(0);
  expect(server.stderr()).not.toContain(readFileSync(tokenFile, 'utf8'));
}, 70_000);
