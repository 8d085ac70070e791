// One rule, one verdict: for every rule the config schema and a construct both apply, the same
// value is accepted by both or refused by both, with the same rule text. The values include
// each rule's last valid and first invalid value, and the audience `https://a<b` that once
// passed the schema and then failed inside synth.
import { TerraformStack, Testing } from 'cdktf';
import type { ConfigProblem } from '../../config/errors';
import { parseFoundation, parseServers } from '../../config/schema';
import { Auth0Foundation } from '../../modules/auth0-foundation';
import { CognitoFoundation } from '../../modules/cognito-foundation';
import { ConstructConfigError } from '../../modules/construct-validation';
import { CredentialVending } from '../../modules/credential-vending';
import { UploadBucket } from '../../modules/upload-bucket';
import type { ServerSettings } from '../../config/types';
import { environmentConfig, server, synthServers } from '../stacks/servers-fixtures';

const FOUNDATION = 'environments/dev/foundation.json';
const SERVERS = 'environments/dev/servers.json';
const auth0Base = { identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: 'tenant.eu.auth0.com' };
const cognitoBase = { identity_provider: 'cognito', aws_region: 'eu-west-1' };

/** The schema's problem on `key` (undefined when it accepts the value). */
function schemaProblem(raw: Record<string, unknown>, key: string): ConfigProblem | undefined {
  const problems: ConfigProblem[] = [];
  parseFoundation({ file: FOUNDATION, raw, environment: 'dev' }, problems);
  return problems.find((p) => p.key === key);
}

function serversProblem(entry: Record<string, unknown>, key: string, name = 'web-01'): ConfigProblem | undefined {
  const problems: ConfigProblem[] = [];
  parseServers({ file: SERVERS, raw: { servers: { [name]: { s3_path_prefix: `${name}/`, ...entry } } }, namePrefix: 'oidc-s3-dev' }, problems);
  return problems.find((p) => p.key === key);
}

/** The construct's problem on `setting` (undefined when it accepts the props). */
function constructProblem(build: (stack: TerraformStack) => void, setting: string): string | undefined {
  try {
    build(new TerraformStack(Testing.app(), 'test'));
    return undefined;
  } catch (error) {
    if (!(error instanceof ConstructConfigError)) throw error;
    return error.problems.find((p) => p.startsWith(`${setting} is `));
  }
}

const cognitoProps = { namePrefix: 'oidc-s3-dev', region: 'eu-west-1', domainPrefix: 'oidc-s3-dev', resourceServerIdentifier: 'https://s3-uploader.oidc-s3-dev', vendingCodeDirectory: __dirname };
const vendingProps = {
  namePrefix: 'oidc-s3-dev',
  clientRolesTableName: 'table',
  clientRolesTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/table',
  tokenIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  resourceServerIdentifier: 'https://s3-uploader.oidc-s3-dev',
  codeDirectory: __dirname,
};

interface ParityCase {
  readonly rule: string;
  /** [value, accepted?] */
  readonly values: readonly (readonly [unknown, boolean])[];
  schema(value: unknown): ConfigProblem | undefined;
  construct(value: unknown): string | undefined;
}

const long = (length: number, head = 'https://') => head + 'a'.repeat(length - head.length);

