// Local servers and helpers shared by the vending Lambda's tests: a Cognito-style IdP over
// HTTPS, dynalite holding the mapping table, and the STS stub; the handler is loaded after the
// environment points the SDK at them, as the Lambda runtime would.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:net';
import type { HttpApiEvent, HttpApiResult } from '../../lambda/credential-vending/types';
import { createClientRolesTable, putClientRole, startDynalite, type LocalDynamo } from '../../sandbox/dynalite';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startStsStub, type StsStub } from '../../sandbox/sts';

export const TABLE = 'oidc-s3-test-client-roles';
export const RESOURCE_SERVER = 'https://s3.test';
export const roleArn = (server: string): string => `arn:aws:iam::123456789012:role/oidc-s3-test-${server}`;
export const LONG_SERVER = 'a-very-long-server-name-that-fills-most-of-the-sixty-four-chars';

export type Handler = (event: HttpApiEvent, context?: { awsRequestId?: string }) => Promise<HttpApiResult>;

export interface VendingEnv {
  readonly idp: OAuthServer;
  readonly dynamo: LocalDynamo;
  readonly sts: StsStub;
  /** The environment the handler reads at init. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startVendingEnv(): Promise<VendingEnv> {
  const [idp, dynamo, sts] = await Promise.all([
    startOAuthServer({
      style: 'cognito',
      resourceServer: RESOURCE_SERVER,
      clients: [
        { clientId: 'clientA', clientSecret: 'secret-a', scopes: ['write', 'read'] },
        { clientId: 'clientB', clientSecret: 'secret-b', scopes: ['write'] },
      ],
    }),
    startDynalite(),
    startStsStub(),
  ]);
  await createClientRolesTable(dynamo.client, TABLE);
  // Tiers match the clients' scopes at the IdP: clientA has write and read (read-write).
  const put = (client_id: string, server_name: string, max_session_duration = 3600, enabled = true, role_arn = roleArn(server_name), s3_permissions = 'read-write') =>
    putClientRole(dynamo.client, TABLE, { client_id, role_arn, server_name, s3_path_prefix: `${server_name}/`, s3_permissions, enabled, max_session_duration });
  await Promise.all([
    put('clientA', 'web-01'),
    put('clientB', 'web-02', 7200, true, roleArn('web-02'), 'write'),
    put('clientShort', 'web-03', 1800),
    put('clientLong', LONG_SERVER, 3600, true, roleArn('long')),
    put('clientOff', 'web-04', 3600, false),
    dynamo.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { client_id: { S: 'clientBroken' }, server_name: { S: 'web-05' }, s3_path_prefix: { S: 'web-05/' }, enabled: { BOOL: true }, max_session_duration: { N: '3600' } },
      }),
    ),
  ]);
  const env = {
    CLIENT_ROLES_TABLE: TABLE,
    TOKEN_ISSUER: idp.issuer,
    RESOURCE_SERVER_IDENTIFIER: RESOURCE_SERVER,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ACCESS_KEY_ID: 'AKIDVENDINGLAMBDA',
    AWS_SECRET_ACCESS_KEY: 'vending-lambda-test-secret',
  };
  return { idp, dynamo, sts, env, close: async () => void (await Promise.all([idp.close(), dynamo.close(), sts.close()])) };
}

/** Sets (or, for undefined, removes) environment variables. */
export function applyEnv(env: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/**
 * A fresh copy of the handler module, initialised with `env`. The module reads its own settings
 * at load, but the SDK resolves endpoints and credentials from the environment lazily, so `env`
 * stays applied: like a Lambda container, a test keeps one environment while it uses a handler.
 */
export function loadHandler(env: Record<string, string | undefined>): Handler {
  applyEnv(env);
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../lambda/credential-vending/handler') as { handler: Handler }).handler;
  });
  return handler!;
}

export interface EventOptions {
  readonly token?: string;
  readonly authorization?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly method?: string;
  readonly path?: string;
}

let requestCounter = 0;

/** An HTTP API (payload 2.0) event for POST /credentials, as API Gateway builds it. */
export function vendingEvent(options: EventOptions = {}): HttpApiEvent {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'oidc-credential-provider/test' };
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
  if (authorization !== undefined) headers.authorization = authorization;
  const path = options.path ?? '/credentials';
  requestCounter += 1;
  return {
    version: '2.0',
    routeKey: 'POST /credentials',
    rawPath: path,
    headers,
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: { requestId: `req-${requestCounter}`, http: { method: options.method ?? 'POST', path, sourceIp: '192.0.2.10' } },
  };
}

/** A token exactly as the IdP would issue it for `clientId`, with `overrides` applied (undefined deletes). */
export function tokenFor(idp: OAuthServer, clientId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const claims: Record<string, unknown> = { ...idp.accessTokenClaims(clientId, [`${RESOURCE_SERVER}/write`]), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete claims[key];
  return idp.sign(claims);
}

/** Everything the handler writes to stdout while `fn` runs, as parsed JSON lines, plus the raw text. */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[]; raw: string }> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const result = await fn();
    const raw = chunks.join('');
    return { result, raw, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    spy.mockRestore();
  }
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const assumeRoleCalls = (sts: StsStub) => sts.calls.filter((c) => c.action === 'AssumeRole');
