// oidc-s3-mcp on a host, driven by the MCP SDK's own client over stdio: every tool for each tier,
// the refusals, the credential cache shared with get-credentials (counted at the local OAuth
// server), and the IdP down with cached credentials. Auth0-shaped parts: the local OAuth server
// over HTTPS, the STS stand-in verifying tokens against its JWKS, s3rver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TOOL_DEFINITIONS } from '../../lambda/agent-tools/tool-schemas';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, auth0StsModel, cleanEnv, run, TestHost } from '../client/harness';
import { startMcp, type McpSession } from './mcp-client';

const AUDIENCE = 'https://s3-uploader.mcp.example';
const CLIENT_ID = 'mcpHostClient01';
const CLIENT_SECRET = `mcp-secret-${randomBytes(6).toString('hex')}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test/oidc-s3-test-web-01';
const PREFIX = 'web-01/';

let host: TestHost;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
let denying: Server;
let denyingUrl: string;
const sessions: McpSession[] = [];

async function mcp(overrides: Record<string, string>, name: string): Promise<McpSession> {
  const session = await startMcp(host.bundles.mcp, host.envFile(overrides, name), cleanEnv(host.home));
  sessions.push(session);
  return session;
}

// Each case spawns the server: generous under a loaded CI machine.
jest.setTimeout(60_000);

beforeAll(async () => {
  host = new TestHost('mcp-host');
  void host.bundles.mcp; // built once, before the servers start
  [s3, idp] = await Promise.all([
    startS3(),
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
  ]);
  sts = await startStsStub({
    credentials: s3.accessKeys,
    iam: auth0StsModel({ idp, audience: AUDIENCE, servers: [{ clientId: CLIENT_ID, roleArn: ROLE_ARN }] }),
  });
  // An S3 endpoint that refuses everything as S3 does when IAM says no.
  denying = createServer((req, res) => {
    req.resume();
    const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>TEST</RequestId></Error>';
    res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'TEST' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
  denyingUrl = `http://127.0.0.1:${(denying.address() as AddressInfo).port}`;
  host.settings = {
    ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: 'eu-west-1' }),
    S3_BUCKET: s3.bucket,
    S3_PREFIX: PREFIX,
    AWS_ENDPOINT_URL_S3: s3.url,
    S3_FORCE_PATH_STYLE: 'true',
  };
  // The host already ran get-credentials (its credential_process or daemon did): a warm cache.
  const warm = await host.getCredentials(host.envFile({}, 'warm.env'));
  expect(warm.code).toBe(0);
  expect(idp.tokenRequests).toBe(1);
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  await Promise.all([s3?.close(), idp?.close(), sts?.close(), denying ? new Promise<void>((r) => denying.close(() => r())) : undefined]);
  host?.close();
});

const stored = (key: string) => join(s3.directory, s3.bucket, `${key}._S3rver_object`);

