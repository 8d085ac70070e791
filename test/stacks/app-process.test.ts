// The app as cdktf runs it (`node --require tsx/cjs main.ts`): what its start loads and what it
// leaves out (stacks/synth-process.ts, stacks/app.ts), the environment checked on a worker thread
// (stacks/checked-environment-aside.ts) with the same result as on the main thread, and a
// configuration error shown as a list with exit code 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors';
import { loadCheckedEnvironmentAside } from '../../stacks/checked-environment-aside';
import { loadCheckedEnvironment } from '../../stacks/checked-environment';

const ROOT = join(__dirname, '../..');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-app-'));
  temporary.push(dir);
  return dir;
}

/** Synthesizes `environment` and returns the files of every module the main thread had loaded at exit, relative to node_modules or the repository. */
function synthModules(environment: string): string[] {
  const dir = tempDir();
  const report = join(dir, 'modules.json');
  const hook = join(dir, 'report-modules.js');
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));`);
  execFileSync(process.execPath, ['--require', 'tsx/cjs', '--require', hook, 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ENVIRONMENT: environment, CDKTF_OUTDIR: join(dir, 'out'), CHECKPOINT_DISABLE: '1' },
    stdio: 'pipe',
  });
  return (JSON.parse(readFileSync(report, 'utf8')) as string[]).map((file) => file.replace(/^.*\/node_modules\//, '').replace(`${ROOT}/`, ''));
}

describe('what synth loads', () => {
  let withoutGateway: string[];
  let withGateway: string[];
  beforeAll(() => {
    withoutGateway = synthModules('dev');
    withGateway = synthModules('agents-auth0');
  }, 60_000);

  it('leaves archiver and semver unloaded until used: only their stand-ins are in the module cache', () => {
    expect(withoutGateway).toEqual(expect.arrayContaining(['cdktf/lib/index.js', 'cdktf/lib/private/fs.js', 'archiver/index.js', 'semver/index.js']));
    expect(withoutGateway.filter((file) => /^(archiver|archiver-utils|compress-commons|readable-stream|lodash|glob|async|semver)\//.test(file) && !/^(archiver|semver)\/index\.js$/.test(file))).toEqual([]);
  });

  it('loads the AgentCore bindings only for an environment with the agent gateway', () => {
    const agentCore = (files: string[]) => files.filter((file) => file.startsWith('@cdktf/provider-aws/lib/bedrockagentcore-'));
    expect(agentCore(withoutGateway)).toEqual([]);
    expect(agentCore(withGateway)).toEqual(['@cdktf/provider-aws/lib/bedrockagentcore-gateway/index.js', '@cdktf/provider-aws/lib/bedrockagentcore-gateway-target/index.js']);
  });

  it('checks the environment off the main thread: neither zod nor jsonc-parser is loaded there', () => {
    expect(withoutGateway.filter((file) => /^(zod|jsonc-parser)\//.test(file))).toEqual([]);
    expect(withoutGateway).not.toContain('config/schema.ts');
  });
});

test('a module deferred by synth-process loads at its first use and works as itself', () => {
  const script = `require('./stacks/synth-process');
