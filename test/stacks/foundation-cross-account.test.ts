// foundation.json `bucket_account`: the bucket and everything on it is created in the bucket's
// account through the aliased provider; identity and vending stay with the default provider;
// the bucket policy is the cross-account one, with IAM policy variables escaped for Terraform.
import type { BucketAccount, IdentityProvider } from '../../config/types';
import { FoundationStack } from '../../stacks/foundation';
import { allStrings, synthApp, type SynthesizedApp, type TerraformJson } from '../support/synth';
import { environmentConfig } from './foundation-fixtures';

const BUCKET_ACCOUNT: BucketAccount = { accountId: '222233334444', deployRoleArn: 'arn:aws:iam::222233334444:role/oidc-s3-bucket-deployer', organizationId: 'o-abc123def4' };
const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BUCKET_TYPES = [
  'aws_s3_bucket',
  'aws_s3_bucket_versioning',
  'aws_s3_bucket_lifecycle_configuration',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_policy',
];
const IDPS: readonly IdentityProvider[] = ['auth0', 'cognito'];

const apps = new Map<string, SynthesizedApp>();
function foundation(identityProvider: IdentityProvider, options: { bucketAccount?: BucketAccount; kmsKeyArn?: string } = {}): TerraformJson {
  const key = `${identityProvider}-${options.bucketAccount ? 'x' : '1'}-${options.kmsKeyArn ? 'kms' : ''}`;
  if (!apps.has(key)) {
    const config = environmentConfig({ environment: 'prod', identityProvider, foundation: options });
    apps.set(key, synthApp((app) => new FoundationStack(app, 'foundation', { config })));
  }
  return apps.get(key)!.stack('foundation');
}
afterAll(() => apps.forEach((app) => app.cleanup()));

