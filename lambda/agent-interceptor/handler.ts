// The gateway's REQUEST interceptor: verifies the caller's bearer token a second time (the
// gateway's CUSTOM_JWT authorizer checked signature, issuer and client or audience), maps the
// client to its server, refuses servers that are unknown, disabled or without agent_tools, and
// hands the tools Lambda only the verified identity.
//
// Shapes: AgentCore, "Types of interceptors"
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-interceptors-types.html):
// input { interceptorInputVersion: "1.0", mcp: { gatewayRequest: { path, httpMethod, headers,
// body } } } (headers only with passRequestHeaders: true); output { interceptorOutputVersion:
// "1.0", mcp: { transformedGatewayRequest: { body } } } to go on, or
// { transformedGatewayResponse: { statusCode, body } } to answer the caller directly.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AgentToolsMappingStore, CALLER_ARGUMENT, type VerifiedCaller } from '../agent-tools/caller';
import { ToolError } from '../agent-tools/errors';
import { elapsedMs, logAgentEvent, logRefusal } from '../agent-tools/log';
import { SettingsReader, type LambdaEnvironment } from '../agent-tools/settings';
import { JwksCache } from '../credential-vending/jwks-cache';
import { TokenVerifier } from '../credential-vending/token-verifier';
import { VendingError } from '../credential-vending/errors';
import { Auth0TokenVerifier } from './auth0-verifier';

export interface InterceptorEvent {
  readonly interceptorInputVersion?: string;
  readonly mcp?: {
    readonly gatewayRequest?: {
      readonly path?: string;
      readonly httpMethod?: string;
      readonly headers?: Readonly<Record<string, string | undefined>>;
      readonly body?: JsonRpcRequest;
    };
  };
}

