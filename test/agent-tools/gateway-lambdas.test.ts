// The gateway's REQUEST interceptor and tools Lambda, run with the event shapes AgentCore
// documents (see gateway-harness.ts), for both identity providers: the caller's token verified
// again, refusals for disabled servers and servers without agent_tools, and every S3 request
// signed with a session of the caller's own role (recorded by the STS stand-in and an S3 proxy).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALLER_ARGUMENT } from '../../lambda/agent-tools/caller';
import { createClientRolesTable, startDynalite, type LocalDynamo } from '../../sandbox/dynalite';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0StsModel } from '../client/harness';
import { captureLogs } from '../lambda/harness';
import { loadGatewayHandlers, putAgentToolsItem, startRecordingProxy, throughGateway, type RecordingProxy, type ToolsHandler, type InterceptorHandler } from './gateway-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };

const RESOURCE_SERVER = 'https://s3-uploader.oidc-s3-test';
const AUDIENCE = 'https://s3-uploader.test.auth0.example';
const LAMBDA_KEY = 'AKIDAGENTTOOLSLAMBDA';
const roleArn = (server: string) => `arn:aws:iam::123456789012:role/oidc-s3-test/oidc-s3-test-${server}`;
/** The S3 keys of each role's sessions, derived from the role ARN. */
const keysOf = (arn: string) => {
  const id = `ASIA${createHash('sha256').update(arn).digest('hex').slice(0, 16).toUpperCase()}`;
  return { accessKeyId: id, secretAccessKey: `secret-${id}` };
};

let cognito: OAuthServer;
let auth0: OAuthServer;
let dynamo: LocalDynamo;
let sts: StsStub;
let s3: LocalS3;
let proxy: RecordingProxy;
let cognitoGw: { interceptor: InterceptorHandler; tools: ToolsHandler };
let auth0Gw: { interceptor: InterceptorHandler; tools: ToolsHandler };

const SERVERS = [
  // client, server, tier, enabled
  ['cogFull01', 'web-01', 'full', true],
  ['cogWrite02', 'web-02', 'write', true],
  ['cogOff04', 'web-04', 'full', false],
] as const;

beforeAll(async () => {
  [cognito, auth0, dynamo, s3] = await Promise.all([
    startOAuthServer({
      style: 'cognito',
      resourceServer: RESOURCE_SERVER,
      clients: [...SERVERS.map(([clientId]) => ({ clientId, clientSecret: 's', scopes: ['write', 'read', 'delete', 'list'] })), { clientId: 'cogNoTools05', clientSecret: 's' }],
    }),
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: 'a0Full01', clientSecret: 's' }, { clientId: 'a0Rw03', clientSecret: 's' }] }),
    startDynalite(),
    startS3(),
  ]);
  sts = await startStsStub({
    credentials: (arn) => keysOf(arn),
    iam: auth0StsModel({ idp: auth0, audience: AUDIENCE, servers: [{ clientId: 'a0Full01', roleArn: roleArn('a0-web-01') }, { clientId: 'a0Rw03', roleArn: roleArn('a0-web-03') }] }),
  });
  for (const server of ['web-01', 'web-02', 'web-04', 'a0-web-01', 'a0-web-03']) {
    const keys = keysOf(roleArn(server));
    DUMMY_ACCOUNT.createKeyPair(keys.accessKeyId, keys.secretAccessKey);
  }
  proxy = await startRecordingProxy(s3.url);
  await Promise.all([createClientRolesTable(dynamo.client, 'agent-tools-cognito'), createClientRolesTable(dynamo.client, 'agent-tools-auth0')]);
  for (const [client_id, server, tier, enabled] of SERVERS) {
    await putAgentToolsItem(dynamo, 'agent-tools-cognito', { client_id, server_name: server, role_arn: roleArn(server), s3_path_prefix: `${server}/`, s3_permissions: tier, enabled });
  }
  await putAgentToolsItem(dynamo, 'agent-tools-auth0', { client_id: 'a0Full01', server_name: 'a0-web-01', role_arn: roleArn('a0-web-01'), s3_path_prefix: 'a0/web-01/', s3_permissions: 'full', enabled: true });
  await putAgentToolsItem(dynamo, 'agent-tools-auth0', { client_id: 'a0Rw03', server_name: 'a0-web-03', role_arn: roleArn('a0-web-03'), s3_path_prefix: 'a0/web-03/', s3_permissions: 'read-write', enabled: true });

  const shared = {
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_S3: proxy.url,
    AWS_ACCESS_KEY_ID: LAMBDA_KEY,
    AWS_SECRET_ACCESS_KEY: 'agent-tools-lambda-secret',
    BUCKET_NAME: s3.bucket,
    MAX_READ_BYTES: '2048',
  };
  cognitoGw = loadGatewayHandlers({ ...shared, IDENTITY_PROVIDER: 'cognito', TOKEN_ISSUER: cognito.issuer, RESOURCE_SERVER_IDENTIFIER: RESOURCE_SERVER, AUDIENCE: undefined, AGENT_TOOLS_TABLE: 'agent-tools-cognito' });
  auth0Gw = loadGatewayHandlers({ ...shared, IDENTITY_PROVIDER: 'auth0', TOKEN_ISSUER: auth0.issuer, AUDIENCE, RESOURCE_SERVER_IDENTIFIER: undefined, AGENT_TOOLS_TABLE: 'agent-tools-auth0' });
});

