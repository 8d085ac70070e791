import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import {
  DEFAULT_API_THROTTLING_BURST_LIMIT,
  DEFAULT_API_THROTTLING_RATE_LIMIT,
  DEFAULT_LOG_RETENTION_DAYS,
  apiBurstLimitRule,
  apiRateLimitRule,
  logRetentionRule,
} from '../config/rules';
import { cachedVendingLambdaBundle } from './bundle';
import { cachedArchiveAsset } from './lambda-code-asset';
import { SettingChecks } from './construct-validation';
import { toJson } from './policies/document';
import { lambdaFunctionArn, vendingLambdaPermissionsPolicy, vendingLambdaTrustPolicy } from './policies/vending-lambda';

/** The route hosts call; DESIGN.md's vending API contract. */
export const CREDENTIALS_ROUTE = 'POST /credentials';

/** The log line field and value the handler writes when a token is refused. */
export const AUTHENTICATION_FAILED_PATTERN = '{ $.event = "authentication_failed" }';

/**
 * The client→role mapping table the vending Lambda reads (DESIGN.md, Vending API): hash key
 * `client_id`, point-in-time recovery, encryption at rest.
 */
export function clientRolesTable(scope: Construct, id: string, namePrefix: string, deletionProtection: boolean): DynamodbTable {
  return new DynamodbTable(scope, id, {
    name: `${namePrefix}-client-roles`,
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'client_id',
    attribute: [{ name: 'client_id', type: 'S' }],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true },
    deletionProtectionEnabled: deletionProtection,
  });
}

export interface CredentialVendingConfig {
  /** Whose access tokens the Lambda verifies (`IDENTITY_PROVIDER`). @default 'cognito' */
  readonly identityProvider?: 'cognito' | 'auth0';
  /** `<project>-<env>`: names the function, role, API and log groups; server roles the Lambda may assume are `<namePrefix>-*`. */
  readonly namePrefix: string;
  /** The client→role mapping table's name (`CLIENT_ROLES_TABLE`). */
  readonly clientRolesTableName: string;
  /** The mapping table's ARN: the only table the Lambda may read. */
  readonly clientRolesTableArn: string;
  /** The issuer URL: the user pool's `https://cognito-idp.<region>.amazonaws.com/<pool id>`, or Auth0's `https://<tenant>/` (`TOKEN_ISSUER`). */
  readonly tokenIssuer: string;
  /** Cognito: the resource server whose scopes tokens must carry; Auth0: the API identifier tokens' `aud` must be (`RESOURCE_SERVER_IDENTIFIER`). */
  readonly resourceServerIdentifier: string;
  /** CloudWatch Logs retention of the function's and the API's log groups. @default 30 */
  readonly logRetentionDays?: number;
  /** Steady-state requests per second the API stage accepts. @default 10 */
  readonly throttlingRateLimit?: number;
  /** Burst of requests the API stage accepts. @default 20 */
  readonly throttlingBurstLimit?: number;
  /** Concurrency reserved for (and capping) the function. @default undefined (unreserved account pool) */
  readonly reservedConcurrency?: number;
  /** Function memory in MB. @default 256 */
  readonly memorySize?: number;
  /** Function timeout in seconds; the HTTP API gives up after 30. @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * A directory holding an already-bundled `index.js` (handler `index.handler`).
   * @default lambda/credential-vending, bundled at synth time (cached by content, see cachedVendingLambdaBundle)
   */
  readonly codeDirectory?: string;
}

/** HTTP API access-log fields. Deliberately no request headers: the Authorization header carries a bearer token. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  sourceIp: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
});

/**
 * The credential-vending API (Cognito, and Auth0 with `auth0_exchange: "vending"`):
 * `POST /credentials` on an HTTP API, proxied to a Lambda that verifies the caller's access
 * token, looks its client up in the mapping table and assumes that server's role for it.
 */
