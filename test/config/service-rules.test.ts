// Rules AWS and Auth0 enforce only when the API is called, checked at synth on the final merged
// and derived values: each rule's last valid value passes and its first invalid one fails with
// its message, and the copies-of-an-environment cases of issue 21 fail naming the other one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../config/errors';
import { loadEnvironment } from '../../config/load';
import { environmentConfig, server, synthServers } from '../stacks/servers-fixtures';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const BACKEND = 'bucket = "state-bucket"\nregion = "eu-west-1"\nuse_lockfile = true\n';
const auth0 = { identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: 'tenant.eu.auth0.com' };
const cognito = { identity_provider: 'cognito', aws_region: 'eu-west-1', cognito_domain_prefix: 'acme-dev-m2m' };
const oneServer = { servers: { 'web-01': { s3_path_prefix: 'web-01/' } } };

interface Env {
  foundation: Record<string, unknown>;
  servers?: Record<string, unknown>;
  backend?: string;
}

/** A repository with the given environments; the shared backend.hcl unless an environment has its own. */
function repo(envs: Record<string, Env>, backend = BACKEND): string {
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-rules-'));
  roots.push(root);
  writeFileSync(join(root, 'backend.hcl'), backend);
  for (const [name, env] of Object.entries(envs)) {
    const dir = join(root, 'environments', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'foundation.json'), JSON.stringify(env.foundation));
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(env.servers ?? oneServer));
    if (env.backend) writeFileSync(join(dir, 'backend.hcl'), env.backend);
  }
  return root;
}

