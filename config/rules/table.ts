/**
 * The rule table: every service-side rule on a value the stacks send to AWS or Auth0, with the
 * resource and argument it guards, where it is checked, and its source (service model or
 * documentation). The checks themselves are the functions of this folder; this table is their
 * index, kept honest by test/config/rule-table.test.ts (every entry cites a source, names a
 * documented key).
 */

export interface ServiceRule {
  /** The configuration key (file: key path) whose final value the rule checks. */
  readonly key: string;
  /** The resource and argument the value ends up in. */
  readonly target: string;
  /** The rule, as the service enforces it. */
  readonly rule: string;
  /** Where the service documents it. */
  readonly source: string;
}

const IAM_API = 'https://docs.aws.amazon.com/IAM/latest/APIReference/';
const IAM_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';
const COGNITO_API = 'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/';
const S3_NAMING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html';

export const SERVICE_RULES: readonly ServiceRule[] = [
  { key: 'foundation.json: bucket_name', target: 'aws_s3_bucket.bucket', rule: '3-63 of a-z 0-9 . -; no "..", no IP address, no reserved prefix/suffix; unique worldwide', source: S3_NAMING },
  { key: 'backend.hcl: bucket', target: 'S3 backend bucket, state-bootstrap aws_s3_bucket.bucket', rule: 'S3 bucket naming rules', source: S3_NAMING },
  { key: 'backend.hcl: dynamodb_table', target: 'aws_dynamodb_table.name', rule: '3-255 of a-z A-Z 0-9 _ - .', source: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html' },
  { key: 'foundation.json: audience', target: 'aws_iam_openid_connect_provider.client_id_list', rule: 'each client id 1-255 characters', source: `${IAM_API}API_CreateOpenIDConnectProvider.html` },
  { key: 'foundation.json: auth0_domain', target: 'aws_iam_openid_connect_provider.url', rule: 'one provider per issuer URL per account (EntityAlreadyExists)', source: `${IAM_API}API_CreateOpenIDConnectProvider.html` },
  { key: 'foundation.json: audience', target: 'auth0_resource_server.identifier', rule: 'unique per tenant', source: 'https://auth0.com/docs/get-started/apis' },
  { key: 'foundation.json: token_lifetime_seconds', target: 'auth0_resource_server.token_lifetime', rule: 'at most 2,592,000 s (30 days)', source: 'https://auth0.com/docs/secure/tokens/access-tokens/update-access-token-lifetime' },
  { key: 'foundation.json: token_lifetime_seconds', target: 'aws_cognito_user_pool_client.access_token_validity', rule: '5 minutes to 1 day', source: `${COGNITO_API}API_CreateUserPoolClient.html` },
  { key: 'foundation.json: cognito_domain_prefix', target: 'aws_cognito_user_pool_domain.domain', rule: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$, no aws/amazon/cognito; unique per Region', source: `${COGNITO_API}API_CreateUserPoolDomain.html` },
  { key: 'foundation.json: resource_server_identifier', target: 'aws_cognito_resource_server.identifier', rule: '1-256 of [\\x21\\x23-\\x5B\\x5D-\\x7E]', source: `${COGNITO_API}API_CreateResourceServer.html` },
  { key: 'foundation.json: resource_server_identifier', target: 'aws_cognito_user_pool_client.allowed_oauth_scopes', rule: 'each scope "<identifier>/<name>" at most 256 characters', source: `${COGNITO_API}API_CreateUserPoolClient.html` },
  { key: 'foundation.json: kms_key_arn', target: 'aws_s3_bucket_server_side_encryption_configuration, server roles\' kms: statements', rule: 'a key ARN (policies match the key ARN, not an alias); in the bucket\'s Region and partition', source: 'https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html' },
  { key: 'backend.hcl: kms_key_id', target: 'S3 backend kms_key_id, state bucket encryption', rule: 'a key ARN in the state bucket\'s Region', source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html' },
  { key: 'foundation.json: log_retention_days', target: 'aws_cloudwatch_log_group.retention_in_days', rule: 'one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653', source: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html' },
  { key: 'foundation.json: api_throttling_*', target: 'aws_apigatewayv2_stage.default_route_settings', rule: 'rate at most 10,000/s, burst at most 5,000 (account quota)', source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html' },
  { key: 'servers.json: servers.<name>', target: 'aws_iam_role.name', rule: '1-64 characters of [\\w+=,.@-], unique regardless of case', source: `${IAM_API}API_CreateRole.html` },
  { key: 'servers.json: servers.<name>.max_session_duration', target: 'vending Lambda DurationSeconds / aws_iam_role.max_session_duration', rule: 'sessions 900-43,200 s; a role\'s MaxSessionDuration at least 3,600', source: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html' },
  { key: 'tags, common_tags, servers.<name>.tags', target: 'tags of every resource', rule: 'key 1-128, value 0-256 of [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]; no aws: prefix', source: `${IAM_API}API_Tag.html` },
  { key: 'tags, common_tags, servers.<name>.tags', target: 'tags of every resource, after merging', rule: 'keys unique regardless of case; at most 50 per resource', source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html' },
  { key: 'quotas', target: 'roles, app clients, Auth0 applications, policy sizes', rule: 'see config/rules/quotas.ts', source: IAM_QUOTAS },
];