describe('full tier', () => {
  let full: McpSession;
  beforeAll(async () => {
    full = await mcp({ S3_PERMISSIONS: 'full', S3_MAX_READ_BYTES: '4096' }, 'full.env');
  });

  test('lists the five tools with the shared schemas', async () => {
    const { tools } = await full.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_objects', 'read_object', 'create_object', 'update_object', 'delete_object']);
    expect(tools.map((t) => t.inputSchema)).toEqual(TOOL_DEFINITIONS.map((t) => t.inputSchema));
  });

  test('create, read, update, list and delete under the prefix; the warm cache costs no token request', async () => {
    const created = await full.call('create_object', { key: 'notes/a.txt', content: 'first version ✓' });
    expect(created).toMatchObject({ isError: false, json: { key: 'notes/a.txt', created: true, size: Buffer.byteLength('first version ✓') } });
    expect(readFileSync(stored('web-01/notes/a.txt'), 'utf8')).toBe('first version ✓');

    expect((await full.call('read_object', { key: 'notes/a.txt' })).json).toMatchObject({ key: 'notes/a.txt', encoding: 'utf8', content: 'first version ✓', content_type: 'text/plain; charset=utf-8' });
    expect((await full.call('update_object', { key: 'notes/a.txt', content: 'second' })).json).toMatchObject({ key: 'notes/a.txt', updated: true });
    expect((await full.call('read_object', { key: 'notes/a.txt' })).json).toMatchObject({ content: 'second', size: 6 });
    await full.call('create_object', { key: 'notes/b.txt', content: 'b' });

    const listed = await full.call('list_objects', { prefix: 'notes/' });
    expect(listed.json).toMatchObject({ prefix: 'notes/', truncated: false });
    expect((listed.json!.objects as { key: string }[]).map((o) => o.key)).toEqual(['notes/a.txt', 'notes/b.txt']);
    // (s3rver 3.7 answers a truncated ListObjectsV2 with a 500, so max_keys is shown untruncated.)
    expect((await full.call('list_objects', { max_keys: 2, prefix: 'notes/' })).json).toMatchObject({ objects: [{ key: 'notes/a.txt', size: 6 }, { key: 'notes/b.txt', size: 1 }] });

    expect((await full.call('delete_object', { key: 'notes/a.txt' })).json).toEqual({ key: 'notes/a.txt', deleted: true });
    expect(existsSync(stored('web-01/notes/a.txt'))).toBe(false);
    expect(await full.call('read_object', { key: 'notes/a.txt' })).toMatchObject({ isError: true, text: 'not_found: notes/a.txt does not exist' });
    expect(idp.tokenRequests).toBe(1);
  });

  test('binary content round-trips as base64', async () => {
    const bytes = randomBytes(700);
    bytes[0] = 0xff; // never valid UTF-8
    const created = await full.call('create_object', { key: 'bin/blob', content: bytes.toString('base64'), encoding: 'base64' });
    expect(created.isError).toBe(false);
    expect(readFileSync(stored('web-01/bin/blob')).equals(bytes)).toBe(true);
    const read = await full.call('read_object', { key: 'bin/blob' });
    expect(read.json).toMatchObject({ encoding: 'base64', content: bytes.toString('base64'), content_type: 'application/octet-stream', size: 700 });
  });

  test('refusals: create over an existing key, update or delete of a missing one, an oversized read', async () => {
    await full.call('create_object', { key: 'exists.txt', content: 'x' });
    expect(await full.call('create_object', { key: 'exists.txt', content: 'y' })).toEqual({ isError: true, text: 'already_exists: exists.txt exists; use update_object to replace it', json: undefined });
    expect(readFileSync(stored('web-01/exists.txt'), 'utf8')).toBe('x');
    expect((await full.call('update_object', { key: 'missing.txt', content: 'y' })).text).toBe('not_found: missing.txt does not exist; use create_object to create it');
    expect(existsSync(stored('web-01/missing.txt'))).toBe(false);
    expect((await full.call('delete_object', { key: 'missing.txt' })).text).toBe('not_found: missing.txt does not exist');
    await full.call('create_object', { key: 'big.txt', content: 'z'.repeat(5000) });
    expect((await full.call('read_object', { key: 'big.txt' })).text).toBe('too_large: big.txt is 5000 bytes; read_object returns at most 4096 bytes');
  });

  test.each([
    ['../web-02/secret.txt', 'invalid_key: key "../web-02/secret.txt" must not contain "." or ".." path segments'],
    ['/web-02/secret.txt', 'invalid_key: key "/web-02/secret.txt" must be relative to the server\'s prefix (no leading "/")'],
    ['a/./b', 'invalid_key: key "a/./b" must not contain "." or ".." path segments'],
    ['tab\there', 'invalid_key: key "tab\\there" must not contain control characters'],
    ['', 'invalid_key: key must be a non-empty string, relative to the server\'s prefix'],
    ['x'.repeat(1020), 'invalid_key: key is 1027 bytes with the server\'s prefix; S3 allows at most 1024'],
  ])('key %j is refused before any request', async (key, text) => {
    expect(await full.call('read_object', { key })).toEqual({ isError: true, text, json: undefined });
    expect(await full.call('create_object', { key, content: 'x' })).toMatchObject({ isError: true, text });
  });

  test('bad arguments name the argument', async () => {
    expect((await full.call('create_object', { key: 'k', content: 'x', encoding: 'hex' })).text).toBe('invalid_argument: encoding must be one of "utf8", "base64"');
    expect((await full.call('create_object', { key: 'k', content: 'not base64!', encoding: 'base64' })).text).toBe('invalid_argument: content is not valid base64 (RFC 4648, with padding)');
    expect((await full.call('read_object', { key: 'k', bucket: 'other' })).text).toBe('invalid_argument: read_object takes no argument "bucket" (it takes key)');
    expect((await full.call('list_objects', { max_keys: 5000 })).text).toBe('invalid_argument: max_keys must be a whole number from 1 to 1000');
    expect((await full.call('drop_bucket', {})).text).toBe('unknown_tool: no tool "drop_bucket"; tools: list_objects, read_object, create_object, update_object, delete_object');
  });

  test('refusals are logged as JSON lines on stderr, stdout stays the protocol', async () => {
    const lines = full.stderr().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ program: 'oidc-s3-mcp', event: 'tool_refused', tool: 'create_object', code: 'already_exists' })]));
    const stderr = full.stderr();
    expect(stderr).not.toMatch(/eyJ|SessionToken|ASIA/);
    expect(stderr).not.toContain(CLIENT_SECRET);
  });
});