const { dirname, join } = require('node:path');
const archiverFile = require.resolve('archiver', { paths: [join(dirname(require.resolve('cdktf')), 'private')] });
const loaded = () => Object.keys(require.cache).some((file) => file.endsWith('/archiver/lib/core.js'));
const before = loaded();
const archive = require(archiverFile)('zip');
const semver = require(require.resolve('semver', { paths: [join(dirname(require.resolve('cdktf')), 'validations')] }));
process.stdout.write(JSON.stringify({ before, after: loaded(), pipe: typeof archive.pipe, satisfies: semver.satisfies('1.9.1', '>=1.5'), again: require(archiverFile) === require(archiverFile) }));`;
  const result = JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as Record<string, unknown>;
  expect(result).toEqual({ before: false, after: true, pipe: 'function', satisfies: true, again: true });
});

describe('the environment checked on a worker thread', () => {
  it.each(['prod-logarchive', 'dev-cognito', 'agents-auth0'])('%s: the same configuration as on the main thread', async (environment) => {
    const warn = jest.fn();
    const aside = await loadCheckedEnvironmentAside(ROOT, environment, warn);
    expect(aside).toEqual(await loadCheckedEnvironment(ROOT, environment, () => undefined));
    expect(aside.environment).toBe(environment);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a broken environment: a ConfigError with the same code and every problem', async () => {
    const root = tempDir();
    cpSync(join(ROOT, 'backend.hcl'), join(root, 'backend.hcl'));
    cpSync(join(ROOT, 'environments', 'dev'), join(root, 'environments', 'dev'), { recursive: true });
    const servers = JSON.parse(readFileSync(join(root, 'environments/dev/servers.json'), 'utf8')) as { servers: Record<string, Record<string, unknown>> };
    servers.servers['Bad Name'] = { s3_path_prefix: '/absolute/', s3_permissions: 'admin' };
    writeFileSync(join(root, 'environments/dev/servers.json'), JSON.stringify(servers));
    const onMain = await loadCheckedEnvironment(root, 'dev', () => undefined).catch((error: unknown) => error);
    const onWorker = await loadCheckedEnvironmentAside(root, 'dev', () => undefined).catch((error: unknown) => error);
    expect(onMain).toBeInstanceOf(ConfigError);
    expect(onWorker).toBeInstanceOf(ConfigError);
    expect((onWorker as ConfigError).code).toBe('CONFIG_INVALID');
    expect((onWorker as ConfigError).problems).toEqual((onMain as ConfigError).problems);
    expect((onWorker as ConfigError).problems.length).toBeGreaterThanOrEqual(3);
    expect((onWorker as ConfigError).message).toBe((onMain as ConfigError).message);
  });

  it('warnings (a quota nearly reached) reach `warn` as on the main thread, and the configuration still resolves', async () => {
    const root = tempDir();
    cpSync(join(ROOT, 'backend.hcl'), join(root, 'backend.hcl'));
    cpSync(join(ROOT, 'environments', 'dev'), join(root, 'environments', 'dev'), { recursive: true });
    const foundationFile = join(root, 'environments/dev/foundation.json');
    const servers = Object.keys((JSON.parse(readFileSync(join(root, 'environments/dev/servers.json'), 'utf8')) as { servers: object }).servers).length;
    writeFileSync(foundationFile, JSON.stringify({ ...JSON.parse(readFileSync(foundationFile, 'utf8')), quotas: { iam_roles_per_account: servers } }));
    const onMain: string[] = [];
    const onWorker: string[] = [];
    const config = await loadCheckedEnvironment(root, 'dev', (text) => onMain.push(text));
    await expect(loadCheckedEnvironmentAside(root, 'dev', (text) => onWorker.push(text))).resolves.toEqual(config);
    expect(onWorker).toEqual(onMain);
    expect(onWorker.join('\n')).toMatch(/^Configuration warnings \(1 problem\):[\s\S]*iam_roles_per_account/);
  });

  it('an unknown environment: UNKNOWN_ENVIRONMENT, as on the main thread', async () => {
    const error = (await loadCheckedEnvironmentAside(ROOT, 'no-such-environment', () => undefined).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('UNKNOWN_ENVIRONMENT');
    expect(error.message).toContain('ENVIRONMENT = "no-such-environment": names no environment');
  });
});

test('main.ts with a configuration error: the list on stderr, no stack trace, exit code 1', () => {
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ENVIRONMENT: 'no-such-environment', CDKTF_OUTDIR: join(tempDir(), 'out'), CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^Invalid configuration \(1 problem\):\n {2}- environments\/: ENVIRONMENT = "no-such-environment": names no environment; known: .*agents-auth0/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe('');
});
