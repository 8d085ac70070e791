import fc from 'fast-check';
import type { PermissionTier } from '../../../config/types';
import { toJson } from '../../../modules/policies/document';
import { disabledServerPolicy, s3AccessPolicy, s3AccessPolicyJson, tierScopes } from '../../../modules/policies/s3-access';
import { ACCOUNT_ID, identityDecision, type Decision } from '../../../sandbox/iam-evaluator';

const BUCKET = 'oidc-s3-dev-uploads';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const PREFIX = 'web-01/';
const TIERS: readonly PermissionTier[] = ['write', 'read-write', 'full'];

/** Object keys a `web-01/` server might aim at; `own` marks the ones inside its prefix. */
const OBJECTS = [
  { label: 'own prefix', arn: `${BUCKET_ARN}/web-01/app.log`, own: true },
  { label: 'nested key under own prefix', arn: `${BUCKET_ARN}/web-01/2024/06/01/app.log.gz`, own: true },
  { label: 'the prefix "directory" key itself', arn: `${BUCKET_ARN}/web-01/`, own: true },
  { label: 'sibling sharing a leading substring (web-010/)', arn: `${BUCKET_ARN}/web-010/app.log`, own: false },
  { label: 'key equal to the prefix without its slash', arn: `${BUCKET_ARN}/web-01`, own: false },
  { label: "another server's prefix", arn: `${BUCKET_ARN}/etl/02/data.csv`, own: false },
  { label: 'bucket root', arn: `${BUCKET_ARN}/app.log`, own: false },
  { label: 'same prefix in another bucket', arn: 'arn:aws:s3:::another-bucket/web-01/app.log', own: false },
] as const;

const OBJECT_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:GetObjectVersion', 's3:PutObjectTagging'] as const;

/** DESIGN.md's tier table, by hand: what each tier may do to objects under its own prefix. */
const ALLOWED_ON_OWN_OBJECTS: Record<PermissionTier, Record<(typeof OBJECT_ACTIONS)[number], boolean>> = {
  write: {
    's3:PutObject': true,
    's3:AbortMultipartUpload': true,
    's3:GetObject': false,
    's3:DeleteObject': false,
    's3:PutObjectAcl': false,
    's3:GetObjectVersion': false,
    's3:PutObjectTagging': false,
  },
  'read-write': {
    's3:PutObject': true,
    's3:AbortMultipartUpload': true,
    's3:GetObject': true,
    's3:DeleteObject': false,
    's3:PutObjectAcl': false,
    's3:GetObjectVersion': false,
    's3:PutObjectTagging': false,
  },
  full: {
    's3:PutObject': true,
    's3:AbortMultipartUpload': true,
    's3:GetObject': true,
    's3:DeleteObject': true,
    's3:PutObjectAcl': false,
    's3:GetObjectVersion': false,
    's3:PutObjectTagging': false,
  },
};

function expectedObjectDecision(tier: PermissionTier, action: (typeof OBJECT_ACTIONS)[number], own: boolean): Decision {
  return own && ALLOWED_ON_OWN_OBJECTS[tier][action] ? 'Allowed' : 'ImplicitlyDenied';
}