// The Lambdas log JSON lines to stdout; tests that read them capture them, the rest stay quiet.
let quiet: jest.SpyInstance | undefined;
beforeEach(() => {
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => quiet?.mockRestore());

afterAll(async () => {
  await Promise.all([cognito?.close(), auth0?.close(), dynamo?.close(), sts?.close(), s3?.close(), proxy?.close()]);
});

const cognitoToken = (clientId: string, overrides: Record<string, unknown> = {}) =>
  cognito.sign({ ...cognito.accessTokenClaims(clientId, [`${RESOURCE_SERVER}/write`, `${RESOURCE_SERVER}/read`]), ...overrides });
const auth0Token = (clientId: string, overrides: Record<string, unknown> = {}) => auth0.sign({ ...auth0.accessTokenClaims(clientId), ...overrides });
const call = (gw: typeof cognitoGw, token: string | undefined, tool: string, args: Record<string, unknown> = {}) => throughGateway(gw, token, 'tools/call', { name: `s3-tools___${tool}`, arguments: args });
const text = (answer: { result?: { content: { text: string }[] } }) => answer.result?.content[0]?.text ?? '';
const stored = (key: string) => readFileSync(join(s3.directory, s3.bucket, `${key}._S3rver_object`), 'utf8');

describe('Cognito', () => {
  test('a full-tier server creates, reads, updates, lists and deletes; every S3 request is signed as its own role', async () => {
    const token = await cognitoToken('cogFull01');
    const stsBefore = sts.calls.length;
    const s3Before = proxy.accessKeys.length;
    const created = await call(cognitoGw, token, 'create_object', { key: 'agent/a.txt', content: 'from the gateway' });
    expect(created.result?.isError).toBeUndefined();
    expect(JSON.parse(text(created))).toMatchObject({ key: 'agent/a.txt', created: true });
    expect(stored('web-01/agent/a.txt')).toBe('from the gateway');
    expect(JSON.parse(text(await call(cognitoGw, token, 'read_object', { key: 'agent/a.txt' })))).toMatchObject({ content: 'from the gateway' });
    expect(JSON.parse(text(await call(cognitoGw, token, 'update_object', { key: 'agent/a.txt', content: 'v2' })))).toMatchObject({ updated: true });
    expect(JSON.parse(text(await call(cognitoGw, token, 'list_objects', { prefix: 'agent/' })))).toMatchObject({ objects: [{ key: 'agent/a.txt', size: 2 }] });
    expect(JSON.parse(text(await call(cognitoGw, token, 'delete_object', { key: 'agent/a.txt' })))).toEqual({ key: 'agent/a.txt', deleted: true });

    const assumed = sts.calls.slice(stsBefore);
    expect(assumed).toHaveLength(1); // one session, reused while it lasts
    expect(assumed[0]).toMatchObject({ action: 'AssumeRole', params: { RoleArn: roleArn('web-01'), SourceIdentity: 'web-01', RoleSessionName: 'oidc-s3-agent-web-01', DurationSeconds: '900' } });
    const signers = new Set(proxy.accessKeys.slice(s3Before));
    expect([...signers]).toEqual([keysOf(roleArn('web-01')).accessKeyId]);
    expect(signers.has(LAMBDA_KEY)).toBe(false);
  });

  test('an agent cannot name another server: the reserved argument is replaced by the verified caller', async () => {
    const token = await cognitoToken('cogFull01');
    const answer = await call(cognitoGw, token, 'create_object', { key: 'spoof.txt', content: 'x', [CALLER_ARGUMENT]: { client_id: 'cogWrite02', server_name: 'web-02' } });
    expect(answer.targetEvent?.[CALLER_ARGUMENT]).toEqual({ client_id: 'cogFull01', server_name: 'web-01' });
    expect(stored('web-01/spoof.txt')).toBe('x');
    expect(sts.calls.every((c) => c.params.RoleArn !== roleArn('web-02') || c.params.SourceIdentity === 'web-02')).toBe(true);
  });

  test('the tier of the caller\'s server refuses before any request; traversal keys never reach S3', async () => {
    const token = await cognitoToken('cogWrite02');
    const s3Before = proxy.accessKeys.length;
    expect(text(await call(cognitoGw, token, 'read_object', { key: 'a.txt' }))).toBe('access_denied: read_object needs the "read-write" tier or higher; this server\'s tier is "write", which allows create_object');
    expect(text(await call(cognitoGw, token, 'create_object', { key: '../web-01/x', content: 'x' }))).toBe('invalid_key: key "../web-01/x" must not contain "." or ".." path segments');
    // The session is made before the tool runs (both refusals still needed the mapping).
    expect(proxy.accessKeys.length).toBe(s3Before);
    const created = await call(cognitoGw, token, 'create_object', { key: 'w.txt', content: 'w' });
    expect(JSON.parse(text(created))).toMatchObject({ created: true });
    expect(proxy.accessKeys.slice(s3Before)).toEqual([keysOf(roleArn('web-02')).accessKeyId]);
  });

  test.each([
    ['a disabled server', 'cogOff04', 'not_permitted: this client\'s server is disabled'],
    ['a server without agent_tools', 'cogNoTools05', 'not_permitted: this client\'s server may not use the agent tools (no agent_tools in servers.json)'],
  ])('%s is refused by the interceptor, as a tool result', async (_what, client, expected) => {
    const stsBefore = sts.calls.length;
    const answer = await call(cognitoGw, await cognitoToken(client), 'read_object', { key: 'a.txt' });
    expect(answer).toMatchObject({ statusCode: 200, result: { isError: true, content: [{ type: 'text', text: expected }] } });
    expect(answer.targetEvent).toBeUndefined();
    expect(sts.calls.length).toBe(stsBefore);
  });

  test('bad tokens are refused with unauthenticated, logged as JSON security events without the token', async () => {
    const forged = await cognito.sign(cognito.accessTokenClaims('cogFull01', [`${RESOURCE_SERVER}/write`]), { privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey });
    const expired = await cognitoToken('cogFull01', { exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 4200 });
    const cases: [string | undefined, string][] = [
      [undefined, 'unauthenticated: an Authorization: Bearer <access token> header is required'],
      ['not-a-jwt', 'unauthenticated: the token is not a signed JWT (three base64url parts)'],
      [forged, 'unauthenticated: the token signature does not verify'],
      [expired, 'unauthenticated: the token has expired'],
    ];
    const { result, lines, raw } = await captureLogs(async () => Promise.all(cases.map(([token]) => call(cognitoGw, token, 'read_object', { key: 'a.txt' }))));
    expect(result.map(text)).toEqual(cases.map(([, expected]) => expected));
    expect(lines.filter((l) => l.event === 'authentication_failed')).toHaveLength(4);
    expect(lines.every((l) => l.code === 'unauthenticated' && l.tool === 's3-tools___read_object')).toBe(true);
    for (const [token] of cases) if (token && token.length > 20) expect(raw).not.toContain(token);
    expect(raw).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  test('methods other than tools/call are refused as JSON-RPC errors with an HTTP status', async () => {
    expect(await throughGateway(cognitoGw, undefined, 'tools/list')).toMatchObject({ statusCode: 401, error: { code: -32001, message: 'unauthenticated: an Authorization: Bearer <access token> header is required' } });
    expect(await throughGateway(cognitoGw, await cognitoToken('cogOff04'), 'tools/list')).toMatchObject({ statusCode: 403, error: { code: -32003, message: 'not_permitted: this client\'s server is disabled' } });
    expect(await throughGateway(cognitoGw, await cognitoToken('cogFull01'), 'tools/list')).toEqual({ statusCode: 200 });
  });

  test('the tools Lambda invoked without the interceptor\'s caller refuses', async () => {
    const { result, lines } = await captureLogs(() => cognitoGw.tools({ key: 'a.txt' }, { clientContext: { custom: { bedrockAgentCoreToolName: 's3-tools___read_object' } } }));
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: 'unauthenticated: no verified caller: tools are served only through the gateway and its interceptor' }] });
    expect(lines).toEqual([expect.objectContaining({ event: 'authentication_failed', code: 'unauthenticated', tool: 'read_object' })]);
  });

  test('oversized reads are refused with too_large (MAX_READ_BYTES)', async () => {
    const token = await cognitoToken('cogFull01');
    await call(cognitoGw, token, 'create_object', { key: 'big.txt', content: 'b'.repeat(3000) });
    expect(text(await call(cognitoGw, token, 'read_object', { key: 'big.txt' }))).toBe('too_large: big.txt is 3000 bytes; read_object returns at most 2048 bytes');
  });
});