async function problems(envs: Record<string, Env>, environment = Object.keys(envs)[0]!, backend?: string): Promise<readonly ConfigProblem[]> {
  try {
    await loadEnvironment({ rootDir: repo(envs, backend), environment });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

const only = (foundation: Record<string, unknown>, servers?: Record<string, unknown>) => ({ dev: { foundation, servers } });

describe('1. one IAM OIDC provider per issuer per account', () => {
  test('a copy of an Auth0 environment on the same tenant and state bucket fails, naming the other environment', async () => {
    const found = await problems({ dev: { foundation: auth0 }, staging: { foundation: auth0 } }, 'staging');
    expect(found).toEqual([
      expect.objectContaining({
        code: 'ENVIRONMENT_CLASH',
        file: 'environments/staging/foundation.json',
        key: 'auth0_domain',
        value: 'tenant.eu.auth0.com',
        rule: expect.stringMatching(/^environment "dev" also creates the IAM OIDC provider for https:\/\/tenant\.eu\.auth0\.com\/ in this account .*EntityAlreadyExists \(environments\/dev\/foundation\.json\)$/),
        fix: expect.stringContaining('existing_oidc_provider_arn'),
      }),
    ]);
  });

  test('reusing the provider (existing_oidc_provider_arn) passes; so do separate tenants or separate state buckets (accounts)', async () => {
    const reuse = { ...auth0, existing_oidc_provider_arn: 'arn:aws:iam::123456789012:oidc-provider/tenant.eu.auth0.com/' };
    expect(await problems({ staging: { foundation: reuse }, dev: { foundation: { ...auth0, additional_oidc_audiences: ['https://s3-uploader.staging.tenant.eu.auth0.com'] } } })).toEqual([]);
    expect(await problems({ staging: { foundation: auth0 }, dev: { foundation: { ...auth0, auth0_domain: 'other.eu.auth0.com' } } })).toEqual([]);
    expect(await problems({ staging: { foundation: auth0 }, dev: { foundation: auth0, backend: 'bucket = "other-account-state"\nregion = "eu-west-1"\n' } })).toEqual([]);
  });

  test('a reused provider must be the tenant\'s', async () => {
    const found = await problems(only({ ...auth0, existing_oidc_provider_arn: 'arn:aws:iam::123456789012:oidc-provider/other.auth0.com/' }));
    expect(found).toEqual([expect.objectContaining({ key: 'existing_oidc_provider_arn', rule: 'must be the provider of this environment\'s tenant, ":oidc-provider/tenant.eu.auth0.com/"' })]);
  });
});

describe('7. values unique across environments', () => {
  test('a copy of dev-cognito that keeps cognito_domain_prefix and bucket_name fails on both, naming dev-cognito', async () => {
    const foundation = { ...cognito, bucket_name: 'acme-uploads' };
    const found = await problems({ 'dev-copy': { foundation }, 'dev-cognito': { foundation } }, 'dev-copy');
    expect(found.map((p) => [p.code, p.key, p.rule.replace(/;.*\(/, ' (')])).toEqual([
      ['ENVIRONMENT_CLASH', 'bucket_name', 'is also environment "dev-cognito"\'s bucket (environments/dev-cognito/foundation.json)'],
      ['ENVIRONMENT_CLASH', 'cognito_domain_prefix', 'is also environment "dev-cognito"\'s hosted domain prefix in eu-west-1 (environments/dev-cognito/foundation.json)'],
    ]);
  });

  test('the same domain prefix in another Region is fine', async () => {
    expect(await problems({ east: { foundation: cognito }, west: { foundation: { ...cognito, aws_region: 'us-east-1' } } })).toEqual([]);
  });

  test('the same Auth0 API identifier twice in one tenant fails (separate accounts, so only the identifier clashes)', async () => {
    const found = await problems({ one: { foundation: { ...auth0, audience: 'https://api.example.com' } }, two: { foundation: { ...auth0, audience: 'https://api.example.com' }, backend: 'bucket = "b-state"\nregion = "eu-west-1"\n' } });
    expect(found).toEqual([expect.objectContaining({ code: 'ENVIRONMENT_CLASH', key: 'audience', rule: expect.stringMatching(/^is also environment "two"'s API identifier in tenant tenant\.eu\.auth0\.com; Auth0 API identifiers are unique per tenant/) })]);
  });
});

describe('3-5. tags, after merging', () => {
  test.each([
    ['R and D core 42', undefined],
    ['R&D (core), #42', 'tag values may hold only letters, digits, spaces and _ . : / = + - @ (IAM tag rules)'],
    ['Ünïcødé: a/b=c+d-e@f', undefined],
  ])('server tag value %j', async (value, rule) => {
    const found = await problems(only(auth0, { servers: { 'web-01': { s3_path_prefix: 'web-01/', tags: { CostCenter: value } } } }));
    expect(found).toEqual(rule ? [expect.objectContaining({ key: 'servers["web-01"].tags.CostCenter', value, rule })] : []);
  });

  test('a tag key with a character IAM refuses', async () => {
    expect(await problems(only({ ...auth0, tags: { 'Cost#Center': 'x' } }))).toEqual([
      expect.objectContaining({ key: 'tags["Cost#Center"]', rule: 'tag keys may hold only letters, digits, spaces and _ . : / = + - @ (IAM tag rules)' }),
    ]);
  });

  test('keys that differ only in case, also from the derived Environment tag', async () => {
    const found = await problems(only(auth0, { ...oneServer, common_tags: { environment: 'dev' } }));
    expect(found).toEqual([
      expect.objectContaining({ file: 'environments/dev/servers.json', key: 'common_tags', rule: 'tag keys "Environment" and "environment" differ only in case; IAM treats them as the same key and refuses the pair' }),
    ]);
    expect(await problems(only(auth0, { ...oneServer, common_tags: { Env: 'dev' } }))).toEqual([]);
  });

  const manyTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`T${i}`, 'x']));
  test('50 tags on a role (45 common + 1 own + Environment, Project, ManagedBy, Server) pass; 51 fail', async () => {
    const servers = (common: number) => ({ servers: { 'web-01': { s3_path_prefix: 'web-01/', tags: { Own: 'x' } } }, common_tags: manyTags(common) });
    expect(await problems(only(auth0, servers(45)))).toEqual([]);
    expect(await problems(only(auth0, servers(46)))).toEqual([
      expect.objectContaining({ key: 'servers["web-01"].tags', rule: '51 tags on one resource after merging; AWS allows at most 50' }),
    ]);
  });
});

describe('single values', () => {
  test.each([
    ['2. audience of 255 characters', { ...auth0, audience: `https://${'a'.repeat(247)}` }, undefined, undefined],
    ['2. audience of 256 characters', { ...auth0, audience: `https://${'a'.repeat(248)}` }, 'audience', 'must be at most 255 characters (IAM OIDC provider client ids), not 256'],
    ['6. identifier of 249 characters', { ...cognito, resource_server_identifier: 'a'.repeat(249) }, undefined, undefined],
    ['6. identifier of 250 characters', { ...cognito, resource_server_identifier: 'a'.repeat(250) }, 'resource_server_identifier', 'must be at most 249 characters, not 250: the scope "<identifier>/delete" must fit Cognito\'s 256-character scope limit'],
    ['8. a KMS key in the bucket\'s Region', { ...auth0, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, undefined, undefined],
    ['8. a KMS key in another Region', { ...auth0, kms_key_arn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, 'kms_key_arn', expect.stringMatching(/^is a key in us-east-1, but the bucket \(aws_region\) is in eu-west-1/)],
    ['8. a KMS key in another partition', { ...auth0, kms_key_arn: 'arn:aws-cn:kms:eu-west-1:123456789012:key/1234abcd' }, 'kms_key_arn', 'is in partition "aws-cn", but eu-west-1 belongs to "aws"'],
    ['9. an alias ARN', { ...auth0, kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:alias/uploads' }, 'kms_key_arn', expect.stringMatching(/^must be the ARN of the key itself, not an alias: policies granting on an alias ARN grant nothing/)],
  ])('%s', async (_name, foundation, key, rule) => {
    const found = await problems(only(foundation));
    expect(found).toEqual(key ? [expect.objectContaining({ file: 'environments/dev/foundation.json', key, rule })] : []);
  });

  test('the session-duration message calls 900 s the shortest role session, not an IAM limit', async () => {
    const found = await problems(only(auth0, { servers: { 'web-01': { s3_path_prefix: 'web-01/', max_session_duration: 899 } } }));
    expect(found).toEqual([expect.objectContaining({ rule: 'must be a whole number of seconds from 900 (the shortest role session STS issues) to 43200 (the longest a role allows)' })]);
  });
});

describe('10-11. backend.hcl, with the same rules, named in the messages', () => {
  test.each([
    ['a valid state bucket and lock table', 'bucket = "acme-tf-state"\nregion = "eu-west-1"\ndynamodb_table = "tf-locks.dev_1"\n', undefined, undefined],
    ['a bad state bucket name', 'bucket = "Acme_TF_State"\nregion = "eu-west-1"\n', 'bucket', 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit (S3 bucket naming rules)'],
    ['an invalid lock table name', 'bucket = "acme-tf-state"\nregion = "eu-west-1"\ndynamodb_table = "tf locks/dev"\n', 'dynamodb_table', 'must be 3-255 characters of a-z, A-Z, 0-9, "_", "-" and "." (DynamoDB table names)'],
    ['a state key in another Region', 'bucket = "acme-tf-state"\nregion = "eu-west-1"\nkms_key_id = "arn:aws:kms:us-east-2:123456789012:key/abcd"\n', 'kms_key_id', expect.stringMatching(/^is a key in us-east-2, but the state bucket \(region\) is in eu-west-1/)],
  ])('%s', async (_name, backend, key, rule) => {
    const found = await problems(only(auth0), 'dev', backend);
    expect(found).toEqual(key ? [expect.objectContaining({ file: 'backend.hcl', key, rule })] : []);
  });

  test('a duplicated backend.hcl setting names both lines', async () => {
    const found = await problems(only(auth0), 'dev', 'bucket = "acme-tf-state"\nregion = "eu-west-1"\nbucket = "other"\n');
    expect(found).toEqual([expect.objectContaining({ code: 'DUPLICATE_KEY', file: 'backend.hcl', line: 3, key: 'bucket', rule: 'is given twice (lines 1, 3); each setting may be set only once' })]);
  });
});

describe('the Auth0 OIDC provider shared between environments (the servers stack owns it in direct mode)', () => {
  const synth = (overrides: Parameters<typeof environmentConfig>[2]) =>
    synthServers(environmentConfig('auth0', [server('web-01', 'web-01/', 'write')], { audience: 'https://s3-uploader.staging.tenant.eu.auth0.com', ...overrides }));

  test('reusing: no provider is created, and the roles trust the given ARN', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/tenant.eu.auth0.com/';
    const json = synth({ existingOidcProviderArn: arn });
    expect(json.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(JSON.parse(json.resource.aws_iam_role.server.assume_role_policy).Statement[0].Principal).toEqual({ Federated: arn });
    expect(json.output.oidc_provider_arn.value).toBe(arn);
  });

  test("owning: the other environments' audiences are client ids too, before the servers' client ids", () => {
    const json = synth({ additionalOidcAudiences: ['https://s3-uploader.dev.tenant.eu.auth0.com'] });
    expect(json.resource.aws_iam_openid_connect_provider.tenant.client_id_list).toContain(
      'concat([data.terraform_remote_state.foundation.outputs.audience, "https://s3-uploader.dev.tenant.eu.auth0.com"], [ for key, val in',
    );
  });
});
