import { Testing, TerraformStack } from 'cdktf';
import { Auth0Foundation, type Auth0FoundationConfig } from '../../modules/auth0-foundation';
import { CognitoFoundation, type CognitoFoundationConfig } from '../../modules/cognito-foundation';
import { ConstructConfigError } from '../../modules/construct-validation';
import { CredentialVending, type CredentialVendingConfig } from '../../modules/credential-vending';
import { UploadBucket, type UploadBucketConfig } from '../../modules/upload-bucket';

function construct(build: (stack: TerraformStack) => void): ConstructConfigError | undefined {
  const stack = new TerraformStack(Testing.app(), 'test');
  try {
    build(stack);
    return undefined;
  } catch (error) {
    if (error instanceof ConstructConfigError) return error;
    throw error;
  }
}

const bucket = (config: Partial<UploadBucketConfig>) =>
  construct((stack) => new UploadBucket(stack, 'uploads', { bucketName: 'oidc-s3-dev-uploads', ...config }));
const auth0 = (config: Partial<Auth0FoundationConfig>) =>
  construct((stack) => new Auth0Foundation(stack, 'auth0', { environment: 'dev', auth0Domain: 'tenant.eu.auth0.com', ...config }));
const cognito = (config: Partial<CognitoFoundationConfig>) =>
  construct(
    (stack) =>
      new CognitoFoundation(stack, 'cognito', {
        namePrefix: 'oidc-s3-dev',
        region: 'eu-west-1',
        domainPrefix: 'oidc-s3-dev',
        resourceServerIdentifier: 'https://s3-uploader.oidc-s3-dev',
        vendingCodeDirectory: __dirname, // validation runs before the asset is read
        ...config,
      }),
  );
const vending = (config: Partial<CredentialVendingConfig>) =>
  construct(
    (stack) =>
      new CredentialVending(stack, 'vending', {
        namePrefix: 'oidc-s3-dev',
        clientRolesTableName: 'table',
        clientRolesTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/table',
        tokenIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
        resourceServerIdentifier: 'https://s3-uploader.oidc-s3-dev',
        codeDirectory: __dirname,
        ...config,
      }),
  );

describe('valid props construct without error', () => {
  test.each([
    ['UploadBucket', () => bucket({ objectExpirationDays: 10, versioning: true, kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' })],
    ['Auth0Foundation', () => auth0({ audience: 'https://api.example.com', tokenLifetimeSeconds: 3600 })],
    ['CognitoFoundation', () => cognito({ logRetentionDays: 14, reservedConcurrency: 5 })],
  ])('%s', (_name, build) => expect(build()).toBeUndefined());
});

describe.each([
  ['UploadBucket bucketName uppercase', () => bucket({ bucketName: 'Oidc-Uploads' }), 'bucketName is "Oidc-Uploads"', 'characters of a-z, 0-9'],
  ['UploadBucket bucketName too short', () => bucket({ bucketName: 'ab' }), 'bucketName is "ab"', '3-63 characters'],
  ['UploadBucket bucketName like an IP', () => bucket({ bucketName: '192.168.1.1' }), 'bucketName is "192.168.1.1"', 'must not look like an IP address'],
  ['UploadBucket objectExpirationDays 0', () => bucket({ objectExpirationDays: 0 }), 'objectExpirationDays is 0', 'a whole number of days from 1'],
  ['UploadBucket objectExpirationDays 2.5', () => bucket({ objectExpirationDays: 2.5 }), 'objectExpirationDays is 2.5', 'object_expiration_days'],
  ['UploadBucket noncurrent -1', () => bucket({ noncurrentVersionExpirationDays: -1 }), 'noncurrentVersionExpirationDays is -1', 'noncurrent_version_expiration_days'],
  ['UploadBucket abort 0', () => bucket({ abortIncompleteMultipartUploadDays: 0 }), 'abortIncompleteMultipartUploadDays is 0', 'abort_incomplete_multipart_upload_days'],
  ['UploadBucket kmsKeyArn bare id', () => bucket({ kmsKeyArn: '1234abcd' }), 'kmsKeyArn is "1234abcd"', 'full ARN'],
  ['UploadBucket serverRoles organization id', () => bucket({ serverRoles: { accountId: '111122223333', roleNamePrefix: 'oidc-s3-dev', organizationId: 'org-1' } }), 'serverRoles.organizationId is "org-1"', '"o-" and 10-32 lowercase letters or digits'],
  ['UploadBucket serverRoles account id', () => bucket({ serverRoles: { accountId: '1111', roleNamePrefix: 'oidc-s3-dev', organizationId: 'o-abc123def4' } }), 'serverRoles.accountId is "1111"', '12-digit AWS account id'],
  ['Auth0 domain with scheme', () => auth0({ auth0Domain: 'https://tenant.auth0.com' }), 'auth0Domain is "https://tenant.auth0.com"', 'no https://'],
  ['Auth0 audience not https', () => auth0({ audience: 'api' }), 'audience is "api"', 'an https:// URL'],
  ['Auth0 token lifetime > 30 days', () => auth0({ tokenLifetimeSeconds: 2_592_001 }), 'tokenLifetimeSeconds is 2592001', '2592000'],
  ['Cognito domain prefix reserved word', () => cognito({ domainPrefix: 'my-aws-pool' }), 'domainPrefix is "my-aws-pool"', 'must not contain "aws", "amazon" or "cognito"'],
  ['Cognito domain prefix uppercase', () => cognito({ domainPrefix: 'Pool' }), 'domainPrefix is "Pool"', 'characters of a-z, 0-9'],
  ['Cognito identifier with space', () => cognito({ resourceServerIdentifier: 'my api' }), 'resourceServerIdentifier is "my api"', 'without spaces'],
  ['Cognito region', () => cognito({ region: 'Europe' }), 'region is "Europe"', 'eu-west-1'],
  ['Vending log retention 10', () => vending({ logRetentionDays: 10 }), 'logRetentionDays is 10', 'one of CloudWatch\'s retention periods: 1, 3, 5, 7, 14, 30'],
  ['Vending rate 0', () => vending({ throttlingRateLimit: 0 }), 'throttlingRateLimit is 0', 'greater than 0'],
  ['Vending burst 1.5', () => vending({ throttlingBurstLimit: 1.5 }), 'throttlingBurstLimit is 1.5', 'whole number'],
  ['Vending reserved concurrency 0', () => vending({ reservedConcurrency: 0 }), 'reservedConcurrency is 0', '0 would disable the function'],
  ['Vending timeout 30', () => vending({ timeoutSeconds: 30 }), 'timeoutSeconds is 30', 'from 1 to 29'],
  ['Vending memory 64', () => vending({ memorySize: 64 }), 'memorySize is 64', 'from 128 to 10240'],
])('%s', (_name, build, named, hint) => {
  test('is rejected at synth time with a message naming setting, value, rule and fix', () => {
    const error = build();
    expect(error).toBeInstanceOf(ConstructConfigError);
    expect(error!.code).toBe('INVALID_CONSTRUCT_CONFIG');
    expect(error!.message).toContain(named);
    expect(error!.message).toContain(hint);
    expect(error!.message).toMatch(/allowed: .+; fix: .+/);
  });
});

test('every problem of one construct is reported at once', () => {
  const error = bucket({ bucketName: 'X', objectExpirationDays: 0, abortIncompleteMultipartUploadDays: 0 });
  expect(error!.problems).toHaveLength(3);
  expect(error!.message).toMatch(/^UploadBucket test\/uploads: 3 invalid setting\(s\)/);
});