describe('s3AccessPolicy, evaluated by the IAM simulator', () => {
  describe.each(TIERS)('tier %s', (tier) => {
    const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier });

    const objectCases = OBJECTS.flatMap((object) =>
      OBJECT_ACTIONS.map((action) => ({ ...object, action, expected: expectedObjectDecision(tier, action, object.own) })),
    );
    test.each(objectCases)('$action on $label → $expected', async ({ action, arn, expected }) => {
      await expect(identityDecision(policy, { action, resource: arn })).resolves.toBe(expected);
    });

    // No tier may change the bucket itself.
    test.each(['s3:PutBucketPolicy', 's3:DeleteBucket', 's3:PutBucketAcl', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'])(
      '%s on the bucket is refused',
      async (action) => {
        await expect(identityDecision(policy, { action, resource: BUCKET_ARN })).resolves.toBe('ImplicitlyDenied');
      },
    );
  });

  describe('ListBucket', () => {
    /** By hand: only `full` lists, and only requests whose s3:prefix stays under `web-01/`. */
    const cases: ReadonlyArray<{ label: string; context: Record<string, string>; bucket?: string; full: Decision }> = [
      { label: 's3:prefix = own prefix', context: { 's3:prefix': 'web-01/' }, full: 'Allowed' },
      { label: 's3:prefix nested under own prefix', context: { 's3:prefix': 'web-01/2024/06/' }, full: 'Allowed' },
      { label: 's3:prefix = own prefix, delimiter "/"', context: { 's3:prefix': 'web-01/', 's3:delimiter': '/' }, full: 'Allowed' },
      { label: 's3:prefix = own prefix without "/" (would list web-010/)', context: { 's3:prefix': 'web-01' }, full: 'ImplicitlyDenied' },
      { label: 's3:prefix = sibling web-010/', context: { 's3:prefix': 'web-010/' }, full: 'ImplicitlyDenied' },
      { label: "s3:prefix = another server's prefix", context: { 's3:prefix': 'etl/02/' }, full: 'ImplicitlyDenied' },
      { label: 's3:prefix = "" (whole bucket)', context: { 's3:prefix': '' }, full: 'ImplicitlyDenied' },
      { label: 'no s3:prefix at all', context: {}, full: 'ImplicitlyDenied' },
      { label: 'no prefix, delimiter "/" (would reveal every server name)', context: { 's3:delimiter': '/' }, full: 'ImplicitlyDenied' },
      { label: 'own prefix in another bucket', context: { 's3:prefix': 'web-01/' }, bucket: 'arn:aws:s3:::another-bucket', full: 'ImplicitlyDenied' },
    ];
    const matrix = TIERS.flatMap((tier) =>
      cases.map((c) => ({ tier, ...c, expected: tier === 'full' ? c.full : ('ImplicitlyDenied' as Decision) })),
    );
    test.each(matrix)('$tier: $label → $expected', async ({ tier, context, bucket, expected }) => {
      const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier });
      await expect(identityDecision(policy, { action: 's3:ListBucket', resource: bucket ?? BUCKET_ARN, context })).resolves.toBe(expected);
    });
  });

  test('a nested prefix (etl/02/) is confined the same way', async () => {
    const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: 'etl/02/', tier: 'full' });
    await expect(identityDecision(policy, { action: 's3:GetObject', resource: `${BUCKET_ARN}/etl/02/x` })).resolves.toBe('Allowed');
    await expect(identityDecision(policy, { action: 's3:GetObject', resource: `${BUCKET_ARN}/etl/020/x` })).resolves.toBe('ImplicitlyDenied');
    await expect(identityDecision(policy, { action: 's3:GetObject', resource: `${BUCKET_ARN}/etl/x` })).resolves.toBe('ImplicitlyDenied');
    await expect(identityDecision(policy, { action: 's3:ListBucket', resource: BUCKET_ARN, context: { 's3:prefix': 'etl/' } })).resolves.toBe('ImplicitlyDenied');
  });
});

describe('disabledServerPolicy', () => {
  const policy = disabledServerPolicy();
  test.each([
    ['s3:PutObject', `${BUCKET_ARN}/web-01/app.log`],
    ['s3:GetObject', `${BUCKET_ARN}/web-01/app.log`],
    ['s3:DeleteObject', `${BUCKET_ARN}/web-01/app.log`],
  ])('%s on the own prefix is explicitly denied, whatever else the role holds', async (action, resource) => {
    await expect(identityDecision(policy, { action, resource })).resolves.toBe('ExplicitlyDenied');
    // Even next to the full tier's allow (as if the role still held it), the deny wins.
    const both = { Version: '2012-10-17' as const, Statement: [...s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier: 'full' }).Statement, ...policy.Statement] };
    await expect(identityDecision(both, { action, resource })).resolves.toBe('ExplicitlyDenied');
  });

  test('ListBucket on the own prefix is explicitly denied', async () => {
    await expect(identityDecision(policy, { action: 's3:ListBucket', resource: BUCKET_ARN, context: { 's3:prefix': PREFIX } })).resolves.toBe('ExplicitlyDenied');
  });
});

describe('revoking sessions issued before an instant', () => {
  const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier: 'full', revokeSessionsIssuedBefore: '2026-11-22T18:00:00Z' });
  test.each([
    ['2026-11-22T17:59:59Z', 'ExplicitlyDenied'],
    ['2026-11-22T18:00:01Z', 'Allowed'],
  ])('a session issued at %s → %s', async (issued, expected) => {
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']) {
      await expect(identityDecision(policy, { action, resource: `${BUCKET_ARN}/${PREFIX}app.log`, context: { 'aws:TokenIssueTime': issued } })).resolves.toBe(expected);
    }
    await expect(
      identityDecision(policy, { action: 's3:ListBucket', resource: BUCKET_ARN, context: { 's3:prefix': PREFIX, 'aws:TokenIssueTime': issued } }),
    ).resolves.toBe(expected);
  });
});

