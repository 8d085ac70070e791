// The bucket in another account of the organization (foundation.json `bucket_account`): each
// server role's identity policy in the roles' account and the bucket policy in the bucket's
// account, evaluated together by the IAM simulator, as IAM does for cross-account requests (both
// must allow). Context keys are the ones AWS sets for a role session of that principal.
import type { PermissionTier } from '../../../config/types';
import { bucketKeyPolicyStatement, uploadBucketPolicy, type ServerRolesGrant } from '../../../modules/policies/bucket';
import { policyDocument, type PolicyDocument } from '../../../modules/policies/document';
import { s3AccessPolicy } from '../../../modules/policies/s3-access';
import { crossAccountDecision, type Decision } from '../../../sandbox/iam-evaluator';

const ORG = 'o-abc123def4';
const ROLES_ACCOUNT = '111122223333';
const BUCKET_ACCOUNT = '222233334444';
const OTHER_ORG_ACCOUNT = '333344445555';
const OUTSIDE_ACCOUNT = '444455556666';
const BUCKET_ARN = 'arn:aws:s3:::acme-logarchive-uploads';
const KMS_KEY_ARN = `arn:aws:kms:eu-west-1:${BUCKET_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const GRANT: ServerRolesGrant = { accountId: ROLES_ACCOUNT, roleNamePrefix: 'oidc-s3-prod', organizationId: ORG };
const BUCKET_POLICY = uploadBucketPolicy({ bucketArn: BUCKET_ARN, serverRoles: GRANT });

interface Server {
  readonly name: string;
  readonly prefix: string;
  readonly tier: PermissionTier;
}
const SERVERS: readonly Server[] = [
  { name: 'web-01', prefix: 'web-01/', tier: 'write' },
  { name: 'app-02', prefix: 'app/02/', tier: 'read-write' },
  { name: 'etl-03', prefix: 'etl/03/', tier: 'full' },
];
const OTHER: Readonly<Record<string, Server>> = { 'web-01': SERVERS[1]!, 'app-02': SERVERS[2]!, 'etl-03': SERVERS[0]! };

const roleArn = (server: Server, account = ROLES_ACCOUNT, path = '/oidc-s3-prod/'): string => `arn:aws:iam::${account}:role${path}oidc-s3-prod-${server.name}`;

function identityPolicy(server: Server, kmsKey?: string): PolicyDocument {
  return s3AccessPolicy({
    bucketArn: BUCKET_ARN,
    prefix: server.prefix,
    tier: server.tier,
    bucketAccount: { accountId: BUCKET_ACCOUNT, organizationId: ORG },
    kmsKey: kmsKey === undefined ? undefined : { arn: kmsKey, region: 'eu-west-1' },
  });
}

/** What AWS puts in the request context for a session of `server`'s role calling S3 over TLS. */
function sessionContext(server: Server, principalArn = roleArn(server)): Record<string, string> {
  return {
    'aws:PrincipalArn': principalArn,
    'aws:PrincipalAccount': principalArn.split(':')[4]!,
    'aws:PrincipalOrgID': ORG,
    'aws:PrincipalIsAWSService': 'false',
    'aws:PrincipalTag/S3PathPrefix': server.prefix,
    'aws:PrincipalTag/S3Permissions': server.tier,
    'aws:ResourceAccount': BUCKET_ACCOUNT,
    'aws:ResourceOrgID': ORG,
    'aws:SecureTransport': 'true',
  };
}

const objectArn = (prefix: string, key = '2025/06/01/app.log.gz') => `${BUCKET_ARN}/${prefix}${key}`;

function decide(server: Server, action: string, resource: string, overrides: Record<string, string | undefined> = {}, identity = identityPolicy(server), bucketPolicy = BUCKET_POLICY, principal?: string, customKeys = false): Promise<Decision> {
  const context = { ...sessionContext(server, principal), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete context[key];
  return crossAccountDecision(identity, bucketPolicy, {
    principal: principal ?? roleArn(server),
    action,
    resource,
    resourceAccount: BUCKET_ACCOUNT,
    context: context as Record<string, string>,
  }, customKeys);
}

/** DESIGN.md's tier table, by hand. */
const TIER_TABLE: Record<PermissionTier, Record<string, boolean>> = {
  write: { 's3:PutObject': true, 's3:AbortMultipartUpload': true, 's3:GetObject': false, 's3:DeleteObject': false },
  'read-write': { 's3:PutObject': true, 's3:AbortMultipartUpload': true, 's3:GetObject': true, 's3:DeleteObject': false },
  full: { 's3:PutObject': true, 's3:AbortMultipartUpload': true, 's3:GetObject': true, 's3:DeleteObject': true },
};
const OBJECT_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject'] as const;

describe.each(SERVERS)('server $name (tier $tier) in account 1111…, bucket in account 2222…', (server) => {
  test.each(OBJECT_ACTIONS)('%s on its own prefix: exactly per tier', async (action) => {
    await expect(decide(server, action, objectArn(server.prefix))).resolves.toBe(TIER_TABLE[server.tier][action] ? 'Allowed' : 'ImplicitlyDenied');
  });

  test('ListBucket under its own prefix: full only; never without s3:prefix or beyond the prefix', async () => {
    const list = (prefix?: string) => decide(server, 's3:ListBucket', BUCKET_ARN, prefix === undefined ? {} : { 's3:prefix': prefix });
    await expect(list(server.prefix)).resolves.toBe(server.tier === 'full' ? 'Allowed' : 'ImplicitlyDenied');
    await expect(list(`${server.prefix}2025/`)).resolves.toBe(server.tier === 'full' ? 'Allowed' : 'ImplicitlyDenied');
    await expect(list()).resolves.toBe('ImplicitlyDenied');
    await expect(list('')).resolves.toBe('ImplicitlyDenied');
    await expect(list(OTHER[server.name]!.prefix)).resolves.toBe('ImplicitlyDenied');
  });

  test.each(OBJECT_ACTIONS)("%s on another server's prefix: denied", async (action) => {
    await expect(decide(server, action, objectArn(OTHER[server.name]!.prefix))).resolves.toBe('ImplicitlyDenied');
  });

  test.each(OBJECT_ACTIONS)('%s on a sibling sharing a leading substring, or the bucket root: denied', async (action) => {
    await expect(decide(server, action, `${BUCKET_ARN}/${server.prefix.slice(0, -1)}0/app.log`)).resolves.toBe('ImplicitlyDenied');
    await expect(decide(server, action, `${BUCKET_ARN}/app.log`)).resolves.toBe('ImplicitlyDenied');
  });

  test.each(OBJECT_ACTIONS)('%s without TLS: explicitly denied', async (action) => {
    await expect(decide(server, action, objectArn(server.prefix), { 'aws:SecureTransport': 'false' })).resolves.toBe('ExplicitlyDenied');
  });

  test('a role of the same path, name and tags in another account of the organization: denied', async () => {
    // Its own account's policies may allow it everything: the bucket policy names only the roles' account.
    const allowAll = policyDocument([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    const principal = roleArn(server, OTHER_ORG_ACCOUNT);
    await expect(decide(server, 's3:PutObject', objectArn(server.prefix), {}, allowAll, BUCKET_POLICY, principal)).resolves.toBe('ImplicitlyDenied');
  });

  test.each([
    ['another organization', { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }],
    ['no organization', { 'aws:PrincipalOrgID': undefined }],
  ])('a role of the same path, name and tags outside the organization (%s): explicitly denied', async (_label, overrides) => {
    const allowAll = policyDocument([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    const principal = roleArn(server, OUTSIDE_ACCOUNT);
    await expect(decide(server, 's3:PutObject', objectArn(server.prefix), overrides, allowAll, BUCKET_POLICY, principal)).resolves.toBe('ExplicitlyDenied');
  });

  test('a session whose prefix tag names another server (tags are the role\'s; see the trust tests): denied by its identity policy', async () => {
    const other = OTHER[server.name]!;
    await expect(decide(server, 's3:PutObject', objectArn(other.prefix), { 'aws:PrincipalTag/S3PathPrefix': other.prefix })).resolves.toBe('ImplicitlyDenied');
  });

  test('the identity side alone is not enough: a bucket policy without the grants denies', async () => {
    const denyOnly = uploadBucketPolicy({ bucketArn: BUCKET_ARN });
    await expect(decide(server, 's3:PutObject', objectArn(server.prefix), {}, identityPolicy(server), denyOnly)).resolves.toBe('ImplicitlyDenied');
  });

  test('the identity side holds only for the bucket account in the organization (a same-named bucket elsewhere gets nothing)', async () => {
    const allowingBucket = policyDocument([{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: `${BUCKET_ARN}/*` }]);
    await expect(decide(server, 's3:PutObject', objectArn(server.prefix), { 'aws:ResourceAccount': OUTSIDE_ACCOUNT, 'aws:ResourceOrgID': 'o-zzzzzzzzzz' }, identityPolicy(server), allowingBucket)).resolves.toBe('ImplicitlyDenied');
    await expect(decide(server, 's3:PutObject', objectArn(server.prefix), { 'aws:ResourceAccount': OTHER_ORG_ACCOUNT }, identityPolicy(server), allowingBucket)).resolves.toBe('ImplicitlyDenied');
  });
});

describe('who else the bucket policy grants nothing', () => {
  const server = SERVERS[2]!;
  const allowAll = policyDocument([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);

  test.each([
    ['a role of the roles account outside the environment path', `arn:aws:iam::${ROLES_ACCOUNT}:role/admin`],
    ["another environment's role", `arn:aws:iam::${ROLES_ACCOUNT}:role/oidc-s3-dev/oidc-s3-dev-etl-03`],
    ['a user of the roles account', `arn:aws:iam::${ROLES_ACCOUNT}:user/alice`],
  ])('%s, even with the tags and an allow-all identity policy', async (_label, principal) => {
    await expect(decide(server, 's3:GetObject', objectArn(server.prefix), {}, allowAll, BUCKET_POLICY, principal)).resolves.toBe('ImplicitlyDenied');
  });

  test.each([
    ['no prefix tag', { 'aws:PrincipalTag/S3PathPrefix': undefined }],
    ['an empty prefix tag (would be the whole bucket)', { 'aws:PrincipalTag/S3PathPrefix': '' }],
    ['no tier tag', { 'aws:PrincipalTag/S3Permissions': undefined }],
    ['an unknown tier tag', { 'aws:PrincipalTag/S3Permissions': 'admin' }],
  ])('a server role with %s', async (_label, overrides) => {
    await expect(decide(server, 's3:GetObject', `${BUCKET_ARN}/anything/x.log`, { ...overrides }, allowAll, BUCKET_POLICY)).resolves.toBe('ImplicitlyDenied');
  });

  test('no tier may change the bucket itself', async () => {
    for (const action of ['s3:PutBucketPolicy', 's3:DeleteBucket', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning']) {
      await expect(decide(server, action, BUCKET_ARN, {}, allowAll)).resolves.toBe('ImplicitlyDenied');
    }
  });
});

describe('the bucket policy stays small whatever the number of servers', () => {
  test('a fixed number of statements, far under the 20 KB bucket-policy limit', () => {
    const size = Buffer.byteLength(JSON.stringify(BUCKET_POLICY));
    expect(BUCKET_POLICY.Statement).toHaveLength(7);
    expect(size).toBeLessThan(20 * 1024);
    // With the KMS denials as well.
    expect(Buffer.byteLength(JSON.stringify(uploadBucketPolicy({ bucketArn: BUCKET_ARN, serverRoles: GRANT, kmsKeyArn: KMS_KEY_ARN })))).toBeLessThan(20 * 1024);
  });
});

describe('the KMS key policy statement (key in the bucket account)', () => {
  const server = SERVERS[1]!;
  const keyPolicy = policyDocument([bucketKeyPolicyStatement({ bucketArn: BUCKET_ARN, region: 'eu-west-1', serverRoles: GRANT })]);
  const kmsContext = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN };
  const kms = (action: string, overrides: Record<string, string | undefined> = {}, principal?: string) =>
    decide(server, action, KMS_KEY_ARN, { 'aws:SecureTransport': undefined, 'aws:PrincipalTag/S3PathPrefix': undefined, 'aws:PrincipalTag/S3Permissions': undefined, ...kmsContext, ...overrides }, identityPolicy(server, KMS_KEY_ARN), keyPolicy, principal, true);

  test.each(['kms:GenerateDataKey', 'kms:Decrypt'])('%s through S3 for this bucket: allowed', async (action) => {
    await expect(kms(action)).resolves.toBe('Allowed');
  });

  test.each([
    ['called directly, not through S3', { 'kms:ViaService': undefined }],
    ['through another service', { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' }],
    ['for another bucket', { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::another-bucket' }],
    ['from outside the organization', { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }],
  ])('kms:Decrypt %s: denied', async (_label, overrides) => {
    await expect(kms('kms:Decrypt', overrides)).resolves.toBe('ImplicitlyDenied');
  });

  test('a role of the roles account outside the environment path: denied', async () => {
    const principal = `arn:aws:iam::${ROLES_ACCOUNT}:role/admin`;
    await expect(kms('kms:Decrypt', { 'aws:PrincipalArn': principal }, principal)).resolves.toBe('ImplicitlyDenied');
  });

  test('no key administration', async () => {
    await expect(kms('kms:ScheduleKeyDeletion')).resolves.toBe('ImplicitlyDenied');
  });
});