describe('tiers below full are refused before any request', () => {
  // S3 unreachable: had any request been made, the answer would be "unavailable".
  const offline = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };

  test('write: create only', async () => {
    const write = await mcp({ S3_PERMISSIONS: 'write', ...offline }, 'write.env');
    for (const [tool, needed] of [['read_object', 'read-write'], ['update_object', 'read-write'], ['list_objects', 'full'], ['delete_object', 'full']] as const) {
      const args = tool === 'list_objects' ? {} : tool === 'update_object' ? { key: 'a', content: 'b' } : { key: 'a' };
      expect(await write.call(tool, args)).toEqual({
        isError: true,
        json: undefined,
        text: `access_denied: ${tool} needs the "${needed}" tier or higher; this server's tier is "write", which allows create_object`,
      });
    }
    expect((await write.call('create_object', { key: 'a', content: 'b' })).text).toMatch(/^unavailable: create_object of a failed, retry later: /);
  });

  test('read-write: no list, no delete', async () => {
    const rw = await mcp({ S3_PERMISSIONS: 'read-write', ...offline }, 'rw.env');
    expect((await rw.call('list_objects')).text).toBe('access_denied: list_objects needs the "full" tier or higher; this server\'s tier is "read-write", which allows read_object, create_object, update_object');
    expect((await rw.call('delete_object', { key: 'a' })).text).toBe('access_denied: delete_object needs the "full" tier or higher; this server\'s tier is "read-write", which allows read_object, create_object, update_object');
  });

  test('write and read-write tiers do their own tools against S3', async () => {
    const write = await mcp({ S3_PERMISSIONS: 'write' }, 'write-online.env');
    expect((await write.call('create_object', { key: 'w/1.txt', content: 'one' })).json).toMatchObject({ created: true });
    const rw = await mcp({ S3_PERMISSIONS: 'read-write' }, 'rw-online.env');
    expect((await rw.call('update_object', { key: 'w/1.txt', content: 'two' })).json).toMatchObject({ updated: true });
    expect((await rw.call('read_object', { key: 'w/1.txt' })).json).toMatchObject({ content: 'two' });
    expect((await rw.call('create_object', { key: 'w/1.txt', content: 'three' })).text).toBe('already_exists: w/1.txt exists; use update_object to replace it');
  });
});

test('without S3_PERMISSIONS, S3\'s AccessDenied is the answer', async () => {
  const unknown = await mcp({ AWS_ENDPOINT_URL_S3: denyingUrl }, 'unknown-tier.env');
  expect((await unknown.call('delete_object', { key: 'a.txt' })).text).toBe('access_denied: S3 refused delete_object of a.txt (AccessDenied); the server\'s role does not allow it');
  const tiered = await mcp({ AWS_ENDPOINT_URL_S3: denyingUrl, S3_PERMISSIONS: 'full' }, 'denied-full.env');
  expect((await tiered.call('list_objects')).text).toBe('access_denied: S3 refused list_objects of (the whole prefix) (AccessDenied); this server\'s tier is "full", which allows list_objects, read_object, create_object, update_object, delete_object');
});

test('with the IdP down, cached credentials keep the tools working; no token request is made', async () => {
  const before = idp.tokenRequests;
  idp.available = false;
  try {
    const session = await mcp({ S3_PERMISSIONS: 'full' }, 'idp-down.env');
    expect((await session.call('create_object', { key: 'idp-down.txt', content: 'still here' })).json).toMatchObject({ created: true });
    expect((await session.call('read_object', { key: 'idp-down.txt' })).json).toMatchObject({ content: 'still here' });
  } finally {
    idp.available = true;
  }
  expect(idp.tokenRequests).toBe(before);
  expect(sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
});

test('a missing setting stops the server with every problem named', async () => {
  const result = await run(process.execPath, [host.bundles.mcp, '--env-file', host.envFile({ S3_BUCKET: '', S3_PREFIX: '', S3_MAX_READ_BYTES: 'lots' }, 'bad.env')], cleanEnv(host.home));
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe('oidc-s3-mcp: S3_BUCKET is required: the upload bucket; S3_PREFIX is required: the server\'s own prefix, e.g. "web-01/" (tools must never act on the whole bucket); S3_MAX_READ_BYTES must be a whole number of bytes from 1 to 67108864 (got "lots") [CONFIG_INVALID]\n');
});