describe.each(IDPS)('%s foundation with bucket_account', (identityProvider) => {
  const json = () => foundation(identityProvider, { bucketAccount: BUCKET_ACCOUNT });

  test('an aliased AWS provider assumes the deploy role and may act only in the bucket account', () => {
    const providers = json().provider.aws as TerraformJson[];
    expect(providers).toHaveLength(2);
    const [defaultProvider, bucketProvider] = providers;
    expect(defaultProvider.alias).toBeUndefined();
    expect(defaultProvider.assume_role).toBeUndefined();
    expect(bucketProvider).toMatchObject({
      alias: 'bucket_account',
      region: 'eu-west-1',
      allowed_account_ids: ['222233334444'],
      assume_role: [{ role_arn: BUCKET_ACCOUNT.deployRoleArn, session_name: 'oidc-s3-prod-deploy' }],
      default_tags: defaultProvider.default_tags,
    });
  });

  test('the bucket and all its settings use that provider; nothing else does', () => {
    const resources = json().resource as Record<string, Record<string, TerraformJson>>;
    for (const type of BUCKET_TYPES) {
      const blocks = Object.values(resources[type] ?? {});
      expect(blocks).toHaveLength(1);
      expect(blocks[0]!.provider).toBe('aws.bucket_account');
    }
    for (const [type, blocks] of Object.entries(resources)) {
      if (BUCKET_TYPES.includes(type)) continue;
      // The default AWS provider (no reference), or Auth0's for its resources.
      for (const block of Object.values(blocks)) expect([undefined, 'auth0']).toContain(block.provider);
    }
    for (const blocks of Object.values((json().data ?? {}) as Record<string, Record<string, TerraformJson>>)) {
      for (const block of Object.values(blocks)) expect(block.provider).toBeUndefined();
    }
  });

  test('the bucket policy grants the deploying account\'s server roles by path and tags, with IAM variables escaped', () => {
    const policyJson: string = Object.values(json().resource.aws_s3_bucket_policy as Record<string, TerraformJson>)[0]!.policy;
    // Terraform reads `$${` as a literal `${`: IAM gets the policy variable.
    expect(policyJson).toContain('"Resource":"${aws_s3_bucket.uploads_bucket_');
    expect(policyJson).toContain('/$${aws:PrincipalTag/S3PathPrefix}*"');
    expect(policyJson).not.toMatch(/[^$]\$\{aws:/);
    const policy = JSON.parse(policyJson.replace(/\$\$\{/g, '${')) as { Statement: TerraformJson[] };
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual([
      'DenyInsecureTransport',
      'DenyWritesWithCustomerKeys',
      'DenyOutsideOrganization',
      'ServerRolesPutObjectAbortMultipartUpload',
      'ServerRolesGetObject',
      'ServerRolesDeleteObject',
      'ServerRolesListOwnPrefix',
    ]);
    const [callerData] = Object.keys(json().data.aws_caller_identity as Record<string, unknown>).filter((id) => id.includes('deploying'));
    const account = `\${data.aws_caller_identity.${callerData}.account_id}`;
    expect(policy.Statement[3]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4', 'aws:PrincipalAccount': account, 'aws:PrincipalTag/S3Permissions': ['write', 'read-write', 'full'] },
        ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${account}:role/oidc-s3-prod/oidc-s3-prod-*` },
      },
    });
  });

  test('outputs name the bucket account and the organization for the servers stack', () => {
    expect(json().output.bucket_account_id.value).toBe('222233334444');
    expect(json().output.organization_id.value).toBe('o-abc123def4');
    expect(json().output.kms_key_policy_statement).toBeUndefined();
  });

  test('with a KMS key: the key policy statement is an output, and the bucket policy enforces the key', () => {
    const withKey = foundation(identityProvider, { bucketAccount: BUCKET_ACCOUNT, kmsKeyArn: KMS_KEY_ARN });
    const statement = JSON.parse(withKey.output.kms_key_policy_statement.value) as TerraformJson;
    expect(statement).toMatchObject({ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' });
    expect(statement.Condition.StringEquals['kms:ViaService']).toBe('s3.eu-west-1.amazonaws.com');
    const policy = Object.values(withKey.resource.aws_s3_bucket_policy as Record<string, TerraformJson>)[0]!.policy as string;
    expect(policy).toContain('"Sid":"DenyWritesWithAnotherKmsKey"');
    expect(policy).toContain(KMS_KEY_ARN);
  });
});

describe('the bucket policy at 5,000 servers', () => {
  test('is the same document as with none, and far under S3\'s 20 KB limit (with a KMS key too)', () => {
    const servers = Array.from({ length: 5000 }, (_, i) => ({
      name: `host-${String(i).padStart(4, '0')}`,
      s3PathPrefix: `hosts/${String(i).padStart(4, '0')}/`,
      s3Permissions: (['write', 'read-write', 'full'] as const)[i % 3],
      maxSessionDuration: 3600,
      enabled: true,
      agentTools: false,
      tags: {},
    }));
    const policyOf = (count: number) => {
      const base = environmentConfig({ environment: 'prod', identityProvider: 'auth0', foundation: { bucketAccount: BUCKET_ACCOUNT, kmsKeyArn: KMS_KEY_ARN } });
      const config = { ...base, servers: { ...base.servers, servers: servers.slice(0, count) } };
      const app = synthApp((a) => new FoundationStack(a, 'foundation', { config }));
      try {
        return Object.values(app.stack('foundation').resource.aws_s3_bucket_policy as Record<string, TerraformJson>)[0]!.policy as string;
      } finally {
        app.cleanup();
      }
    };
    const atFiveThousand = policyOf(5000);
    expect(atFiveThousand).toBe(policyOf(0));
    // The size IAM sees: Terraform's escape removed, the bucket ARN at its longest (63-character name).
    const deployed = atFiveThousand.replace(/\$\$\{/g, '${').replace(/\$\{aws_s3_bucket\.[^}]+\.arn\}/g, `arn:aws:s3:::${'b'.repeat(63)}`).replace(/\$\{data\.[^}]+\}/g, '111122223333');
    const bytes = Buffer.byteLength(deployed);
    process.stdout.write(`[cross-account] bucket policy at 5,000 servers: ${bytes} bytes\n`);
    expect(bytes).toBeLessThan(20 * 1024);
  });
});

describe.each(IDPS)('%s foundation without bucket_account', (identityProvider) => {
  test('one unaliased provider, no provider references, no cross-account outputs or tag grants', () => {
    const json = foundation(identityProvider);
    expect(json.provider.aws).toHaveLength(1);
    expect(json.provider.aws[0].alias).toBeUndefined();
    for (const blocks of Object.values(json.resource as Record<string, Record<string, TerraformJson>>)) {
      for (const block of Object.values(blocks)) expect([undefined, 'auth0']).toContain(block.provider);
    }
    for (const name of ['bucket_account_id', 'organization_id', 'kms_key_policy_statement']) expect(json.output[name]).toBeUndefined();
    expect(allStrings(json).some((value) => /PrincipalTag|PrincipalOrgID|deploying-account|bucket_account/.test(value))).toBe(false);
    expect(Object.keys(json.data?.aws_caller_identity ?? {}).some((id) => id.includes('deploying'))).toBe(false);
  });
});
