// The synth-time quota check: 2,000 servers fail on AWS's default quotas and pass with the
// account's raised quotas in foundation.json; 80 % warns; policy sizes are measured on the
// documents the constructs build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../config/errors';
import { loadCheckedEnvironment } from '../../stacks/checked-environment';
import { checkQuotas, serverPolicySizes } from '../../stacks/quotas';
import { environmentConfig, server } from './servers-fixtures';

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function repo(foundation: Record<string, unknown>, serverCount: number, shards?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-quotas-'));
  roots.push(root);
  mkdirSync(join(root, 'environments', 'dev'), { recursive: true });
  writeFileSync(join(root, 'environments/dev/foundation.json'), JSON.stringify({ identity_provider: 'cognito', aws_region: 'eu-west-1', cognito_domain_prefix: 'oidc-s3-dev-m2m', ...foundation }));
  const servers = Object.fromEntries(Array.from({ length: serverCount }, (_, i) => [`host-${i}`, { s3_path_prefix: `hosts/${i}/` }]));
  writeFileSync(join(root, 'environments/dev/servers.json'), JSON.stringify({ servers, ...(shards === undefined ? {} : { shards }) }));
  writeFileSync(join(root, 'backend.hcl'), 'bucket = "state-bucket"\nregion = "eu-west-1"\n');
  return root;
}

async function load(foundation: Record<string, unknown>, serverCount: number, shards?: number): Promise<{ error?: ConfigError; warnings: string[] }> {
  const warnings: string[] = [];
  try {
    await loadCheckedEnvironment(repo(foundation, serverCount, shards), 'dev', (text) => warnings.push(text));
    return { warnings };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { error, warnings };
  }
}