describe('Auth0', () => {
  test('each call runs with AssumeRoleWithWebIdentity on the caller\'s own token and role', async () => {
    const token = await auth0Token('a0Full01');
    const stsBefore = sts.calls.length;
    const s3Before = proxy.accessKeys.length;
    expect(JSON.parse(text(await call(auth0Gw, token, 'create_object', { key: 'x.bin', content: Buffer.from([0, 1, 254, 255]).toString('base64'), encoding: 'base64' })))).toMatchObject({ created: true, size: 4 });
    expect(JSON.parse(text(await call(auth0Gw, token, 'read_object', { key: 'x.bin' })))).toMatchObject({ encoding: 'base64', content: 'AAH+/w==' });
    const assumed = sts.calls.slice(stsBefore);
    expect(assumed).toEqual([expect.objectContaining({ action: 'AssumeRoleWithWebIdentity', params: expect.objectContaining({ RoleArn: roleArn('a0-web-01'), WebIdentityToken: token, RoleSessionName: 'oidc-s3-agent-a0-web-01' }) })]);
    expect(new Set(proxy.accessKeys.slice(s3Before))).toEqual(new Set([keysOf(roleArn('a0-web-01')).accessKeyId]));
  });

  test('a read-write server is refused list and delete; its token only ever reaches its own role', async () => {
    const token = await auth0Token('a0Rw03');
    expect(text(await call(auth0Gw, token, 'list_objects'))).toBe('access_denied: list_objects needs the "full" tier or higher; this server\'s tier is "read-write", which allows read_object, create_object, update_object');
    expect(JSON.parse(text(await call(auth0Gw, token, 'create_object', { key: 'n.txt', content: 'n' })))).toMatchObject({ created: true });
    expect(stored('a0/web-03/n.txt')).toBe('n');
    const web = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity');
    for (const c of web) {
      const sub = JSON.parse(Buffer.from(c.params.WebIdentityToken!.split('.')[1]!, 'base64url').toString()).sub as string;
      expect(c.params.RoleArn).toBe(sub === 'a0Rw03@clients' ? roleArn('a0-web-03') : roleArn('a0-web-01'));
    }
  });

  test.each([
    ['the wrong audience', { aud: 'https://other-api.example' }, 'unauthenticated: the token aud claim is not valid'],
    ['the wrong issuer', { iss: 'https://evil.example/' }, 'unauthenticated: the token iss claim is not valid'],
    ['a user token', { sub: 'auth0|user-1' }, 'unauthenticated: the token is not a client-credentials token (sub is not <client id>@clients)'],
    ['an unknown client', { sub: 'someoneElse@clients' }, 'not_permitted: this client\'s server may not use the agent tools (no agent_tools in servers.json)'],
  ])('a token with %s is refused', async (_what, overrides, expected) => {
    expect(text(await call(auth0Gw, await auth0Token('a0Full01', overrides), 'read_object', { key: 'x.bin' }))).toBe(expected);
  });
});
