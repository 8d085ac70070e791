/**
 * Policies of the agent gateway stack, as pure functions of plain strings (Terraform tokens in
 * the stack, concrete values in tests). Who may act as what:
 * - AgentCore may act as the gateway role only for a gateway of this account whose name starts
 *   with the environment's prefix (aws:SourceAccount and aws:SourceArn, the confused-deputy rules);
 * - the gateway role may only invoke the interceptor and tools functions;
 * - the Lambda roles write their own logs and read the agent-tools table; the tools role may
 *   assume (Cognito) exactly the roles of servers with agent_tools, and holds no S3 permission.
 */
import { policyDocument, type PolicyDocument, type Statement } from './document';

/** The AgentCore service principal (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-prerequisites-permissions.html). */
export const AGENTCORE_SERVICE = 'bedrock-agentcore.amazonaws.com';

export interface GatewayTrustInput {
  readonly accountId: string;
  readonly region: string;
  /** The gateway's name; its ARN is `…:gateway/<name>-<suffix AgentCore adds>`. */
  readonly gatewayName: string;
}

/** `arn:aws:bedrock-agentcore:<region>:<account>:gateway/<name>-*`: the gateways of this name. */
export function gatewayArnPattern({ accountId, region, gatewayName }: GatewayTrustInput): string {
  return `arn:aws:bedrock-agentcore:${region}:${accountId}:gateway/${gatewayName}-*`;
}

/** Trust of the gateway's execution role: AgentCore, for this account's gateway of this name only. */
export function gatewayTrustPolicy(input: GatewayTrustInput): PolicyDocument {
  return policyDocument([
    {
      Sid: 'AgentCoreGatewayOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: AGENTCORE_SERVICE },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': input.accountId },
        ArnLike: { 'aws:SourceArn': gatewayArnPattern(input) },
      },
    },
  ]);
}

/** The gateway role's permissions: invoke the interceptor and the tools function (any version), nothing else. */
export function gatewayPermissionsPolicy(input: { readonly functionArns: readonly string[] }): PolicyDocument {
  return policyDocument([
    {
      Sid: 'InvokeInterceptorAndTools',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: input.functionArns.flatMap((arn) => [arn, `${arn}:*`]),
    },
  ]);
}

export interface AgentLambdaPermissionsInput {
  /** The function's own log group ARN (without `:*`). */
  readonly logGroupArn: string;
  /** The agent-tools table. */
  readonly tableArn: string;
}

function baseStatements(input: AgentLambdaPermissionsInput): Statement[] {
  return [
    { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${input.logGroupArn}:*` },
    { Sid: 'ReadAgentToolsMapping', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: input.tableArn },
  ];
}

/** The interceptor: its logs and one item of the agent-tools table. */
export function interceptorPermissionsPolicy(input: AgentLambdaPermissionsInput): PolicyDocument {
  return policyDocument(baseStatements(input));
}

export interface ToolsPermissionsInput extends AgentLambdaPermissionsInput {
  readonly identityProvider: 'auth0' | 'cognito';
  /**
   * Cognito: the roles of the servers with agent_tools, the only ones it may assume (their trust
   * also names this role, under SourceIdentity = the server's name). Auth0 needs none:
   * AssumeRoleWithWebIdentity is not signed, the caller's token is the credential.
   */
  readonly serverRoleArns: readonly string[];
}

/**
 * The tools function: logs, the mapping and, for Cognito, AssumeRole (with SetSourceIdentity) on
 * exactly the agent_tools servers' roles. No S3 action at all: every S3 request is signed by a
 * session of the caller's own role.
 */
export function toolsPermissionsPolicy(input: ToolsPermissionsInput): PolicyDocument {
  const statements = baseStatements(input);
  if (input.identityProvider === 'cognito' && input.serverRoleArns.length > 0) {
    statements.push({ Sid: 'AssumeAgentToolsServerRoles', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: [...input.serverRoleArns] });
  }
  return policyDocument(statements);
}