const cases: ParityCase[] = [
  {
    rule: 'audience',
    values: [['https://api.example.com', true], ['https://a<b', false], ['https://a>b', false], ['api.example.com', false], [long(255), true], [long(256), false]],
    schema: (v) => schemaProblem({ ...auth0Base, audience: v }, 'audience'),
    construct: (v) => constructProblem((s) => new Auth0Foundation(s, 'a', { environment: 'dev', auth0Domain: 'tenant.eu.auth0.com', audience: v as string }), 'audience'),
  },
  {
    rule: 'auth0_domain',
    values: [['tenant.eu.auth0.com', true], ['https://tenant.auth0.com', false], ['Tenant.auth0.com', false], ['tenant.auth0.com/', false]],
    schema: (v) => schemaProblem({ ...auth0Base, auth0_domain: v }, 'auth0_domain'),
    construct: (v) => constructProblem((s) => new Auth0Foundation(s, 'a', { environment: 'dev', auth0Domain: v as string }), 'auth0Domain'),
  },
  {
    rule: 'token_lifetime_seconds (auth0)',
    values: [[59, false], [60, true], [2_592_000, true], [2_592_001, false], [90.5, false]],
    schema: (v) => schemaProblem({ ...auth0Base, token_lifetime_seconds: v }, 'token_lifetime_seconds'),
    construct: (v) => constructProblem((s) => new Auth0Foundation(s, 'a', { environment: 'dev', auth0Domain: 'tenant.eu.auth0.com', tokenLifetimeSeconds: v as number }), 'tokenLifetimeSeconds'),
  },
  {
    rule: 'token_lifetime_seconds (cognito)',
    values: [[299, false], [300, true], [86_400, true], [86_401, false]],
    schema: (v) => schemaProblem({ ...cognitoBase, token_lifetime_seconds: v }, 'token_lifetime_seconds'),
    construct: (v) => constructProblem(() => synthServers(environmentConfig('cognito', [], { tokenLifetimeSeconds: v as number })), 'accessTokenValiditySeconds'),
  },
  {
    rule: 'aws_region',
    values: [['eu-west-1', true], ['us-gov-west-1', true], ['Europe', false], ['eu-west', false]],
    schema: (v) => schemaProblem({ ...cognitoBase, aws_region: v }, 'aws_region'),
    construct: (v) => constructProblem((s) => new CognitoFoundation(s, 'c', { ...cognitoProps, region: v as string }), 'region'),
  },
  {
    rule: 'cognito_domain_prefix',
    values: [['oidc-s3-dev-m2m', true], ['a'.repeat(63), true], ['a'.repeat(64), false], ['my-aws-pool', false], ['Pool', false], ['-pool', false]],
    schema: (v) => schemaProblem({ ...cognitoBase, cognito_domain_prefix: v }, 'cognito_domain_prefix'),
    construct: (v) => constructProblem((s) => new CognitoFoundation(s, 'c', { ...cognitoProps, domainPrefix: v as string }), 'domainPrefix'),
  },
  {
    rule: 'resource_server_identifier',
    values: [['https://s3-uploader.example', true], [long(249), true], [long(250), false], ['my api', false], ['x"y', false], ['', false]],
    schema: (v) => schemaProblem({ ...cognitoBase, resource_server_identifier: v }, 'resource_server_identifier'),
    construct: (v) => constructProblem((s) => new CognitoFoundation(s, 'c', { ...cognitoProps, resourceServerIdentifier: v as string }), 'resourceServerIdentifier'),
  },
  {
    rule: 'bucket_name',
    values: [['my-uploads', true], ['a'.repeat(63), true], ['a'.repeat(64), false], ['Oidc-Uploads', false], ['192.168.1.1', false], ['my..bucket', false], ['my-bucket-s3alias', false]],
    schema: (v) => schemaProblem({ ...auth0Base, bucket_name: v }, 'bucket_name'),
    construct: (v) => constructProblem((s) => new UploadBucket(s, 'b', { bucketName: v as string }), 'bucketName'),
  },
  {
    rule: 'kms_key_arn',
    values: [['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', true], ['alias/mine', false], ['1234abcd', false]],
    schema: (v) => schemaProblem({ ...auth0Base, kms_key_arn: v }, 'kms_key_arn'),
    construct: (v) => constructProblem((s) => new UploadBucket(s, 'b', { bucketName: 'my-uploads', kmsKeyArn: v as string }), 'kmsKeyArn'),
  },
  {
    rule: 'object_expiration_days',
    values: [[0, false], [1, true], [36_500, true], [36_501, false], [2.5, false]],
    schema: (v) => schemaProblem({ ...auth0Base, object_expiration_days: v }, 'object_expiration_days'),
    construct: (v) => constructProblem((s) => new UploadBucket(s, 'b', { bucketName: 'my-uploads', objectExpirationDays: v as number }), 'objectExpirationDays'),
  },
  {
    rule: 'noncurrent_version_expiration_days',
    values: [[0, false], [1, true], [36_500, true], [36_501, false]],
    schema: (v) => schemaProblem({ ...auth0Base, bucket_versioning: true, noncurrent_version_expiration_days: v }, 'noncurrent_version_expiration_days'),
    construct: (v) => constructProblem((s) => new UploadBucket(s, 'b', { bucketName: 'my-uploads', versioning: true, noncurrentVersionExpirationDays: v as number }), 'noncurrentVersionExpirationDays'),
  },
  {
    rule: 'abort_incomplete_multipart_upload_days',
    values: [[0, false], [1, true], [365, true], [366, false]],
    schema: (v) => schemaProblem({ ...auth0Base, abort_incomplete_multipart_upload_days: v }, 'abort_incomplete_multipart_upload_days'),
    construct: (v) => constructProblem((s) => new UploadBucket(s, 'b', { bucketName: 'my-uploads', abortIncompleteMultipartUploadDays: v as number }), 'abortIncompleteMultipartUploadDays'),
  },
  {
    rule: 'log_retention_days',
    values: [[1, true], [3653, true], [10, false], [3654, false]],
    schema: (v) => schemaProblem({ ...cognitoBase, log_retention_days: v }, 'log_retention_days'),
    construct: (v) => constructProblem((s) => new CredentialVending(s, 'v', { ...vendingProps, logRetentionDays: v as number }), 'logRetentionDays'),
  },
  {
    rule: 'api_throttling_rate_limit',
    values: [[0, false], [0.5, true], [10_000, true], [10_001, false]],
    schema: (v) => schemaProblem({ ...cognitoBase, api_throttling_rate_limit: v, api_throttling_burst_limit: 5000 }, 'api_throttling_rate_limit'),
    construct: (v) => constructProblem((s) => new CredentialVending(s, 'v', { ...vendingProps, throttlingRateLimit: v as number, throttlingBurstLimit: 5000 }), 'throttlingRateLimit'),
  },
  {
    rule: 'api_throttling_burst_limit',
    values: [[0, false], [1, true], [5000, true], [5001, false], [1.5, false]],
    schema: (v) => schemaProblem({ ...cognitoBase, api_throttling_rate_limit: 0.5, api_throttling_burst_limit: v }, 'api_throttling_burst_limit'),
    construct: (v) => constructProblem((s) => new CredentialVending(s, 'v', { ...vendingProps, throttlingRateLimit: 0.5, throttlingBurstLimit: v as number }), 'throttlingBurstLimit'),
  },
];