describe('a bucket encrypted with a customer-managed KMS key', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222';
  const kmsKey = { arn: KEY_ARN, region: 'eu-west-1' };
  // KMS honours identity policies only where the key policy delegates to the account: AWS's default key policy.
  const keyPolicy = {
    Version: '2012-10-17' as const,
    Statement: [{ Sid: 'EnableIAMPolicies', Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'kms:*', Resource: '*' }],
  };
  test.each(TIERS)('%s may generate data keys and decrypt with the bucket key, through S3 only', async (tier) => {
    const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier, kmsKey });
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      await expect(identityDecision(policy, { action, resource: KEY_ARN, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, keyPolicy)).resolves.toBe('Allowed');
      await expect(identityDecision(policy, { action, resource: KEY_ARN, context: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } }, keyPolicy)).resolves.toBe('ImplicitlyDenied');
      await expect(identityDecision(policy, { action, resource: 'arn:aws:kms:eu-west-1:123456789012:key/other', context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, keyPolicy)).resolves.toBe('ImplicitlyDenied');
    }
    await expect(identityDecision(policy, { action: 'kms:Encrypt', resource: KEY_ARN, context: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, keyPolicy)).resolves.toBe('ImplicitlyDenied');
  });

  test('without a key, the policy grants no KMS action', () => {
    const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier: 'full' });
    expect(JSON.stringify(policy)).not.toContain('kms:');
  });
});

describe('s3AccessPolicy, as a document', () => {
  test.each(TIERS)('%s uses no wildcard action and no Deny, NotAction or NotResource', (tier) => {
    const policy = s3AccessPolicy({ bucketArn: BUCKET_ARN, prefix: PREFIX, tier });
    for (const statement of policy.Statement) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of [statement.Action ?? []].flat()) expect(action).not.toContain('*');
    }
  });

  test('the bucket ARN and prefix are used verbatim, so a Terraform token passes through', () => {
    const token = '${TfToken[TOKEN.7]}';
    const policy = s3AccessPolicy({ bucketArn: token, prefix: 'web-01/', tier: 'full' });
    expect(policy.Statement.map((s) => s.Resource)).toEqual([`${token}/web-01/*`, token]);
  });
});

describe('tierScopes', () => {
  test.each([
    ['write', ['https://rs/write']],
    ['read-write', ['https://rs/write', 'https://rs/read']],
    ['full', ['https://rs/write', 'https://rs/read', 'https://rs/delete', 'https://rs/list']],
  ] as const)('%s → %j', (tier, scopes) => {
    expect(tierScopes('https://rs', tier)).toEqual(scopes);
  });
});

describe('s3AccessPolicyJson (one template per tier, filled in per server)', () => {
  const kmsKey = { arn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', region: 'eu-west-1' };
  const bucketAccount = { accountId: '210987654321', organizationId: 'o-a1b2c3d4e5' };
  const tier = fc.constantFrom<PermissionTier>('write', 'read-write', 'full');
  // Any text, including quotes, backslashes, control characters, non-ASCII and lone surrogates: escaping must match JSON.stringify's.
  const prefix = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('web-01/', 'a"b\\c/', 'é€😀/', '\ud800/', '\n\t/'));

  it('is toJson(s3AccessPolicy(…)) for every prefix, tier and revocation time, with or without a KMS key and a bucket account', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(fc.tuple(prefix, tier, fc.option(fc.constantFrom('2026-01-01T00:00:00Z', '2026-06-30T12:00:00Z'), { nil: undefined })), { maxLength: 8 }), (withKey, withAccount, servers) => {
        const shared = { bucketArn: '${TfToken[TOKEN.42]}', kmsKey: withKey ? kmsKey : undefined, bucketAccount: withAccount ? bucketAccount : undefined };
        const policyOf = s3AccessPolicyJson(shared);
        for (const [p, t, revokeSessionsIssuedBefore] of servers) {
          expect(policyOf({ prefix: p, tier: t, revokeSessionsIssuedBefore })).toBe(toJson(s3AccessPolicy({ ...shared, prefix: p, tier: t, revokeSessionsIssuedBefore })));
        }
      }),
    );
  });
});
