// foundation.json `bucket_account` (the bucket in another account of the organization) and the
// servers.json rules that depend on foundation.json: validated like every key, each problem
// naming file, key, value and rule.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../config/errors';
import { loadEnvironment } from '../../config/load';

const BUCKET_ACCOUNT = { account_id: '222233334444', deploy_role_arn: 'arn:aws:iam::222233334444:role/oidc-s3-bucket-deployer', organization_id: 'o-abc123def4' };
const cognito = { identity_provider: 'cognito', aws_region: 'eu-west-1', cognito_domain_prefix: 'oidc-s3-test-m2m', bucket_account: BUCKET_ACCOUNT };
const auth0 = { identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: 'tenant.eu.auth0.com' };
const servers = { servers: { 'web-01': { s3_path_prefix: 'web-01/', s3_permissions: 'write' } } };

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function load(foundation: unknown, serversFile: unknown = servers) {
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-bucket-account-'));
  roots.push(root);
  mkdirSync(join(root, 'environments', 'dev'), { recursive: true });
  writeFileSync(join(root, 'environments', 'dev', 'foundation.json'), JSON.stringify(foundation));
  writeFileSync(join(root, 'environments', 'dev', 'servers.json'), JSON.stringify(serversFile));
  writeFileSync(join(root, 'backend.hcl'), 'bucket = "state-bucket"\nregion = "eu-west-1"\nuse_lockfile = true\n');
  return loadEnvironment({ rootDir: root, environment: 'dev' });
}

async function problems(foundation: unknown, serversFile?: unknown): Promise<{ error: ConfigError; problems: readonly ConfigProblem[] }> {
  const error = await load(foundation, serversFile).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  expect(error.code).toBe('CONFIG_INVALID');
  return { error, problems: error.problems };
}

describe('bucket_account', () => {
  test('loads into bucketAccount; absent, the key does not exist at all', async () => {
    const config = await load(cognito);
    expect(config.foundation.bucketAccount).toEqual({ accountId: '222233334444', deployRoleArn: BUCKET_ACCOUNT.deploy_role_arn, organizationId: 'o-abc123def4' });
    const { bucket_account: _omitted, ...single } = cognito;
    expect('bucketAccount' in (await load(single)).foundation).toBe(false);
  });

  test.each([
    ['an 11-digit account', { ...BUCKET_ACCOUNT, account_id: '22223333444' }, 'bucket_account.account_id', '22223333444', /must be a 12-digit AWS account id/],
    ['an account as a number', { ...BUCKET_ACCOUNT, account_id: 222233334444 }, 'bucket_account.account_id', 222233334444, /must be a string of 12 digits/],
    ['an organization id without o-', { ...BUCKET_ACCOUNT, organization_id: 'abc123def4' }, 'bucket_account.organization_id', 'abc123def4', /must be an AWS Organizations id: "o-" and 10-32 lowercase/],
    ['an organization id too short', { ...BUCKET_ACCOUNT, organization_id: 'o-abc' }, 'bucket_account.organization_id', 'o-abc', /must be an AWS Organizations id/],
    ['a deploy role that is not a role ARN', { ...BUCKET_ACCOUNT, deploy_role_arn: 'arn:aws:iam::222233334444:user/deployer' }, 'bucket_account.deploy_role_arn', 'arn:aws:iam::222233334444:user/deployer', /must be an IAM role ARN/],
    ['a deploy role in another account', { ...BUCKET_ACCOUNT, deploy_role_arn: 'arn:aws:iam::111122223333:role/deployer' }, 'bucket_account.deploy_role_arn', 'arn:aws:iam::111122223333:role/deployer', /must be a role in the bucket account 222233334444 \(this ARN names account 111122223333\)/],
    ['a missing organization id', { account_id: '222233334444', deploy_role_arn: BUCKET_ACCOUNT.deploy_role_arn }, 'bucket_account.organization_id', undefined, /is required: the organization both accounts belong to/],
    ['an unknown key', { ...BUCKET_ACCOUNT, external_id: 'x' }, 'bucket_account.external_id', 'x', /./],
  ])('refuses %s', async (_label, bucketAccount, key, value, rule) => {
    const { error, problems: found } = await problems({ ...cognito, bucket_account: bucketAccount });
    const problem = found.find((p) => p.key === key);
    expect(problem).toMatchObject({ file: 'environments/dev/foundation.json', value });
    expect(problem!.rule).toMatch(rule);
    expect(error.message).toContain(`environments/dev/foundation.json: ${key} = `);
  });

  test('refuses a KMS key outside the bucket account', async () => {
    const kms = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { problems: found } = await problems({ ...cognito, kms_key_arn: kms });
    expect(found).toEqual([
      { file: 'environments/dev/foundation.json', key: 'kms_key_arn', value: kms, rule: expect.stringMatching(/^must be a key in the bucket account 222233334444 \(this ARN names account 111122223333\)/) },
    ]);
  });

  test('refuses a prefix longer than a role tag value holds, only with bucket_account', async () => {
    const long = `${'a'.repeat(300)}/`;
    const file = { servers: { 'web-01': { s3_path_prefix: long } } };
    const { problems: found } = await problems(cognito, file);
    expect(found).toEqual([{ file: 'environments/dev/servers.json', key: 'servers["web-01"].s3_path_prefix', value: long, rule: expect.stringMatching(/^must be at most 256 characters with bucket_account set/) }]);
    const { bucket_account: _omitted, ...single } = cognito;
    await expect(load(single, file)).resolves.toBeDefined();
  });
});

describe('max_session_duration below 3600 s (security review #7)', () => {
  const short = { servers: { 'web-01': { s3_path_prefix: 'web-01/', max_session_duration: 1800 } } };

  test('is refused for Auth0, where the host asks STS itself and nothing could enforce it', async () => {
    const { error, problems: found } = await problems(auth0, short);
    expect(found).toEqual([
      {
        file: 'environments/dev/servers.json',
        key: 'servers["web-01"].max_session_duration',
        value: 1800,
        rule: expect.stringMatching(/^must be at least 3600 seconds with identity_provider "auth0": the host asks STS for its session itself, IAM cannot set a role's maximum below 3600 s/),
      },
    ]);
    expect(error.message).toContain('environments/dev/servers.json: servers["web-01"].max_session_duration = 1800: must be at least 3600 seconds');
  });

  test('is accepted for Cognito, where the vending Lambda caps the session it asks for', async () => {
    const { bucket_account: _omitted, ...single } = cognito;
    const config = await load(single, short);
    expect(config.servers.servers[0]?.maxSessionDuration).toBe(1800);
  });

  test('is reported with the other files\' problems even when foundation.json has others', async () => {
    const { problems: found } = await problems({ ...auth0, aws_region: 'nowhere' }, short);
    expect(found.map((p) => p.key).sort()).toEqual(['aws_region', 'servers["web-01"].max_session_duration']);
  });
});
