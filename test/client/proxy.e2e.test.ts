// A host whose only way out is a forward proxy: a cold get-credentials of the built bundle sends
// the token request (HTTPS, through a CONNECT tunnel) and the STS call (plain HTTP here, as an
// absolute-form request) through the proxy the environment names, sends nothing through it for
// hosts in NO_PROXY, and never shows the proxy's password. `doctor` probes along the same routes.
import { connect as netConnect, type Socket } from 'node:net';
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, cleanEnv, run, TestHost } from './harness';

const AUDIENCE = 'https://s3-uploader.test.example';
const CLIENT_ID = 'web01BehindProxy';
const CLIENT_SECRET = `auth0-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-web-01';
const PROXY_USER = 'egress';
const PROXY_PASSWORD = `proxy-pw-${Math.random().toString(36).slice(2)}`;

/** What the proxy saw: `CONNECT host:port` or `GET|POST http://…`, with the Proxy-Authorization it got. */
interface ProxyLogEntry {
  readonly line: string;
  readonly authorization: string | undefined;
}

/** A logging forward proxy (test double): CONNECT tunnels and absolute-form HTTP requests. */
async function startLoggingProxy(): Promise<{ url: string; log: ProxyLogEntry[]; close(): Promise<void> }> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    log.push({ line: `${req.method} ${req.url}`, authorization: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '');
    const { 'proxy-authorization': _auth, 'proxy-connection': _conn, ...headers } = req.headers;
    const upstream = forward({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push({ line: `CONNECT ${req.url}`, authorization: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let host: TestHost;
let idp: OAuthServer;
let sts: StsStub;
let proxy: Awaited<ReturnType<typeof startLoggingProxy>>;
let s3: LocalS3;
let cold = 0;

beforeAll(async () => {
  host = new TestHost('proxy-host');
  [idp, proxy, s3] = await Promise.all([
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
    startLoggingProxy(),
    startS3(),
  ]);
  s3.admit('AKIABEHINDPROXY', 'secret');
  sts = await startStsStub({
    credentials: { accessKeyId: 'AKIABEHINDPROXY', secretAccessKey: 'secret' },
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: AUDIENCE, roles: { [ROLE_ARN]: `${CLIENT_ID}@clients` } },
  });
  host.settings = auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: 'eu-west-1' });
}, 90_000);

afterAll(async () => {
  await Promise.all([idp?.close(), sts?.close(), proxy?.close(), s3?.close()]);
  host?.close();
});

/** A cold `get-credentials` (a cache directory of its own) with `proxyEnv` added to a clean environment. */
function coldGetCredentials(proxyEnv: Record<string, string>) {
  cold += 1;
  const envFile = host.envFile({ OIDC_CACHE_DIR: join(host.home, `cache-${cold}`) }, `cold-${cold}.env`);
  return run(process.execPath, ['--', host.bundles.provider, 'get-credentials', '--env-file', envFile], cleanEnv(host.home, proxyEnv));
}

const tokenHost = () => new URL(idp.tokenUrl).host;
const stsHost = () => new URL(sts.url).host;
const authenticatedProxy = () => proxy.url.replace('://', `://${PROXY_USER}:${PROXY_PASSWORD}@`);

test('HTTPS_PROXY and HTTP_PROXY carry the token request (CONNECT) and the STS call, with the proxy credentials', async () => {
  proxy.log.length = 0;
  const result = await coldGetCredentials({ HTTPS_PROXY: authenticatedProxy(), HTTP_PROXY: authenticatedProxy() });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(result.stdout)).toMatchObject({ Version: 1, AccessKeyId: 'AKIABEHINDPROXY' });
  const basic = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  expect(proxy.log).toEqual([
    { line: `CONNECT ${tokenHost()}`, authorization: basic },
    { line: `POST ${sts.url}/`, authorization: basic },
  ]);
});

test('lower-case https_proxy / http_proxy work too', async () => {
  proxy.log.length = 0;
  const result = await coldGetCredentials({ https_proxy: proxy.url, http_proxy: proxy.url });
  expect(result.code).toBe(0);
  expect(proxy.log.map((e) => e.line)).toEqual([`CONNECT ${tokenHost()}`, `POST ${sts.url}/`]);
});

test('HTTPS_PROXY set in the --env-file is honoured like one in the environment', async () => {
  proxy.log.length = 0;
  cold += 1;
  const envFile = host.envFile({ OIDC_CACHE_DIR: join(host.home, `cache-${cold}`), HTTPS_PROXY: proxy.url, NO_PROXY: stsHost() }, `cold-${cold}.env`);
  const result = await run(process.execPath, ['--', host.bundles.provider, 'get-credentials', '--env-file', envFile], cleanEnv(host.home));
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(proxy.log.map((e) => e.line)).toEqual([`CONNECT ${tokenHost()}`]);
});

test.each([
  ['host:port entries', () => `${tokenHost()},${stsHost()}`],
  ['a bare host name (any port)', () => '127.0.0.1'],
  ['*', () => '*'],
  ['a CIDR range holding their addresses', () => '10.0.0.0/8, 127.0.0.0/8'],
])('NO_PROXY with %s: nothing goes through the proxy', async (_name, noProxy) => {
  proxy.log.length = 0;
  const before = idp.tokenRequests;
  const result = await coldGetCredentials({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: noProxy() });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(idp.tokenRequests).toBe(before + 1);
  expect(proxy.log).toEqual([]);
});

test('NO_PROXY naming only the token endpoint: STS still goes through the proxy', async () => {
  proxy.log.length = 0;
  const result = await coldGetCredentials({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, no_proxy: tokenHost() });
  expect(result.code).toBe(0);
  expect(proxy.log.map((e) => e.line)).toEqual([`POST ${sts.url}/`]);
});

test('an unreachable proxy: IDP_UNAVAILABLE naming the proxy, its password hidden', async () => {
  const deadProxy = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:9`;
  const result = await coldGetCredentials({ HTTPS_PROXY: deadProxy });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    `oidc-credential-provider: token endpoint ${idp.tokenUrl} unreachable: ECONNREFUSED (via proxy http://${PROXY_USER}:***@127.0.0.1:9) [IDP_UNAVAILABLE]\n`,
  );
  expect(result.stderr).not.toContain(PROXY_PASSWORD);
});

describe('doctor', () => {
  /** `doctor --json` with the S3 probe (full tier: write, read, delete) and `proxyEnv`. */
  async function doctor(proxyEnv: Record<string, string>) {
    const envFile = host.envFile({ AWS_ENDPOINT_URL_S3: s3.url, S3_FORCE_PATH_STYLE: 'true', S3_BUCKET: s3.bucket, S3_PREFIX: 'web-01/', S3_PERMISSIONS: 'full' }, 'doctor.env');
    const result = await run(process.execPath, ['--', host.bundles.provider, 'doctor', '--json', '--env-file', envFile], cleanEnv(host.home, proxyEnv));
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ step: string; status: string; detail: string }> };
    return { code: result.code, report };
  }
  const probeKey = /\/\.oidc-s3-doctor\/[^ ]+$/;

  test('probes the token endpoint (TLS), the token request, STS and S3 through the proxy get-credentials uses', async () => {
    proxy.log.length = 0;
    const { code, report } = await doctor({ HTTPS_PROXY: authenticatedProxy(), HTTP_PROXY: authenticatedProxy() });
    expect({ code, ok: report.ok, failed: report.steps.filter((s) => s.status !== 'pass') }).toEqual({ code: 0, ok: true, failed: [] });
    expect(report.steps.find((s) => s.step === 'token-endpoint')?.detail).toMatch(new RegExp(`^${tokenHost()} via proxy http://${PROXY_USER}:\\*\\*\\*@127\\.0\\.0\\.1:\\d+: TLSv1\\.3, certificate for localhost`));
    const bucket = `${s3.url}/${s3.bucket}/web-01`;
    expect(proxy.log.map((e) => e.line.replace(probeKey, '/.oidc-s3-doctor/<host>'))).toEqual([
      `CONNECT ${tokenHost()}`,
      `CONNECT ${tokenHost()}`,
      `POST ${sts.url}/`,
      `PUT ${bucket}/.oidc-s3-doctor/<host>`,
      `GET ${bucket}/.oidc-s3-doctor/<host>`,
      `DELETE ${bucket}/.oidc-s3-doctor/<host>`,
    ]);
    expect(JSON.stringify(report)).not.toContain(PROXY_PASSWORD);
  });

  test('with NO_PROXY naming the hosts, it probes them directly', async () => {
    proxy.log.length = 0;
    const { code, report } = await doctor({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect({ code, ok: report.ok }).toEqual({ code: 0, ok: true });
    expect(report.steps.find((s) => s.step === 'token-endpoint')?.detail).toMatch(new RegExp(`^${tokenHost()}: TLSv1\\.3`));
    expect(proxy.log).toEqual([]);
  });

  test('an unreachable proxy fails the token-endpoint step naming the proxy', async () => {
    const { code, report } = await doctor({ HTTPS_PROXY: `http://127.0.0.1:9` });
    expect(code).toBe(1);
    expect(report.steps.find((s) => s.step === 'token-endpoint')).toMatchObject({
      status: 'fail',
      detail: `${idp.tokenUrl}: cannot connect to ${tokenHost()} via proxy http://127.0.0.1:9 (ECONNREFUSED)`,
    });
  });

  test('a proxy that wants credentials (407 to CONNECT) fails the token-endpoint step with the fix', async () => {
    const strict = createServer();
    strict.on('connect', (_req: IncomingMessage, client: Socket) => client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="egress"\r\n\r\n'));
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    try {
      const strictUrl = `http://127.0.0.1:${(strict.address() as AddressInfo).port}`;
      const { code, report } = await doctor({ HTTPS_PROXY: strictUrl });
      expect(code).toBe(1);
      expect(report.steps.find((s) => s.step === 'token-endpoint')).toMatchObject({
        status: 'fail',
        detail: `${idp.tokenUrl}: the proxy ${strictUrl} refused to connect to ${tokenHost()} (HTTP 407)`,
        fix: 'put user and password in the proxy URL, have the proxy allow the host, or name the host in NO_PROXY if it is reachable directly',
      });
    } finally {
      strict.close();
    }
  });
});
