// What the REQUEST interceptor hands the tools Lambda, and the mapping both of them read.
//
// A Lambda target receives only the tool's arguments as its event (AgentCore, "Lambda function
// input format": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html),
// so the interceptor adds the verified caller as one reserved argument after removing any value
// the agent sent under that name. Only the gateway may invoke the tools Lambda (its permission
// names the gateway's ARN), and every gateway request passes the interceptor, so the argument
// can only hold what the interceptor verified.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ToolError } from './errors';
import type { PermissionTier } from './operations';

/** The reserved argument name; no tool schema declares it, and agents cannot set it. */
export const CALLER_ARGUMENT = '_oidc_s3_caller';

export interface VerifiedCaller {
  /** The OAuth client id the token was issued to. */
  readonly client_id: string;
  /** The server that client belongs to (the mapping's server_name). */
  readonly server_name: string;
  /**
   * Auth0 only: the caller's own access token, already verified, for
   * AssumeRoleWithWebIdentity into the server's role (STS checks it again, and the role's trust
   * pins aud and sub). Never logged.
   */
  readonly token?: string;
}

/** One item of the agent-tools table (hash key client_id): a server with agent_tools. */
export interface AgentToolsMapping {
  readonly clientId: string;
  readonly serverName: string;
  readonly roleArn: string;
  readonly s3PathPrefix: string;
  readonly s3Permissions: PermissionTier;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SERVER_NAME = /^[\w+=,.@-]{2,64}$/;
const TIERS = new Set(['write', 'read-write', 'full']);

/**
 * Reads the agent-tools table. A missing item (a server without `agent_tools`, or an unknown
 * client) or `enabled = false` refuses with `not_permitted`; reads are strongly consistent, so
 * disabling a server applies to the next call.
 */
export class AgentToolsMappingStore {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async lookup(clientId: string): Promise<AgentToolsMapping> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      ({ Item: item } = await this.dynamo.send(new GetItemCommand({ TableName: this.tableName, Key: { client_id: { S: clientId } }, ConsistentRead: true })));
    } catch (error) {
      throw new ToolError('unavailable', 'the agent-tools mapping cannot be read right now; retry later', error instanceof Error ? error.name : String(error));
    }
    if (!item) throw new ToolError('not_permitted', 'this client\'s server may not use the agent tools (no agent_tools in servers.json)');
    if (item.enabled?.BOOL !== true) throw new ToolError('not_permitted', 'this client\'s server is disabled');
    const serverName = item.server_name?.S;
    const roleArn = item.role_arn?.S;
    const s3PathPrefix = item.s3_path_prefix?.S;
    const s3Permissions = item.s3_permissions?.S;
    if (!serverName || !SERVER_NAME.test(serverName) || !roleArn || !ROLE_ARN.test(roleArn) || !s3PathPrefix?.endsWith('/') || !s3Permissions || !TIERS.has(s3Permissions)) {
      throw new ToolError('internal_error', 'the agent-tools mapping of this client is malformed; an operator must fix it', `bad item for ${clientId}`);
    }
    return { clientId, serverName, roleArn, s3PathPrefix, s3Permissions: s3Permissions as PermissionTier };
  }
}
