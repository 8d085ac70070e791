import { BedrockagentcoreGateway } from '@cdktf/provider-aws/lib/bedrockagentcore-gateway';
import { BedrockagentcoreGatewayTarget, type BedrockagentcoreGatewayTargetTargetConfigurationMcpLambdaToolSchemaInlinePayload } from '@cdktf/provider-aws/lib/bedrockagentcore-gateway-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { DynamodbTableItem } from '@cdktf/provider-aws/lib/dynamodb-table-item';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AssetType, Fn, TerraformAsset, TerraformIterator, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { TOOL_DEFINITIONS, type ToolDefinition } from '../lambda/agent-tools/tool-schemas';
import { cachedAgentLambdaBundle, type AgentLambdaName } from './bundle';
import { cachedArchiveAsset } from './lambda-code-asset';
import { SettingChecks } from './construct-validation';
import { logRetentionRule } from '../config/rules';
import { AUTHENTICATION_FAILED_PATTERN } from './credential-vending';
import { AGENTCORE_SERVICE, gatewayPermissionsPolicy, gatewayTrustPolicy, interceptorPermissionsPolicy, toolsPermissionsPolicy } from './policies/agent-gateway';
import { toJson } from './policies/document';
import { lambdaFunctionArn, vendingLambdaTrustPolicy } from './policies/vending-lambda';

/** The Lambda target's name; AgentCore shows tools as `<target>___<tool>`. */
export const TOOLS_TARGET_NAME = 's3-tools';

/** AgentCore names (gateway, target): letters, digits and single hyphens, 1-100 characters (CreateGateway API). */
const AGENTCORE_NAME = /^([0-9a-zA-Z][-]?){1,100}$/;

/** One server with `agent_tools`; values may be Terraform tokens (from the servers stack's outputs). */
export interface AgentToolsServer {
  /** The key in servers.json. */
  readonly name: string;
  /** A disabled server keeps its mapping item (enabled = false) and is left out of allowed_clients. */
  readonly enabled: boolean;
  readonly clientId: string;
  readonly roleArn: string;
  readonly s3PathPrefix: string;
  readonly s3Permissions: string;
}

export interface AgentGatewayConfig {
  /** `<project>-<env>`: names the gateway, functions, roles, table and log groups. */
  readonly namePrefix: string;
  readonly identityProvider: 'auth0' | 'cognito';
  readonly region: string;
  /** The IdP's OpenID discovery URL (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/openid-configuration`; Auth0: `https://<domain>/.well-known/openid-configuration`). */
  readonly discoveryUrl: string;
  /** The issuer the interceptor compares `iss` with (Cognito: the pool's URL; Auth0: `https://<domain>/`). */
  readonly tokenIssuer: string;
  /** Cognito: the resource server identifier whose scopes tokens carry. */
  readonly resourceServerIdentifier?: string;
  /** Auth0: the API identifier, the gateway's allowed_audience. */
  readonly audience?: string;
  /** The upload bucket (the tools Lambda's BUCKET_NAME). */
  readonly bucketName: string;
  /** The foundation's AgentToolsRole (ARN and name). */
  readonly toolsRoleArn: string;
  readonly toolsRoleName: string;
  /** Servers with agent_tools, in servers.json order. */
  readonly servers: readonly AgentToolsServer[];
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Deletion protection of the agent-tools table. @default true */
  readonly deletionProtection?: boolean;
  /** read_object's limit in the tools Lambda, bytes. @default 1048576 */
  readonly maxReadBytes?: number;
  /** Pre-bundled code directories (`index.js` each). @default bundled at synth time, cached by content */
  readonly codeDirectories?: Partial<Record<AgentLambdaName, string>>;
}

/** The gateway's inline tool schema: the shared TOOL_DEFINITIONS in the provider's block shape. */
export function inlineToolSchemas(tools: readonly ToolDefinition[] = TOOL_DEFINITIONS): BedrockagentcoreGatewayTargetTargetConfigurationMcpLambdaToolSchemaInlinePayload[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: [
      {
        type: 'object',
        property: Object.entries(tool.inputSchema.properties).map(([name, schema]) => ({
          name,
          type: schema.type,
          description: schema.description,
          required: tool.inputSchema.required.includes(name),
        })),
      },
    ],
  }));
}

/**
 * An Amazon Bedrock AgentCore Gateway serving the five S3 tools over MCP to servers with
 * `agent_tools`: inbound CUSTOM_JWT from the environment's identity provider, a REQUEST
 * interceptor that verifies the token again and names the calling server, and a Lambda target
 * that acts with that server's own role.
 */
export class AgentGateway extends Construct {
  public readonly gateway: BedrockagentcoreGateway;
  public readonly target: BedrockagentcoreGatewayTarget;
  public readonly table: DynamodbTable;
  public readonly gatewayRole: IamRole;
  public readonly interceptor: LambdaFunction;
  public readonly tools: LambdaFunction;

