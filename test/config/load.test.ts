import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../config/errors';
import { loadEnvironment } from '../../config/load';

const repoRoot = join(__dirname, '../..');

const auth0Foundation = {
  identity_provider: 'auth0',
  aws_region: 'eu-west-1',
  auth0_domain: 'tenant.eu.auth0.com',
  bucket_versioning: false,
  object_expiration_days: 10,
};
const threeServers = {
  servers: {
    'web-01': { s3_path_prefix: 'web-01/', s3_permissions: 'write' },
    'etl-02': { s3_path_prefix: 'etl/02/', s3_permissions: 'full', max_session_duration: 7200 },
    'backup-03': { s3_path_prefix: 'backups/', s3_permissions: 'read-write' },
  },
  common_tags: { Project: 'oidc-s3-uploader' },
};
const goodBackend = 'bucket = "state-bucket"\nregion = "eu-west-1"\nencrypt = true\nuse_lockfile = true\n';

interface Fixture {
  foundation?: unknown;
  servers?: unknown;
  backend?: string | null;
  environment?: string;
  /** Raw text instead of JSON for foundation.json. */
  foundationText?: string;
}

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function writeRepo({ foundation = auth0Foundation, servers = threeServers, backend = goodBackend, environment = 'dev', foundationText }: Fixture): string {
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-config-'));
  roots.push(root);
  const dir = join(root, 'environments', environment);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'foundation.json'), foundationText ?? JSON.stringify(foundation));
  writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
  if (backend !== null) writeFileSync(join(root, 'backend.hcl'), backend);
  return root;
}

