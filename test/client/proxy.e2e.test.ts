// A host whose only way out is a forward proxy: a cold get-credentials of the built bundle sends
// the token request (HTTPS, through a CONNECT tunnel) and the STS call (plain HTTP here, as an
// absolute-form request) through the proxy the environment names, sends nothing through it for
// hosts in NO_PROXY, and never shows the proxy's password.
import { connect as netConnect, type Socket } from 'node:net';
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
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
let cold = 0;

beforeAll(async () => {
  host = new TestHost('proxy-host');
  [idp, proxy] = await Promise.all([
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
    startLoggingProxy(),
  ]);
  sts = await startStsStub({
    credentials: { accessKeyId: 'AKIABEHINDPROXY', secretAccessKey: 'secret' },
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: AUDIENCE, roles: { [ROLE_ARN]: `${CLIENT_ID}@clients` } },
  });
  host.settings = auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: 'eu-west-1' });
}, 90_000);

afterAll(async () => {
  await Promise.all([idp?.close(), sts?.close(), proxy?.close()]);
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