test('2,000 Cognito servers on default quotas: roles and app clients over, named with figure, quota and how to raise it', async () => {
  const { error } = await load({}, 2000);
  expect(error!.code).toBe('CONFIG_INVALID');
  expect(error!.problems).toEqual([
    expect.objectContaining({
      code: 'QUOTA_EXCEEDED',
      file: 'environments/dev/servers.json',
      key: 'servers',
      value: 2001,
      rule: expect.stringMatching(/^2000 servers need 2001 roles: 2001 IAM roles in the account, over the quota of 1000 \(quotas\.iam_roles_per_account; AWS\/Auth0 default 1000, source: https:\/\/docs\.aws\.amazon\.com\/IAM\//),
      fix: expect.stringMatching(/Service Quotas console.*quotas\.iam_roles_per_account/),
    }),
    expect.objectContaining({ code: 'QUOTA_EXCEEDED', key: 'servers', value: 2000, rule: expect.stringMatching(/app clients in the Cognito user pool, over the quota of 1000/) }),
  ]);
  expect(error!.message).toContain('see docs/CONFIGURATION.md#quotas');
});

test('2,000 servers pass with the account\'s raised quotas (in 20 shards, so without a SLOW_PLAN warning either)', async () => {
  const { error, warnings } = await load({ quotas: { iam_roles_per_account: 5000, cognito_app_clients_per_user_pool: 3000 } }, 2000, 20);
  expect(error).toBeUndefined();
  expect(warnings).toEqual([]);
});

test('from 80 % a warning, which does not stop synth', async () => {
  const { error, warnings } = await load({ quotas: { iam_roles_per_account: 10, cognito_app_clients_per_user_pool: 100 } }, 7);
  expect(error).toBeUndefined();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('Configuration warnings (1 problem):');
  expect(warnings[0]).toContain('environments/dev/servers.json: servers = 8: 7 servers need 8 roles: 8 IAM roles in the account, 80 % of the quota of 10 (quotas.iam_roles_per_account) [QUOTA_NEAR]');
});

test('79 % is quiet; the quota itself passes, one more fails', () => {
  const quotasWith = (roles: number) => environmentConfig('auth0', Array.from({ length: 79 }, (_, i) => server(`h-${i}`, `h/${i}/`, 'write')), { quotas: { ...defaults(), iamRolesPerAccount: roles, auth0ClientsPerTenant: 1000 } });
  expect(checkQuotas(quotasWith(100))).toEqual([]);
  expect(checkQuotas(quotasWith(79)).map((p) => p.code)).toEqual(['QUOTA_NEAR']);
  expect(checkQuotas(quotasWith(78)).map((p) => p.code)).toEqual(['QUOTA_EXCEEDED']);
});

test('every role the environment deploys counts: the vending Lambda for Auth0 vending too, and the agent gateway three', () => {
  const servers = Array.from({ length: 10 }, (_, i) => server(`h-${i}`, `h/${i}/`, 'write'));
  const roleProblem = (identityProvider: 'auth0' | 'cognito', overrides: Record<string, unknown>) =>
    checkQuotas(environmentConfig(identityProvider, servers, { quotas: { ...defaults(), iamRolesPerAccount: 10 }, ...overrides })).find((p) => p.key === 'servers')?.rule;
  expect(roleProblem('auth0', { auth0Exchange: 'direct' })).toMatch(/^10 servers need 10 roles: 10 IAM roles in the account, 100 % of the quota of 10/);
  expect(roleProblem('auth0', { auth0Exchange: 'vending' })).toMatch(/^10 servers need 11 roles: 11 IAM roles in the account, over the quota of 10/);
  expect(roleProblem('cognito', {})).toMatch(/^10 servers need 11 roles/);
  expect(roleProblem('cognito', { agentGateway: true })).toMatch(/^10 servers need 14 roles/);
});

function defaults() {
  return { iamRolesPerAccount: 1000, cognitoAppClientsPerUserPool: 1000, auth0ClientsPerTenant: 100, roleTrustPolicyCharacters: 2048, roleInlinePolicyCharacters: 10240, managedPolicyCharacters: 6144 };
}

test('Auth0 applications per tenant: 101 servers on the default of 100', () => {
  const config = environmentConfig('auth0', Array.from({ length: 101 }, (_, i) => server(`h-${i}`, `h/${i}/`, 'write')));
  const problems: ConfigProblem[] = checkQuotas(config);
  expect(problems).toEqual([expect.objectContaining({ code: 'QUOTA_EXCEEDED', value: 101, rule: expect.stringMatching(/101 servers need 101 Auth0 applications: 101 applications in the Auth0 tenant, over the quota of 100/) })]);
});

test('policy sizes are measured on the built documents: a trust policy over a lowered quota names the server', () => {
  const config = environmentConfig('auth0', [server('web-01', 'web-01/', 'full')]);
  const sizes = serverPolicySizes(config, config.servers.servers[0]!);
  expect(sizes.trust).toBeGreaterThan(250);
  expect(sizes.trust).toBeLessThan(2048 * 0.8);
  expect(sizes.inline).toBeGreaterThan(300);
  const lowered = environmentConfig('auth0', [server('web-01', 'web-01/', 'full')], { quotas: { ...defaults(), roleTrustPolicyCharacters: sizes.trust - 1, roleInlinePolicyCharacters: sizes.inline } });
  expect(checkQuotas(lowered)).toEqual([
    expect.objectContaining({ code: 'QUOTA_EXCEEDED', key: 'servers["web-01"]', value: sizes.trust, rule: expect.stringMatching(/^the role's trust policy: \d+ characters of a role trust policy, over the quota of \d+/) }),
    expect.objectContaining({ code: 'QUOTA_NEAR', key: 'servers["web-01"]', value: sizes.inline, rule: expect.stringMatching(/^the role's inline policy: \d+ characters of a role's inline policies together, 100 % of the quota/) }),
  ]);
});

test('a quota that is not a whole number is a configuration problem like any other', async () => {
  const { error } = await load({ quotas: { iam_roles_per_account: 'many', cognito_app_client_per_user_pool: 3 } }, 1);
  expect(error!.problems).toEqual([
    expect.objectContaining({ file: 'environments/dev/foundation.json', key: 'quotas.iam_roles_per_account', value: 'many', rule: 'must be a whole number' }),
    expect.objectContaining({ code: 'UNKNOWN_KEY', key: 'quotas.cognito_app_client_per_user_pool', rule: expect.stringMatching(/did you mean "cognito_app_clients_per_user_pool"/) }),
  ]);
});