export interface JsonRpcRequest {
  readonly jsonrpc?: string;
  readonly id?: string | number | null;
  readonly method?: string;
  readonly params?: { readonly name?: string; readonly arguments?: Record<string, unknown>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface InterceptorOutput {
  readonly interceptorOutputVersion: '1.0';
  readonly mcp: {
    readonly transformedGatewayRequest?: { readonly body: JsonRpcRequest };
    readonly transformedGatewayResponse?: { readonly statusCode: number; readonly body: unknown };
  };
}

export interface InterceptorConfig {
  readonly identityProvider: 'auth0' | 'cognito';
  /** Cognito: the pool's issuer URL; Auth0: `https://<domain>/`. */
  readonly tokenIssuer: string;
  /** Cognito: scopes must be `<identifier>/…`. */
  readonly resourceServerIdentifier?: string;
  /** Auth0: the API identifier. */
  readonly audience?: string;
  readonly tableName: string;
  readonly region: string;
}

/** Validates the environment (IDENTITY_PROVIDER, TOKEN_ISSUER, RESOURCE_SERVER_IDENTIFIER or AUDIENCE, AGENT_TOOLS_TABLE, AWS_REGION). */
export function loadInterceptorConfig(env: LambdaEnvironment): InterceptorConfig {
  const settings = new SettingsReader(env);
  const identityProvider = settings.identityProvider();
  const tokenIssuer = settings.required('TOKEN_ISSUER');
  if (tokenIssuer && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(tokenIssuer)) settings.problem(`TOKEN_ISSUER must be an https URL, got ${JSON.stringify(tokenIssuer)}`);
  const resourceServerIdentifier = identityProvider === 'cognito' ? settings.required('RESOURCE_SERVER_IDENTIFIER') : undefined;
  const audience = identityProvider === 'auth0' ? settings.required('AUDIENCE') : undefined;
  const tableName = settings.required('AGENT_TOOLS_TABLE');
  const region = settings.required('AWS_REGION');
  settings.throwIfAny();
  return { identityProvider, tokenIssuer, resourceServerIdentifier, audience, tableName, region };
}

interface Verifier {
  verify(token: string): Promise<{ clientId: string }>;
}

interface Service {
  readonly config: InterceptorConfig;
  readonly verifier: Verifier;
  readonly mappings: AgentToolsMappingStore;
}

/** Cognito: the vending Lambda's verifier, its errors translated to tool codes. */
class CognitoVerifier implements Verifier {
  constructor(private readonly inner: TokenVerifier) {}
  async verify(token: string): Promise<{ clientId: string }> {
    try {
      return await this.inner.verify(token);
    } catch (error) {
      if (!(error instanceof VendingError)) throw error;
      const code = error.status === 401 ? 'unauthenticated' : error.status === 403 ? 'not_permitted' : 'unavailable';
      throw new ToolError(code, error.message, `${error.code}${error.detail ? `: ${error.detail}` : ''}`);
    }
  }
}

export function createService(config: InterceptorConfig, dynamo?: DynamoDBClient): Service {
  const issuer = config.tokenIssuer;
  const keys = new JwksCache({ url: config.identityProvider === 'cognito' ? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json` : `${issuer.replace(/\/*$/, '/')}.well-known/jwks.json` });
  const verifier =
    config.identityProvider === 'cognito'
      ? new CognitoVerifier(new TokenVerifier({ issuer, resourceServer: config.resourceServerIdentifier!, keys }))
      : new Auth0TokenVerifier({ issuer, audience: config.audience!, keys });
  const client = dynamo ?? new DynamoDBClient({ region: config.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });
  return { config, verifier, mappings: new AgentToolsMappingStore(client, config.tableName) };
}

function initialise(): Service | undefined {
  try {
    return createService(loadInterceptorConfig(process.env));
  } catch (error) {
    logAgentEvent('error', 'configuration_error', { problems: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

const service = initialise();

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
const MAX_AUTHORIZATION_BYTES = 8 * 1024;

function bearerToken(headers: Readonly<Record<string, string | undefined>> | undefined): string {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  const value = entry?.[1];
  if (!value) throw new ToolError('unauthenticated', 'an Authorization: Bearer <access token> header is required');
  if (Buffer.byteLength(value) > MAX_AUTHORIZATION_BYTES) throw new ToolError('unauthenticated', 'the Authorization header is too large');
  const match = BEARER.exec(value);
  if (!match) throw new ToolError('unauthenticated', 'the Authorization header must use the Bearer scheme');
  return match[1]!;
}

/** JSON-RPC error codes for refusals of methods other than tools/call (server-defined range). */
const RPC_CODE: Readonly<Record<string, number>> = { unauthenticated: -32001, not_permitted: -32003, unavailable: -32004, internal_error: -32603 };
const HTTP_STATUS: Readonly<Record<string, number>> = { unauthenticated: 401, not_permitted: 403, unavailable: 503, internal_error: 500 };

function refuse(body: JsonRpcRequest | undefined, error: ToolError): InterceptorOutput {
  const text = `${error.code}: ${error.message}`;
  const id = body?.id ?? null;
  // A refused tool call is a tool result, as the contract says; anything else a JSON-RPC error.
  const answer =
    body?.method === 'tools/call'
      ? { statusCode: 200, body: { jsonrpc: '2.0', id, result: { isError: true, content: [{ type: 'text', text }] } } }
      : { statusCode: HTTP_STATUS[error.code] ?? 403, body: { jsonrpc: '2.0', id, error: { code: RPC_CODE[error.code] ?? -32003, message: text } } };
  return { interceptorOutputVersion: '1.0', mcp: { transformedGatewayResponse: answer } };
}

export async function handler(event: InterceptorEvent, context?: { awsRequestId?: string }): Promise<InterceptorOutput> {
  const started = performance.now();
  const request = event?.mcp?.gatewayRequest;
  const body = request?.body;
  const fields: { client_id?: string; server?: string } = {};
  const base = { request_id: context?.awsRequestId, method: typeof body?.method === 'string' ? body.method : undefined, tool: typeof body?.params?.name === 'string' ? body.params.name : undefined };
  try {
    if (!service) throw new ToolError('internal_error', 'the interceptor is misconfigured', 'configuration_error');
    if (event?.interceptorInputVersion !== '1.0' || !body || typeof body !== 'object') throw new ToolError('internal_error', 'unexpected interceptor input', `version ${String(event?.interceptorInputVersion)}`);
    const token = bearerToken(request.headers);
    const { clientId } = await service.verifier.verify(token);
    fields.client_id = clientId;
    const mapping = await service.mappings.lookup(clientId);
    fields.server = mapping.serverName;

    let forwarded: JsonRpcRequest = body;
    if (body.method === 'tools/call') {
      const caller: VerifiedCaller = { client_id: clientId, server_name: mapping.serverName, ...(service.config.identityProvider === 'auth0' ? { token } : {}) };
      // Whatever the agent put under the reserved name is replaced, never merged.
      const { [CALLER_ARGUMENT]: _ignored, ...args } = (typeof body.params?.arguments === 'object' && body.params.arguments !== null ? body.params.arguments : {}) as Record<string, unknown>;
      forwarded = { ...body, params: { ...body.params, arguments: { ...args, [CALLER_ARGUMENT]: caller } } };
    }
    logAgentEvent('info', 'request_authorized', { ...base, ...fields, outcome: 'success', latency_ms: elapsedMs(started) });
    return { interceptorOutputVersion: '1.0', mcp: { transformedGatewayRequest: { body: forwarded } } };
  } catch (err) {
    return refuse(body, logRefusal(err, { ...base, ...fields }, started));
  }
}
