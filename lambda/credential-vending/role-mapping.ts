// client_id → role mapping in DynamoDB. A missing item or enabled = false refuses the client at
// once (the kill switch); reads are strongly consistent so a switch-off applies to the next call.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuthorizationError, UpstreamError } from './errors';

export interface ClientRoleMapping {
  readonly clientId: string;
  readonly roleArn: string;
  /** Also the STS SourceIdentity, so it obeys its rules: 2–64 of `[\w+=,.@-]`. */
  readonly serverName: string;
  readonly s3PathPrefix: string;
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
  if (item.enabled?.BOOL !== true) problems.push('enabled');
  const maxSessionDuration = Number(item.max_session_duration?.N);
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 900 || maxSessionDuration > 43200) problems.push('max_session_duration');
  if (problems.length > 0) {
    throw new UpstreamError(502, 'mapping_invalid', 'the mapping for this client is malformed; an operator must fix it', `bad attributes: ${problems.join(', ')}`);
  }
  return { clientId, roleArn: roleArn!, serverName: serverName!, s3PathPrefix: s3PathPrefix!, maxSessionDuration };
}
