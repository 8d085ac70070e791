// client_id → role mapping in DynamoDB. A missing item or enabled = false refuses the client at
// once (the kill switch); reads are strongly consistent so a switch-off applies to the next call.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PERMISSION_TIERS, type PermissionTier } from '../../config/types';
import { tierScopes } from '../../modules/policies/s3-access';
import { AuthorizationError, UpstreamError } from './errors';

export interface ClientRoleMapping {
  readonly clientId: string;
  readonly roleArn: string;
  /** Also the STS SourceIdentity, so it obeys its rules: 2–64 of `[\w+=,.@-]`. */
  readonly serverName: string;
  readonly s3PathPrefix: string;
  /** The server's tier: which scopes of the resource server its tokens may hold. */
  readonly s3Permissions: PermissionTier;
  /** Upper bound for the session duration, 900–43200 s. */
  readonly maxSessionDuration: number;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SERVER_NAME = /^[\w+=,.@-]{2,64}$/;

export class RoleMappingStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async lookup(clientId: string): Promise<ClientRoleMapping> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await this.dynamo.send(
        new GetItemCommand({ TableName: this.tableName, Key: { client_id: { S: clientId } }, ConsistentRead: true }),
      ));
    } catch (err) {
      const name = err instanceof Error ? err.name : 'UnknownError';
      throw new UpstreamError(503, 'mapping_unavailable', 'the client mapping cannot be read right now; retry later', name);
    }
    if (!item) throw new AuthorizationError('unknown_client', 'this client is not registered for credentials');
    if (item.enabled?.BOOL === false) throw new AuthorizationError('client_disabled', 'this client is disabled');
    return parseItem(clientId, item);
  }
}

function parseItem(clientId: string, item: Record<string, AttributeValue>): ClientRoleMapping {
  const problems: string[] = [];
  const roleArn = item.role_arn?.S;
  if (roleArn === undefined || !ROLE_ARN.test(roleArn)) problems.push('role_arn');
  const serverName = item.server_name?.S;
  if (serverName === undefined || !SERVER_NAME.test(serverName)) problems.push('server_name');
  const s3PathPrefix = item.s3_path_prefix?.S;
  if (s3PathPrefix === undefined) problems.push('s3_path_prefix');
  const s3Permissions = item.s3_permissions?.S;
  if (!isTier(s3Permissions)) problems.push('s3_permissions');
  if (item.enabled?.BOOL !== true) problems.push('enabled');
  const maxSessionDuration = Number(item.max_session_duration?.N);
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 900 || maxSessionDuration > 43200) problems.push('max_session_duration');
  if (problems.length > 0) {
    throw new UpstreamError(502, 'mapping_invalid', 'the mapping for this client is malformed; an operator must fix it', `bad attributes: ${problems.join(', ')}`);
  }
  return { clientId, roleArn: roleArn!, serverName: serverName!, s3PathPrefix: s3PathPrefix!, s3Permissions: s3Permissions as PermissionTier, maxSessionDuration };
}

function isTier(value: string | undefined): value is PermissionTier {
  return (PERMISSION_TIERS as readonly (string | undefined)[]).includes(value);
}

/**
 * Refuses a token holding a scope of this resource server that the client's tier does not have
 * (403 `scope_exceeds_tier`). Cognito only issues a client the scopes it is allowed, so this
 * holds even if an app client's scopes were widened outside Terraform: the tier in the mapping,
 * written from servers.json, is the authority. `scopes` are the token's scopes of this resource
 * server (`<identifier>/<name>`), as the verifier returns them.
 */
export function checkTierScopes(mapping: ClientRoleMapping, scopes: readonly string[], resourceServer: string): void {
  const granted = new Set(tierScopes(resourceServer, mapping.s3Permissions));
  const excess = scopes.filter((scope) => !granted.has(scope));
  if (excess.length > 0) {
    throw new AuthorizationError('scope_exceeds_tier', `the token holds scopes the client's tier (${mapping.s3Permissions}) does not grant`, `excess scopes: ${excess.join(' ')}`);
  }
}
