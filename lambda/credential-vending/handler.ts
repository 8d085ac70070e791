// POST /credentials (HTTP API, payload format 2.0): a Cognito or Auth0 access token in, the client's role
// credentials out, in the credential_process format. Checks run cheapest-first where that leaks
// nothing: route, header size, token (signature and claims), body, mapping, then STS.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { RoleAssumer } from './assume-role';
import { loadConfig, type VendingConfig } from './config';
import { AuthenticationError, VendingError } from './errors';
import { bearerToken, checkRoute, errorResponse, jsonResponse, parseBody } from './http';
import { JwksCache } from './jwks-cache';
import { logEvent, type LogEvent } from './log';
import { checkTierScopes, RoleMappingStore } from './role-mapping';
import { TokenVerifier } from './token-verifier';
import type { HttpApiEvent, HttpApiResult, LambdaContext } from './types';

interface Service {
  readonly resourceServer: string;
  readonly verifier: TokenVerifier;
  readonly mappings: RoleMappingStore;
  readonly assumer: RoleAssumer;
}

/** Built once per container: SDK clients, JWKS cache and verifier outlive invocations. */
function createService(config: VendingConfig): Service {
  // Endpoints come from the SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB / _STS); timeouts are
  // short because the HTTP API gives up after 30 s and a host retries anyway.
  const requestHandler = { connectionTimeout: 1_000, requestTimeout: 3_000 };
  const dynamo = new DynamoDBClient({ region: config.region, maxAttempts: 2, requestHandler });
  const sts = new STSClient({ region: config.region, maxAttempts: 1, requestHandler });
  const keys = new JwksCache({ url: config.jwksUrl });
  return {
    resourceServer: config.resourceServerIdentifier,
    verifier: new TokenVerifier({ issuer: config.tokenIssuer, resourceServer: config.resourceServerIdentifier, dialect: config.identityProvider, keys }),
    mappings: new RoleMappingStore(dynamo, config.clientRolesTable),
    assumer: new RoleAssumer(sts),
  };
}

function initialise(): Service | undefined {
  try {
    return createService(loadConfig(process.env));
  } catch (err) {
    const problems = err instanceof Error ? err.message : String(err);
    logEvent('error', 'configuration_error', { problems });
    return undefined;
  }
}

const service = initialise();

export async function handler(event: HttpApiEvent, context?: LambdaContext): Promise<HttpApiResult> {
  const started = performance.now();
  const fields: { client_id?: string; server?: string } = {};
  const base = {
    request_id: event.requestContext?.requestId ?? context?.awsRequestId,
    source_ip: event.requestContext?.http?.sourceIp,
  };
  try {
    if (!service) throw new VendingError(500, 'internal_error', 'the credential service is misconfigured', 'configuration_error');
    checkRoute(event);
    const token = bearerToken(event);
    const { clientId, scopes } = await service.verifier.verify(token);
    fields.client_id = clientId;
    const request = parseBody(event);
    const mapping = await service.mappings.lookup(clientId);
    fields.server = mapping.serverName;
    checkTierScopes(mapping, scopes, service.resourceServer);
    const credentials = await service.assumer.assume(mapping, request.duration_seconds);
    logEvent('info', 'credentials_vended', {
      ...base,
      ...fields,
      outcome: 'success',
      status: 200,
      expiration: credentials.Expiration,
      latency_ms: elapsed(started),
    });
    return jsonResponse(200, credentials);
  } catch (err) {
    const error = err instanceof VendingError ? err : new VendingError(500, 'internal_error', 'an internal error occurred', describe(err));
    const event: LogEvent =
      error instanceof AuthenticationError ? 'authentication_failed' : error.status >= 500 ? 'upstream_error' : 'request_refused';
    logEvent(error.status >= 500 ? 'error' : 'warn', event, {
      ...base,
      ...fields,
      outcome: error.status >= 500 ? 'error' : 'refused',
      status: error.status,
      code: error.code,
      reason: error.detail ?? error.message,
      latency_ms: elapsed(started),
    });
    return errorResponse(error);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
