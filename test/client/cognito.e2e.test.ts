// The host client against Cognito-shaped parts: a local OAuth server issuing Cognito-style access
// tokens (client_secret_basic), the real vending handler behind a local HTTP server reading
// dynalite and calling the STS stub, and s3rver; consumed by the AWS CLI, boto3 and s3-ops.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { HttpApiEvent, HttpApiResult } from '../../lambda/credential-vending/types';
import { createClientRolesTable, putClientRole, startDynalite, type LocalDynamo } from '../../sandbox/dynalite';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import {
  BOTO3_SCRIPT,
  cleanEnv,
  mode,
  run,
  startHttp,
  writeAwsConfig,
  TestHost,
  type Bundles,
  type CountingServer,
} from './harness';

const RESOURCE_SERVER = 'https://s3.test';
const TABLE = 'oidc-s3-client-test-roles';
const CLIENT_ID = 'cognitoweb01client';
const CLIENT_SECRET = `cognito-secret-${Math.random().toString(36).slice(2)}`;
const DISABLED_ID = 'cognitodisabledclient';
const REGION = 'eu-west-1';
const NODE = process.execPath;

let host: TestHost;
let bundles: Bundles;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
let dynamo: LocalDynamo;
let vending: CountingServer;
let home: string;
let envFile: string;
let stdoutSpy: jest.SpyInstance;

const assumeRoleCalls = () => sts.calls.filter((c) => c.action === 'AssumeRole').length;

function settings(overrides: Record<string, string> = {}, name = 'host.env'): string {
  return host.envFile(overrides, name);
}

function getCredentials(env: string = envFile, timeoutMs?: number) {
  return host.getCredentials(env, timeoutMs);
}

type Handler = (event: HttpApiEvent) => Promise<HttpApiResult>;

/** The handler as the Lambda runtime loads it: environment first, then module init. */
function loadHandler(env: Record<string, string>): Handler {
  Object.assign(process.env, env);
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../lambda/credential-vending/handler') as { handler: Handler }).handler;
  });
  return handler!;
}

let requestCounter = 0;

// The in-process SDK clients (dynalite setup, the handler) would print the SDK's Node 20 notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** API Gateway HTTP API (payload 2.0) in front of the handler. */
function startVendingApi(handler: Handler): Promise<CountingServer> {
  return startHttp(async (req, body) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requestCounter += 1;
    const result = await handler({
      version: '2.0',
      routeKey: 'POST /credentials',
      rawPath: path,
      headers,
      body: body || undefined,
      isBase64Encoded: false,
      requestContext: { requestId: `client-test-${requestCounter}`, http: { method: req.method ?? 'POST', path, sourceIp: '127.0.0.1' } },
    });
    return { status: result.statusCode, headers: { ...result.headers }, body: result.body };
  });
}

beforeAll(async () => {
  // The handler's structured logs go to stdout; keep them out of the test report.
  stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  host = new TestHost('cognito-host');
  ({ home, bundles } = host);
  [s3, idp, dynamo] = await Promise.all([
    startS3(),
    startOAuthServer({
      style: 'cognito',
      resourceServer: RESOURCE_SERVER,
      clients: [
        { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['write', 'read'] },
        { clientId: DISABLED_ID, clientSecret: CLIENT_SECRET, scopes: ['write'] },
      ],
    }),
    startDynalite(),
  ]);
  sts = await startStsStub({ credentials: s3.accessKeys });
  await createClientRolesTable(dynamo.client, TABLE);
  await Promise.all([
    putClientRole(dynamo.client, TABLE, {
      client_id: CLIENT_ID,
      role_arn: 'arn:aws:iam::123456789012:role/oidc-s3-test-web-01',
      server_name: 'web-01',
      s3_path_prefix: 'web-01/',
      s3_permissions: 'read-write',
      enabled: true,
      max_session_duration: 3600,
    }),
    putClientRole(dynamo.client, TABLE, {
      client_id: DISABLED_ID,
      role_arn: 'arn:aws:iam::123456789012:role/oidc-s3-test-web-02',
      server_name: 'web-02',
      s3_path_prefix: 'web-02/',
      s3_permissions: 'write',
      enabled: false,
      max_session_duration: 3600,
    }),
  ]);
  const handler = loadHandler({
    CLIENT_ROLES_TABLE: TABLE,
    TOKEN_ISSUER: idp.issuer,
    RESOURCE_SERVER_IDENTIFIER: RESOURCE_SERVER,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ACCESS_KEY_ID: 'AKIDVENDINGLAMBDA',
    AWS_SECRET_ACCESS_KEY: 'vending-lambda-test-secret',
  });
  vending = await startVendingApi(handler);
  host.settings = {
    OIDC_IDP_TYPE: 'cognito',
    OIDC_TOKEN_URL: idp.tokenUrl,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_SCOPES: `"${RESOURCE_SERVER}/write ${RESOURCE_SERVER}/read"`,
    CREDENTIAL_VENDING_URL: `${vending.url}/credentials`,
    OIDC_CACHE_DIR: join(home, 'cache'),
    AWS_REGION: REGION,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'web-01/',
  };
  envFile = settings();
  writeAwsConfig(home, bundles.provider, envFile, REGION);
}, 90_000); // bundles built and servers started on a machine that may be busy

afterAll(async () => {
  await Promise.all([s3?.close(), idp?.close(), sts?.close(), dynamo?.close(), vending?.close()]);
  host?.close();
  stdoutSpy?.mockRestore();
});