  public constructor(scope: Construct, id: string, config: AgentGatewayConfig) {
    super(scope, id);
    const logRetentionDays = config.logRetentionDays ?? 30;
    const gatewayName = `${config.namePrefix}-agents`;
    const enabledClients = config.servers.filter((server) => server.enabled).map((server) => server.clientId);
    new SettingChecks(`AgentGateway ${this.node.path}`)
      .follows('logRetentionDays', logRetentionDays, logRetentionRule, 'set log_retention_days to one of the values CloudWatch Logs accepts')
      .matches('namePrefix', gatewayName, AGENTCORE_NAME, 'AgentCore gateway names: letters, digits and single hyphens, at most 100 characters', 'shorten project_name or the environment name')
      .require(config.identityProvider !== 'auth0' || (config.audience ?? '').length > 0, 'audience', config.audience, 'the Auth0 API identifier', 'set audience (or auth0_domain) in foundation.json')
      .require(config.identityProvider !== 'cognito' || (config.resourceServerIdentifier ?? '').length > 0, 'resourceServerIdentifier', config.resourceServerIdentifier, 'the Cognito resource server identifier', 'pass the foundation output resource_server_identifier')
      // A CUSTOM_JWT authorizer with no allowed client accepts none: say so at synth, not at the first call.
      .require(config.identityProvider !== 'cognito' || enabledClients.length > 0, 'servers', config.servers.map((s) => s.name), 'at least one enabled server with "agent_tools": true (Cognito tokens carry no aud, so allowed_clients must list someone)', 'set "agent_tools": true on a server in servers.json, or turn agent_gateway off')
      .integerInRange('maxReadBytes', config.maxReadBytes, 1, 4 * 1024 * 1024, 'keep read_object under Lambda\'s 6 MB answer')
      .throwIfAny();

    const accountId = new DataAwsCallerIdentity(this, 'account').accountId;

    this.table = new DynamodbTable(this, 'table', {
      name: `${config.namePrefix}-agent-tools`,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'client_id',
      attribute: [{ name: 'client_id', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: config.deletionProtection ?? true,
    });
    // One item per server with agent_tools, addressed by the server's name like the servers stack.
    const entries = new TerraformLocal(
      this,
      'agent_servers',
      Object.fromEntries(config.servers.map((s) => [s.name, { client_id: s.clientId, role_arn: s.roleArn, s3_path_prefix: s.s3PathPrefix, s3_permissions: s.s3Permissions, enabled: s.enabled }])),
    );
    entries.overrideLogicalId('agent_servers');
    const iterator = TerraformIterator.fromMap(entries.asAnyMap);
    new DynamodbTableItem(this, 'mapping', {
      forEach: iterator,
      tableName: this.table.name,
      hashKey: 'client_id',
      item: Fn.jsonencode({
        client_id: { S: iterator.getString('client_id') },
        server_name: { S: iterator.key },
        role_arn: { S: iterator.getString('role_arn') },
        s3_path_prefix: { S: iterator.getString('s3_path_prefix') },
        s3_permissions: { S: iterator.getString('s3_permissions') },
        enabled: { BOOL: iterator.getBoolean('enabled') },
      }),
    }).overrideLogicalId('agent_server_mapping');

    const lambda = (name: AgentLambdaName, description: string, role: string, variables: Record<string, string>, dependsOn: IamRolePolicy, logs: CloudwatchLogGroup) => {
      const codeDirectory = config.codeDirectories?.[name];
      const asset = codeDirectory
        ? new TerraformAsset(this, `${name}-code`, { path: codeDirectory, type: AssetType.ARCHIVE })
        : cachedArchiveAsset(this, `${name}-code`, cachedAgentLambdaBundle(name));
      return new LambdaFunction(this, name, {
        functionName: `${config.namePrefix}-${name}`,
        description,
        role,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        filename: asset.path,
        sourceCodeHash: Fn.filebase64sha256(asset.path),
        memorySize: 256,
        timeout: 15,
        environment: { variables },
        loggingConfig: { logFormat: 'Text', logGroup: logs.name },
        dependsOn: [logs, dependsOn],
      });
    };
    const logGroup = (name: AgentLambdaName) => {
      const logs = new CloudwatchLogGroup(this, `${name}-logs`, { name: `/aws/lambda/${config.namePrefix}-${name}`, retentionInDays: logRetentionDays });
      new CloudwatchLogMetricFilter(this, `${name}-authentication-failures`, {
        name: `${config.namePrefix}-${name}-authentication-failures`,
        logGroupName: logs.name,
        pattern: AUTHENTICATION_FAILED_PATTERN,
        metricTransformation: { name: 'AuthenticationFailures', namespace: `${config.namePrefix}/AgentGateway`, value: '1', defaultValue: '0' },
      });
      return logs;
    };

    const interceptorLogs = logGroup('agent-interceptor');
    const interceptorRole = new IamRole(this, 'interceptor-role', {
      name: `${config.namePrefix}-agent-interceptor`,
      description: 'Agent gateway REQUEST interceptor: verifies callers and reads the agent-tools mapping',
      assumeRolePolicy: toJson(vendingLambdaTrustPolicy({ accountId, functionArn: lambdaFunctionArn(config.region, accountId, `${config.namePrefix}-agent-interceptor`) })),
    });
    const interceptorPolicy = new IamRolePolicy(this, 'interceptor-policy', {
      name: 'agent-interceptor',
      role: interceptorRole.id,
      policy: toJson(interceptorPermissionsPolicy({ logGroupArn: interceptorLogs.arn, tableArn: this.table.arn })),
    });
    this.interceptor = lambda(
      'agent-interceptor',
      'Agent gateway REQUEST interceptor: verifies the bearer token again and names the calling server',
      interceptorRole.arn,
      {
        IDENTITY_PROVIDER: config.identityProvider,
        TOKEN_ISSUER: config.tokenIssuer,
        AGENT_TOOLS_TABLE: this.table.name,
        ...(config.identityProvider === 'cognito' ? { RESOURCE_SERVER_IDENTIFIER: config.resourceServerIdentifier! } : { AUDIENCE: config.audience! }),
      },
      interceptorPolicy,
      interceptorLogs,
    );

    const toolsLogs = logGroup('agent-tools');
    const toolsPolicy = new IamRolePolicy(this, 'tools-policy', {
      name: 'agent-tools',
      role: config.toolsRoleName,
      policy: toJson(
        toolsPermissionsPolicy({
          logGroupArn: toolsLogs.arn,
          tableArn: this.table.arn,
          identityProvider: config.identityProvider,
          serverRoleArns: config.servers.map((server) => server.roleArn),
        }),
      ),
    });
    this.tools = lambda(
      'agent-tools',
      'Agent gateway tools: S3 create/read/update/list/delete with the calling server\'s own role',
      config.toolsRoleArn,
      {
        IDENTITY_PROVIDER: config.identityProvider,
        AGENT_TOOLS_TABLE: this.table.name,
        BUCKET_NAME: config.bucketName,
        ...(config.maxReadBytes !== undefined ? { MAX_READ_BYTES: String(config.maxReadBytes) } : {}),
      },
      toolsPolicy,
      toolsLogs,
    );

    this.gatewayRole = new IamRole(this, 'gateway-role', {
      name: `${config.namePrefix}-agent-gateway`,
      description: 'AgentCore gateway execution role: invokes the interceptor and tools functions only',
      assumeRolePolicy: toJson(gatewayTrustPolicy({ accountId, region: config.region, gatewayName })),
    });
    const gatewayPolicy = new IamRolePolicy(this, 'gateway-policy', {
      name: 'agent-gateway',
      role: this.gatewayRole.id,
      policy: toJson(gatewayPermissionsPolicy({ functionArns: [this.interceptor.arn, this.tools.arn] })),
    });

    this.gateway = new BedrockagentcoreGateway(this, 'gateway', {
      name: gatewayName,
      description: 'S3 tools for AI agents, acting with the calling server\'s own role',
      protocolType: 'MCP',
      roleArn: this.gatewayRole.arn,
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: [
        {
          customJwtAuthorizer: [
            config.identityProvider === 'cognito'
              ? // Cognito access tokens carry no aud: the client ids are the allow list.
                { discoveryUrl: config.discoveryUrl, allowedClients: enabledClients }
              : { discoveryUrl: config.discoveryUrl, allowedAudience: [config.audience!] },
          ],
        },
      ],
      interceptorConfiguration: [
        {
          interceptionPoints: ['REQUEST'],
          interceptor: [{ lambda: [{ arn: this.interceptor.arn }] }],
          // The interceptor verifies the bearer token itself, so it needs the headers.
          inputConfiguration: [{ passRequestHeaders: true }],
        },
      ],
      dependsOn: [gatewayPolicy],
    });

    for (const [name, fn] of [['interceptor', this.interceptor], ['tools', this.tools]] as const) {
      new LambdaPermission(this, `invoke-${name}-from-gateway`, {
        statementId: 'AllowInvokeFromAgentGateway',
        action: 'lambda:InvokeFunction',
        functionName: fn.functionName,
        principal: AGENTCORE_SERVICE,
        sourceAccount: accountId,
        sourceArn: this.gateway.gatewayArn,
      });
    }

    this.target = new BedrockagentcoreGatewayTarget(this, 'target', {
      gatewayIdentifier: this.gateway.gatewayId,
      name: TOOLS_TARGET_NAME,
      description: 'list_objects, read_object, create_object, update_object, delete_object under the caller\'s prefix',
      credentialProviderConfiguration: [{ gatewayIamRole: [{}] }],
      targetConfiguration: [{ mcp: [{ lambda: [{ lambdaArn: this.tools.arn, toolSchema: [{ inlinePayload: inlineToolSchemas() }] }] }] }],
    });
  }
}