function serversCase(rule: string, key: keyof ServerSettings, values: ParityCase['values']): ParityCase {
  const fileKey = { s3PathPrefix: 's3_path_prefix', s3Permissions: 's3_permissions', maxSessionDuration: 'max_session_duration' }[key as string]!;
  return {
    rule,
    values,
    schema: (v) => serversProblem({ [fileKey]: v }, `servers["web-01"].${fileKey}`),
    construct: (v) =>
      constructProblem(() => synthServers(environmentConfig('cognito', [server('web-01', 'web-01/', 'write', { [key]: v })])), `servers["web-01"].${fileKey}`),
  };
}

cases.push(
  serversCase('s3_path_prefix', 's3PathPrefix', [['web-01/', true], ['web-01', false], ['/web-01/', false], ['web-*/', false], ['a/../b/', false], ['a'.repeat(511) + '/', true], ['a'.repeat(512) + '/', false]]),
  serversCase('s3_permissions', 's3Permissions', [['write', true], ['full', true], ['admin', false]]),
  serversCase('max_session_duration', 'maxSessionDuration', [[899, false], [900, true], [43_200, true], [43_201, false]]),
  {
    rule: 'server name',
    values: [['web-01', true], ['Web-01', false], ['credential-vending', false], ['a'.repeat(52), true], ['a'.repeat(53), false]],
    schema: (v) => serversProblem({}, `servers[${JSON.stringify(v)}]`, v as string) ?? serversProblem({}, `servers.${String(v)}`, v as string),
    construct: (v) => constructProblem(() => synthServers(environmentConfig('cognito', [server(v as string, `${v as string}/`, 'write')])), `servers["${v as string}"] (name)`),
  },
);

describe.each(cases)('$rule: schema and construct give the same verdict', ({ values, schema, construct }) => {
  test.each(values.map(([value, accepted]) => [JSON.stringify(value).slice(0, 40), value, accepted] as const))('%s', (_label, value, accepted) => {
    const fromSchema = schema(value);
    const fromConstruct = construct(value);
    expect(fromSchema === undefined).toBe(accepted);
    expect(fromConstruct === undefined).toBe(accepted);
    if (fromSchema && fromConstruct) expect(fromConstruct).toContain(`allowed: ${fromSchema.rule}; fix: `);
  });
});