export class CredentialVending extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly api: Apigatewayv2Api;
  public readonly stage: Apigatewayv2Stage;
  public readonly asset: TerraformAsset;
  /** The full URL of `POST /credentials`, as hosts use it. */
  public readonly credentialsUrl: string;

  public constructor(scope: Construct, id: string, config: CredentialVendingConfig) {
    super(scope, id);
    const logRetentionDays = config.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    const rateLimit = config.throttlingRateLimit ?? DEFAULT_API_THROTTLING_RATE_LIMIT;
    const burstLimit = config.throttlingBurstLimit ?? DEFAULT_API_THROTTLING_BURST_LIMIT;
    const memorySize = config.memorySize ?? 256;
    const timeout = config.timeoutSeconds ?? 10;
    new SettingChecks(`CredentialVending ${this.node.path}`)
      .follows('logRetentionDays', logRetentionDays, logRetentionRule, 'set log_retention_days to one of the values CloudWatch Logs accepts')
      .follows('throttlingRateLimit', rateLimit, apiRateLimitRule, 'set api_throttling_rate_limit to a positive number')
      .follows('throttlingBurstLimit', burstLimit, apiBurstLimitRule, 'set api_throttling_burst_limit to a positive whole number')
      .integerInRange('reservedConcurrency', config.reservedConcurrency, 1, 1000, 'set the reserved concurrency to a positive whole number, or leave it unset (0 would disable the function)')
      .integerInRange('memorySize', memorySize, 128, 10240, 'set the memory size in MB from 128 to 10240')
      .integerInRange('timeoutSeconds', timeout, 1, 29, 'set the timeout below the HTTP API integration timeout of 30 seconds')
      .throwIfAny();

    const functionName = `${config.namePrefix}-credential-vending`;
    const identityProvider = config.identityProvider ?? 'cognito';
    const idpName = identityProvider === 'auth0' ? 'Auth0' : 'Cognito';
    const accountId = new DataAwsCallerIdentity(this, 'account').accountId;
    // The function's ARN from its parts: the role's trust names it, and the function needs the role.
    const functionArn = lambdaFunctionArn(new DataAwsRegion(this, 'region').region, accountId, functionName);

    // Created before the function so Lambda does not create it without retention.
    const functionLogs = new CloudwatchLogGroup(this, 'function-logs', {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: logRetentionDays,
    });
    const accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      name: `/aws/apigateway/${functionName}`,
      retentionInDays: logRetentionDays,
    });

    this.role = new IamRole(this, 'role', {
      name: functionName,
      description: `Credential-vending Lambda: assumes the server roles of this environment for verified ${idpName} clients`,
      assumeRolePolicy: toJson(vendingLambdaTrustPolicy({ accountId, functionArn })),
    });
    const rolePolicy = new IamRolePolicy(this, 'role-policy', {
      name: 'credential-vending',
      role: this.role.id,
      policy: toJson(
        vendingLambdaPermissionsPolicy({
          logGroupArn: functionLogs.arn,
          tableArn: config.clientRolesTableArn,
          accountId,
          roleNamePrefix: config.namePrefix,
        }),
      ),
    });

    this.asset = config.codeDirectory
      ? new TerraformAsset(this, 'code', { path: config.codeDirectory, type: AssetType.ARCHIVE })
      : cachedArchiveAsset(this, 'code', cachedVendingLambdaBundle());

    this.function = new LambdaFunction(this, 'function', {
      functionName,
      description: `Trades ${identityProvider === 'auth0' ? 'an' : 'a'} ${idpName} access token for short-lived credentials of the caller’s server role`,
      role: this.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: this.asset.path,
      sourceCodeHash: Fn.filebase64sha256(this.asset.path),
      memorySize,
      timeout,
      reservedConcurrentExecutions: config.reservedConcurrency,
      environment: {
        variables: {
          CLIENT_ROLES_TABLE: config.clientRolesTableName,
          TOKEN_ISSUER: config.tokenIssuer,
          RESOURCE_SERVER_IDENTIFIER: config.resourceServerIdentifier,
          IDENTITY_PROVIDER: identityProvider,
        },
      },
      loggingConfig: { logFormat: 'Text', logGroup: functionLogs.name },
      // Its first invocation must already be able to log.
      dependsOn: [functionLogs, rolePolicy],
    });

    new CloudwatchLogMetricFilter(this, 'authentication-failures', {
      name: `${functionName}-authentication-failures`,
      logGroupName: functionLogs.name,
      pattern: AUTHENTICATION_FAILED_PATTERN,
      metricTransformation: {
        name: 'AuthenticationFailures',
        namespace: `${config.namePrefix}/CredentialVending`,
        value: '1',
        defaultValue: '0',
      },
    });

    this.api = new Apigatewayv2Api(this, 'api', {
      name: functionName,
      protocolType: 'HTTP',
      description: `POST /credentials: ${idpName} access token in, role credentials (credential_process format) out`,
    });
    const integration = new Apigatewayv2Integration(this, 'integration', {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationMethod: 'POST',
      integrationUri: this.function.invokeArn,
      payloadFormatVersion: '2.0',
      timeoutMilliseconds: 30_000,
    });
    new Apigatewayv2Route(this, 'route', {
      apiId: this.api.id,
      routeKey: CREDENTIALS_ROUTE,
      target: `integrations/${integration.id}`,
    });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: rateLimit, throttlingBurstLimit: burstLimit },
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
    });

    // Only this API's POST /credentials route, on any stage, may invoke the function.
    new LambdaPermission(this, 'invoke-from-api', {
      statementId: 'AllowInvokeFromCredentialsRoute',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/*/POST/credentials`,
    });

    // The provider's invoke_url of the $default stage is `https://<host>/`, trailing slash included.
    this.credentialsUrl = `${this.stage.invokeUrl}credentials`;
  }
}