async function problemsOf(fixture: Fixture): Promise<{ error: ConfigError; problems: readonly ConfigProblem[] }> {
  const rootDir = writeRepo(fixture);
  const error = await loadEnvironment({ rootDir, environment: fixture.environment ?? 'dev' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return { error, problems: error.problems };
}

/** The one problem reported for `key`, with its file and value checked. */
async function expectProblem(fixture: Fixture, file: string, key: string, value: unknown, rule: RegExp): Promise<ConfigError> {
  const { error, problems } = await problemsOf(fixture);
  expect(error.code).toBe('CONFIG_INVALID');
  const problem = problems.find((p) => p.key === key);
  expect(problem).toBeDefined();
  expect(problem).toMatchObject({ file: `environments/dev/${file}`, value });
  expect(problem!.rule).toMatch(rule);
  // The message an operator reads names the file, the key and the value.
  expect(error.message).toContain(`environments/dev/${file}: ${key} = ${value === undefined ? '(not set)' : JSON.stringify(value)}: `);
  return error;
}

describe('the shipped environments', () => {
  it.each(['dev', 'prod', 'dev-cognito', 'prod-cognito'])('%s loads with every default filled in', async (environment) => {
    const config = await loadEnvironment({ rootDir: repoRoot, environment });
    expect(config.environment).toBe(environment);
    expect(config.backend).toMatchObject({ bucket: expect.any(String), region: expect.stringMatching(/^[a-z]+-[a-z]+-\d$/), encrypt: true });
    expect(config.servers.servers.length).toBeGreaterThan(0);
    expect(config.foundation.bucketName).toBe(`oidc-s3-${environment}-uploads`);
  });

  it('dev keeps objects 10 days without versioning; prod versions and never expires current objects', async () => {
    const dev = await loadEnvironment({ rootDir: repoRoot, environment: 'dev' });
    const prod = await loadEnvironment({ rootDir: repoRoot, environment: 'prod' });
    expect(dev.foundation).toMatchObject({ bucketVersioning: false, objectExpirationDays: 10 });
    expect(prod.foundation.bucketVersioning).toBe(true);
    expect(prod.foundation.objectExpirationDays).toBeUndefined();
  });

  it('ships both identity providers', async () => {
    const providers = await Promise.all(
      ['dev', 'dev-cognito'].map(async (environment) => (await loadEnvironment({ rootDir: repoRoot, environment })).foundation.identityProvider),
    );
    expect(providers).toEqual(['auth0', 'cognito']);
  });
});

describe('defaults', () => {
  it('fills in project name, bucket, audience, lifetimes, tiers and durations', async () => {
    const config = await loadEnvironment({ rootDir: writeRepo({}), environment: 'dev' });
    expect(config.foundation).toMatchObject({
      projectName: 'oidc-s3',
      bucketName: 'oidc-s3-dev-uploads',
      audience: 'https://s3-uploader.dev.tenant.eu.auth0.com',
      tokenLifetimeSeconds: 86400,
      abortIncompleteMultipartUploadDays: 3,
      logRetentionDays: 30,
      deletionProtection: true,
    });
    const web = config.servers.servers.find((s) => s.name === 'web-01');
    expect(web).toEqual({ name: 'web-01', s3PathPrefix: 'web-01/', s3Permissions: 'write', maxSessionDuration: 3600, enabled: true, agentTools: false, tags: {} });
  });

  it('gives Cognito a one-hour token and a resource server named after the environment', async () => {
    const config = await loadEnvironment({
      rootDir: writeRepo({ foundation: { identity_provider: 'cognito', aws_region: 'us-east-2' } }),
      environment: 'dev',
    });
    expect(config.foundation).toMatchObject({
      tokenLifetimeSeconds: 3600,
      cognitoDomainPrefix: 'oidc-s3-dev',
      resourceServerIdentifier: 'https://s3-uploader.oidc-s3-dev',
    });
    expect(config.foundation).not.toHaveProperty('audience');
  });

  it('leaves a server without s3_permissions at the least privilege, write', async () => {
    const config = await loadEnvironment({
      rootDir: writeRepo({ servers: { servers: { 'a-1': { s3_path_prefix: 'a/' } } } }),
      environment: 'dev',
    });
    expect(config.servers.servers[0]!.s3Permissions).toBe('write');
  });
});

describe('configuration mistakes stop synth, naming file, key and value', () => {
  it('an unknown ENVIRONMENT lists the known ones', async () => {
    const error = await loadEnvironment({ rootDir: repoRoot, environment: 'staging' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('UNKNOWN_ENVIRONMENT');
    expect((error as ConfigError).message).toMatch(/ENVIRONMENT = "staging": names no environment; known: agents-auth0, agents-cognito, dev, dev-cognito, prod, prod-cognito/);
  });

  it('an unknown identity provider', () =>
    expectProblem({ foundation: { ...auth0Foundation, identity_provider: 'okta' } }, 'foundation.json', 'identity_provider', 'okta', /must be "auth0" or "cognito"/));

  it('auth0 without auth0_domain', async () => {
    const { auth0_domain: _omitted, ...rest } = auth0Foundation;
    await expectProblem({ foundation: rest }, 'foundation.json', 'auth0_domain', undefined, /is required when identity_provider is "auth0"/);
  });

  it('an auth0_domain given as a URL', () =>
    expectProblem({ foundation: { ...auth0Foundation, auth0_domain: 'https://tenant.auth0.com/' } }, 'foundation.json', 'auth0_domain', 'https://tenant.auth0.com/', /bare Auth0 tenant host name.*no https:\/\//));

  it('a malformed region', () =>
    expectProblem({ foundation: { ...auth0Foundation, aws_region: 'Ireland' } }, 'foundation.json', 'aws_region', 'Ireland', /must be an AWS region code such as "eu-west-1"/));

  it('a missing region', async () => {
    const { aws_region: _omitted, ...rest } = auth0Foundation;
    await expectProblem({ foundation: rest }, 'foundation.json', 'aws_region', undefined, /is required: the AWS region/);
  });

  it('an unknown key, with the likely meant one', () =>
    expectProblem({ foundation: { ...auth0Foundation, bucket_versionning: true } }, 'foundation.json', 'bucket_versionning', true, /is not a known setting; did you mean "bucket_versioning"\?/));

  it('a wrong type', () =>
    expectProblem({ foundation: { ...auth0Foundation, bucket_versioning: 'yes' } }, 'foundation.json', 'bucket_versioning', 'yes', /must be true or false/));

  it('a fractional expiry', () =>
    expectProblem({ foundation: { ...auth0Foundation, object_expiration_days: 2.5 } }, 'foundation.json', 'object_expiration_days', 2.5, /whole number of days/));

  it('a log retention CloudWatch does not offer', () =>
    expectProblem({ foundation: { ...auth0Foundation, log_retention_days: 42 } }, 'foundation.json', 'log_retention_days', 42, /one of CloudWatch's retention periods: 1, 3, 5/));

  it('a Cognito-only key under auth0', () =>
    expectProblem({ foundation: { ...auth0Foundation, cognito_domain_prefix: 'abc' } }, 'foundation.json', 'cognito_domain_prefix', 'abc', /applies only to identity_provider "cognito"/));

  it('a Cognito domain prefix with a reserved word', () =>
    expectProblem({ foundation: { identity_provider: 'cognito', aws_region: 'eu-west-1', cognito_domain_prefix: 'my-cognito' } }, 'foundation.json', 'cognito_domain_prefix', 'my-cognito', /must not contain "aws", "amazon" or "cognito"/));

  it('a default Cognito domain prefix that inherits a reserved word from the environment name', async () => {
    const { problems } = await problemsOf({ foundation: { identity_provider: 'cognito', aws_region: 'eu-west-1' }, environment: 'amazon' });
    expect(problems).toEqual([
      {
        file: 'environments/amazon/foundation.json',
        key: 'cognito_domain_prefix',
        value: undefined,
        rule: 'is unset, and its default "oidc-s3-amazon" must not contain "aws", "amazon" or "cognito" (reserved by Cognito); set cognito_domain_prefix',
      },
    ]);
  });

  it('an invalid bucket name', () =>
    expectProblem({ foundation: { ...auth0Foundation, bucket_name: 'My_Bucket' } }, 'foundation.json', 'bucket_name', 'My_Bucket', /S3 bucket naming rules/));

  it('a token lifetime Cognito cannot issue', () =>
    expectProblem({ foundation: { identity_provider: 'cognito', aws_region: 'eu-west-1', token_lifetime_seconds: 172800 } }, 'foundation.json', 'token_lifetime_seconds', 172800, /whole number of seconds from 300 to 86400 for cognito access tokens/));

  it('an audience that is not an https URL', () =>
    expectProblem({ foundation: { ...auth0Foundation, audience: 's3-uploader' } }, 'foundation.json', 'audience', 's3-uploader', /as an https:\/\/ URL/));

  it('a KMS key that is not an ARN', () =>
    expectProblem({ foundation: { ...auth0Foundation, kms_key_arn: 'alias/mine' } }, 'foundation.json', 'kms_key_arn', 'alias/mine', /must be the full ARN of a KMS key/));

  it('a reserved tag key', () =>
    expectProblem({ foundation: { ...auth0Foundation, tags: { 'aws:owner': 'me' } } }, 'foundation.json', 'tags["aws:owner"]', 'me', /must not start with "aws:"/));

  it('foundation.json that is not JSON', async () => {
    const { problems } = await problemsOf({ foundationText: '{ "identity_provider": "auth0", }' });
    expect(problems[0]).toMatchObject({ code: 'JSON_SYNTAX', file: 'environments/dev/foundation.json', line: 1, column: 33, key: '' });
    expect(problems[0]!.rule).toBe('is not valid JSON: a trailing comma before "}"; remove the comma after the last item');
  });

  it('lists every problem of every file at once', async () => {
    const { problems, error } = await problemsOf({
      foundation: { ...auth0Foundation, aws_region: 'mars-1', bucket_versioning: 1 },
      servers: { servers: { 'web-01': { s3_path_prefix: '/abs/' } }, extra: true },
      backend: 'region = "eu-west-1"\n',
    });
    expect(problems.map((p) => `${p.file} ${p.key}`)).toEqual(
      expect.arrayContaining([
        'environments/dev/foundation.json aws_region',
        'environments/dev/foundation.json bucket_versioning',
        'environments/dev/servers.json extra',
        'environments/dev/servers.json servers["web-01"].s3_path_prefix',
        'backend.hcl bucket',
      ]),
    );
    expect(error.message).toMatch(/^Invalid configuration \(5 problems\):/);
  });
});

describe('auth0_exchange', () => {
  const servers = (enabled: number, disabled = 0) => ({
    servers: Object.fromEntries([
      ...Array.from({ length: enabled }, (_, i) => [`h-${i}`, { s3_path_prefix: `h/${i}/` }]),
      ...Array.from({ length: disabled }, (_, i) => [`off-${i}`, { s3_path_prefix: `off/${i}/`, enabled: false }]),
    ]),
  });

  test('defaults to "direct"; "vending" is read; it is an Auth0 key only', async () => {
    const direct = await loadEnvironment({ rootDir: writeRepo({}), environment: 'dev' });
    expect(direct.foundation).toMatchObject({ identityProvider: 'auth0', auth0Exchange: 'direct' });
    const vending = await loadEnvironment({ rootDir: writeRepo({ foundation: { ...auth0Foundation, auth0_exchange: 'vending' } }), environment: 'dev' });
    expect(vending.foundation).toMatchObject({ auth0Exchange: 'vending' });
    await expectProblem(
      { foundation: { identity_provider: 'cognito', aws_region: 'eu-west-1', auth0_exchange: 'vending' } },
      'foundation.json',
      'auth0_exchange',
      'vending',
      /^applies only to identity_provider "auth0"/,
    );
    await expectProblem({ foundation: { ...auth0Foundation, auth0_exchange: 'sts' } }, 'foundation.json', 'auth0_exchange', 'sts', /^must be "direct" .* or "vending"/);
  });

  test('direct: 99 enabled servers load (disabled ones do not count); a 100th is refused naming the limit and "vending"', async () => {
    await expect(loadEnvironment({ rootDir: writeRepo({ servers: servers(99, 20) }), environment: 'dev' })).resolves.toMatchObject({ servers: { servers: expect.any(Array) } });
    await expectProblem(
      { servers: servers(100) },
      'servers.json',
      'servers',
      '100 servers',
      /^enables 100 servers, but auth0_exchange "direct" allows at most 99: the IAM OIDC provider's client ID list holds at most 100 entries .*; set "auth0_exchange": "vending" in foundation\.json/,
    );
    await expect(loadEnvironment({ rootDir: writeRepo({ foundation: { ...auth0Foundation, auth0_exchange: 'vending' }, servers: servers(150) }), environment: 'dev' })).resolves.toBeDefined();
  });
});

describe('shards', () => {
  const vending = { ...auth0Foundation, auth0_exchange: 'vending' };
  const many = (count: number, shards?: number) => ({
    servers: Object.fromEntries(Array.from({ length: count }, (_, i) => [`h-${i}`, { s3_path_prefix: `h/${i}/` }])),
    ...(shards === undefined ? {} : { shards }),
  });

  test('defaults to 1; a whole number from 1 to 256 is read', async () => {
    expect((await loadEnvironment({ rootDir: writeRepo({}), environment: 'dev' })).servers.shards).toBe(1);
    expect((await loadEnvironment({ rootDir: writeRepo({ foundation: vending, servers: { ...threeServers, shards: 256 } }), environment: 'dev' })).servers.shards).toBe(256);
  });

  test.each([0, 257, 2.5, -1])('%p is refused, naming the range', async (shards) => {
    await expectProblem({ foundation: vending, servers: { ...threeServers, shards } }, 'servers.json', 'shards', shards, /^must be a whole number of shards from 1 to 256$/);
  });

  test('a string is refused as a wrong type', async () => {
    await expectProblem({ foundation: vending, servers: { ...threeServers, shards: '3' } }, 'servers.json', 'shards', '3', /^must be a whole number of shards/);
  });

  test('auth0 direct keeps one shard: more are refused, naming the reason and "vending"', async () => {
    await expectProblem({ servers: { ...threeServers, shards: 2 } }, 'servers.json', 'shards', 2, /^must be 1 with auth0_exchange "direct": its IAM OIDC provider lists every enabled server's client .*set "auth0_exchange": "vending" in foundation\.json/);
  });

  test('more than 500 servers per shard is a SLOW_PLAN warning naming the shards to set; synth goes on', async () => {
    const warned: ConfigProblem[] = [];
    const config = await loadEnvironment({ rootDir: writeRepo({ foundation: vending, servers: many(1201) }), environment: 'dev', onWarnings: (w) => warned.push(...w) });
    expect(config.servers.servers).toHaveLength(1201);
    expect(warned).toEqual([
      expect.objectContaining({
        code: 'SLOW_PLAN',
        file: 'environments/dev/servers.json',
        key: 'shards',
        value: 1,
        rule: expect.stringMatching(/^1201 servers in one shard: OpenTofu's plan time grows with the square of a shard's servers \(minutes beyond 500\); set "shards": 13 in servers\.json \(about 100 servers each\)/),
      }),
    ]);
    const quiet: ConfigProblem[] = [];
    await loadEnvironment({ rootDir: writeRepo({ foundation: vending, servers: many(1201, 3) }), environment: 'dev', onWarnings: (w) => quiet.push(...w) });
    expect(quiet).toEqual([]);
  });
});

describe('backend.hcl', () => {
  it('is read with an HCL parser, locking settings passed through', async () => {
    const config = await loadEnvironment({ rootDir: writeRepo({}), environment: 'dev' });
    expect(config.backend).toEqual({ bucket: 'state-bucket', region: 'eu-west-1', encrypt: true, useLockfile: true });
    const withTable = await loadEnvironment({
      rootDir: writeRepo({ backend: 'bucket = "b-state"\nregion = "us-east-1"\ndynamodb_table = "tf-lock"\n' }),
      environment: 'dev',
    });
    expect(withTable.backend).toEqual({ bucket: 'b-state', region: 'us-east-1', encrypt: true, dynamodbTable: 'tf-lock' });
  });

  it('an environment may keep its own backend.hcl', async () => {
    const root = writeRepo({});
    writeFileSync(join(root, 'environments/dev/backend.hcl'), 'bucket = "dev-only-state"\nregion = "eu-central-1"\n');
    expect((await loadEnvironment({ rootDir: root, environment: 'dev' })).backend.bucket).toBe('dev-only-state');
  });

  it('a missing file says how to make one', async () => {
    const { problems } = await problemsOf({ backend: null });
    expect(problems).toEqual([
      expect.objectContaining({ code: 'FILE_NOT_FOUND', file: 'backend.hcl', key: '', rule: 'does not exist', fix: expect.stringMatching(/^copy the example in docs\/CONFIGURATION.md#backendhcl/) }),
    ]);
  });

  it('a missing bucket or region, and a key the app sets itself', async () => {
    const { problems } = await problemsOf({ backend: 'key = "x/terraform.tfstate"\n' });
    expect(problems.map((p) => p.key).sort()).toEqual(['bucket', 'key', 'region']);
    expect(problems.find((p) => p.key === 'key')!.rule).toMatch(/the app gives each stack its own key, "<env>\/<stack>\/terraform.tfstate"/);
    expect(problems.find((p) => p.key === 'bucket')!.rule).toMatch(/is required: the S3 bucket that holds Terraform state/);
  });

  it('invalid HCL', async () => {
    const { problems } = await problemsOf({ backend: 'bucket = \n' });
    expect(problems[0]).toMatchObject({ code: 'HCL_SYNTAX', file: 'backend.hcl', line: 1, key: '' });
    expect(problems[0]!.rule).toMatch(/^is not valid HCL: Invalid expression; Expected the start of an expression/);
  });

  it('a state KMS key given as an alias rather than an ARN', async () => {
    const { problems } = await problemsOf({ backend: `${goodBackend}kms_key_id = "alias/terraform"\n` });
    expect(problems).toEqual([{ code: undefined, file: 'backend.hcl', key: 'kms_key_id', value: 'alias/terraform', rule: expect.stringMatching(/must be the full ARN of a KMS key/) }]);
  });

  it('two locking methods at once', async () => {
    const { problems } = await problemsOf({ backend: `${goodBackend}dynamodb_table = "lock"\n` });
    expect(problems).toEqual([expect.objectContaining({ key: 'dynamodb_table', value: 'lock', rule: expect.stringMatching(/choose one locking method/) })]);
  });
});

describe('foundation.json problems come in one batch, with the other files\' problems', () => {
  it('the four mistakes of issue 12 (domain as a URL, "false" as a string, a Cognito key in Auth0, a bad bucket name) and a servers.json duplicate, in one run', async () => {
    const rootDir = writeRepo({
      foundation: { identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: 'https://tenant.eu.auth0.com', bucket_versioning: 'false', cognito_domain_prefix: 'abc', bucket_name: 'Bad_Bucket' },
    });
    writeFileSync(join(rootDir, 'environments/dev/servers.json'), '{"servers": {\n"web-01": {"s3_path_prefix": "logs/web-01/", "s3_permissions": "write"},\n"web-01": {"s3_path_prefix": "logs/web-01b/", "s3_permissions": "full"}}}');
    const error = (await loadEnvironment({ rootDir, environment: 'dev' }).catch((e: unknown) => e)) as ConfigError;
    expect(error.problems.map((p) => [p.code ?? 'INVALID_VALUE', p.file.replace('environments/dev/', ''), p.key])).toEqual([
      ['DUPLICATE_KEY', 'servers.json', 'servers["web-01"]'],
      ['INVALID_VALUE', 'foundation.json', 'auth0_domain'],
      ['INVALID_VALUE', 'foundation.json', 'bucket_versioning'],
      ['INVALID_VALUE', 'foundation.json', 'cognito_domain_prefix'],
      ['INVALID_VALUE', 'foundation.json', 'bucket_name'],
    ]);
    expect(error.message.match(/^  - /gm)).toHaveLength(5);
    expect(error.message).not.toMatch(/\n\s+at /);
  });
});