test('50 concurrent get-credentials from a cold cache make one token request and one vending call', async () => {
  // 50 Node processes on a shared 2-core machine: what is asserted is the request count, never time.
  // The same host settings (so the same cache entry), with room for the IdP's answer on a loaded machine.
  const patient = settings({ OIDC_HTTP_TIMEOUT_SECONDS: '60' }, 'patient.env');
  const results = await Promise.all(Array.from({ length: 50 }, () => getCredentials(patient, 100_000)));
  for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const outputs = new Set(results.map((r) => r.stdout));
  expect(outputs.size).toBe(1);
  const json = JSON.parse([...outputs][0]!) as Record<string, unknown>;
  expect(json).toMatchObject({ Version: 1, AccessKeyId: s3.accessKeys.accessKeyId });
  expect(idp.tokenRequests).toBe(1);
  expect(vending.requests).toBe(1);
  expect(assumeRoleCalls()).toBe(1);
  expect(sts.calls[0]!.params.RoleArn).toBe('arn:aws:iam::123456789012:role/oidc-s3-test-web-01');

  const cacheDir = join(home, 'cache');
  expect(mode(cacheDir)).toBe(0o700);
  const files = readdirSync(cacheDir);
  expect(files.filter((f) => f.endsWith('.json')).length).toBe(2);
  for (const f of files) expect(mode(join(cacheDir, f))).toBe(0o600);
}, 120_000);

test('the AWS CLI and boto3 upload and download through the credential_process profile', async () => {
  const local = join(home, 'upload.txt');
  writeFileSync(local, 'shipped with cognito credentials\n');
  const up = await run('/usr/bin/aws', ['s3', 'cp', local, `s3://${s3.bucket}/web-01/cli.txt`, '--endpoint-url', s3.url], cleanEnv(home, { AWS_PROFILE: 'oidc-s3' }));
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  const down = await run('/usr/bin/aws', ['s3', 'cp', `s3://${s3.bucket}/web-01/cli.txt`, join(home, 'cli.out'), '--endpoint-url', s3.url], cleanEnv(home, { AWS_PROFILE: 'oidc-s3' }));
  expect(down.code).toBe(0);
  expect(readFileSync(join(home, 'cli.out'), 'utf8')).toBe('shipped with cognito credentials\n');

  const boto = await run('/usr/bin/python3', ['-c', BOTO3_SCRIPT, s3.url, s3.bucket, 'web-01/boto3.txt', local, join(home, 'boto3.out')], cleanEnv(home));
  expect(boto.stderr).toBe('');
  expect(boto.stdout.trim()).toBe(s3.accessKeys.accessKeyId);
  expect(readFileSync(join(home, 'boto3.out'), 'utf8')).toBe('shipped with cognito credentials\n');
  expect(idp.tokenRequests).toBe(1);
  expect(vending.requests).toBe(1);
}, 30_000);

test('s3-ops uploads, lists, downloads and deletes through the default credential chain', async () => {
  const local = join(home, 'ops.txt');
  writeFileSync(local, 'small log line\n');
  const env = cleanEnv(home, { AWS_PROFILE: 'oidc-s3', AWS_ENDPOINT_URL_S3: s3.url });
  const ops = (...args: string[]) => run(NODE, [bundles.s3ops, ...args, '--env-file', envFile], env, { cwd: home });
  const up = await ops('upload', local);
  expect(up.stdout.trim()).toBe(`uploaded ${local} to s3://${s3.bucket}/web-01/ops.txt (15 bytes, ETag verified, CRC32 verified)`);
  const list = await ops('list');
  expect(list.stdout).toMatch(/\s15\s+\S+Z\s+ops\.txt\n/);
  const down = await ops('download', 'ops.txt', 'ops.out');
  expect(down.code).toBe(0);
  expect(readFileSync(join(home, 'ops.out'), 'utf8')).toBe('small log line\n');
  const del = await ops('delete', 'ops.txt');
  expect(del.code).toBe(0);
  expect((await ops('list')).stdout).not.toContain('ops.txt');
}, 30_000);

test('a disabled client gets the vending API refusal as one line with its code', async () => {
  const disabled = await getCredentials(settings({ OIDC_CLIENT_ID: DISABLED_ID, OIDC_SCOPES: `${RESOURCE_SERVER}/write`, OIDC_CACHE_DIR: join(home, 'c-off') }, 'off.env'));
  expect(disabled.code).toBe(1);
  expect(disabled.stdout).toBe('');
  expect(disabled.stderr).toMatch(new RegExp(`^oidc-credential-provider: credential vending API refused client ${DISABLED_ID}: HTTP 403 client_disabled [^\\n]+ \\[CREDENTIALS_REJECTED\\]\\n$`));
  expect(disabled.stderr).not.toContain(CLIENT_SECRET);
});

test('the vending API unreachable with no cache: exit 1, one line, CREDENTIALS_UNAVAILABLE', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const url = `http://127.0.0.1:${port}/credentials`;
  const down = await getCredentials(settings({ CREDENTIAL_VENDING_URL: url, OIDC_CACHE_DIR: join(home, 'c-down') }, 'down.env'));
  expect(down.code).toBe(1);
  expect(down.stderr).toBe(`oidc-credential-provider: credential vending API ${url} unreachable: ECONNREFUSED [CREDENTIALS_UNAVAILABLE]\n`);
});
