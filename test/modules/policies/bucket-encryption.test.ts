// Security review #5: with a customer-managed KMS key configured, a server may upload only with
// that key (or no encryption header, which gets the bucket default: that key). SSE-S3, SSE-C,
// DSSE, another key and `aws:kms` without a key id (which S3 serves with the aws/s3 key) are
// denied by the bucket policy, to every principal. SSE-C is denied on every bucket. The server role's own policy allows the put,
// so the bucket policy alone decides.
import { uploadBucketPolicy } from '../../../modules/policies/bucket';
import { s3AccessPolicy } from '../../../modules/policies/s3-access';
import { ACCOUNT_ID, identityDecision } from '../../../sandbox/iam-evaluator';

const BUCKET_ARN = 'arn:aws:s3:::oidc-s3-prod-uploads';
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const AWS_MANAGED_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/aaaabbbb-0000-1111-2222-333344445555`;
const OBJECT = `${BUCKET_ARN}/web-01/app.log`;
const role = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: 'web-01/', tier: 'full', kmsKey: { arn: KEY, region: 'eu-west-1' } });
const withKey = uploadBucketPolicy({ bucketArn: BUCKET_ARN, kmsKeyArn: KEY });
const withoutKey = uploadBucketPolicy({ bucketArn: BUCKET_ARN });

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

const put = (headers: Record<string, string>, bucketPolicy = withKey) =>
  identityDecision(role, { action: 's3:PutObject', resource: OBJECT, context: { 'aws:SecureTransport': 'true', ...headers } }, bucketPolicy);

describe('a bucket with a customer-managed KMS key', () => {
  test.each([
    ['no encryption header (the bucket default: the key)', {}],
    ['aws:kms with the bucket key', { [SSE]: 'aws:kms', [SSE_KEY]: KEY }],
  ])('allows a put with %s', async (_label, headers) => {
    await expect(put(headers)).resolves.toBe('Allowed');
  });

  test.each([
    ['SSE-S3 (AES256)', { [SSE]: 'AES256' }],
    ['aws:kms without a key id (S3 would use the aws/s3 key)', { [SSE]: 'aws:kms' }],
    ['aws:kms with the aws/s3 key named', { [SSE]: 'aws:kms', [SSE_KEY]: AWS_MANAGED_KEY }],
    ['aws:kms with a key of another account', { [SSE]: 'aws:kms', [SSE_KEY]: 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['the bucket key id given bare, not as its ARN', { [SSE]: 'aws:kms', [SSE_KEY]: '1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['DSSE-KMS with the bucket key', { [SSE]: 'aws:kms:dsse', [SSE_KEY]: KEY }],
    ['SSE-C (a key the owner never sees)', { [SSE_C]: 'AES256' }],
    ['SSE-C next to the bucket key headers', { [SSE]: 'aws:kms', [SSE_KEY]: KEY, [SSE_C]: 'AES256' }],
  ])('denies a put with %s', async (_label, headers) => {
    await expect(put(headers)).resolves.toBe('ExplicitlyDenied');
  });

  test('reads are not affected by the write rules', async () => {
    await expect(identityDecision(role, { action: 's3:GetObject', resource: OBJECT, context: { 'aws:SecureTransport': 'true' } }, withKey)).resolves.toBe('Allowed');
  });

  test('without a configured key (SSE-S3 bucket) SSE-S3 and SSE-KMS headers pass, SSE-C is still denied', async () => {
    await expect(put({ [SSE]: 'AES256' }, withoutKey)).resolves.toBe('Allowed');
    await expect(put({}, withoutKey)).resolves.toBe('Allowed');
    await expect(put({ [SSE_C]: 'AES256' }, withoutKey)).resolves.toBe('ExplicitlyDenied');
    expect(withoutKey.Statement.map((statement) => statement.Sid)).toEqual(['DenyInsecureTransport', 'DenyWritesWithCustomerKeys']);
  });
});
