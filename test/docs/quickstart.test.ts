// The README's quick start, run as a new user would: every command of the marked block, in
// order, with bash, in a fresh copy of the repository. `npm ci` runs for real only with
// OIDC_S3_FULL_QUICKSTART=1 (it takes most of a minute); otherwise the copy gets the checkout's
// node_modules through a symlink. `npm test` is this very suite, so it is not run again: the
// test checks instead that it is exactly the command CI runs.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, commandsAfter } from './markdown';

const FULL = process.env.OIDC_S3_FULL_QUICKSTART === '1';
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const COMMANDS = commandsAfter(README, 'quickstart');
const TEST_COMMAND = 'npm test';

let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'oidc-s3-quickstart-'));
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree, not yet in git
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(copy, file));
  }
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(command: string): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', CI: 'true' };
  delete env.ENVIRONMENT; // the README's commands set what they need
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', command], { cwd: copy, env, encoding: 'utf8', timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`.slice(-4000) };
}

test('the quick start installs, synthesizes and tests', () => {
  expect(COMMANDS[0]).toBe('npm ci');
  expect(COMMANDS).toContain('npm run synth');
  expect(COMMANDS[COMMANDS.length - 1]).toBe(TEST_COMMAND);
});

describe.each(COMMANDS.map((command, index) => [index + 1, command] as const))('quick start step %i', (_index, command) => {
  if (command === 'npm ci' && !FULL) {
    test('npm ci (node_modules linked from the checkout; OIDC_S3_FULL_QUICKSTART=1 runs it)', () => {
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
      expect(existsSync(join(copy, 'node_modules/.bin/cdktf'))).toBe(true);
      expect(existsSync(join(copy, 'package-lock.json'))).toBe(true);
    });
    return;
  }
  if (command === TEST_COMMAND) {
    test(`${command} (this suite itself: checked to be what .ci/run runs, not run again)`, () => {
      const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n').map((line) => line.trim());
      expect(ci).toContain(TEST_COMMAND);
    });
    return;
  }
  test(command, () => {
    const synth = /(?:^|\s)npm run synth(?:\s|$)/.test(command);
    if (synth) rmSync(join(copy, 'cdktf.out'), { recursive: true, force: true });
    const { status, output } = run(command);
    if (status !== 0) throw new Error(`"${command}" exited with ${status}:\n${output}`);
    if (!synth) return;
    const environment = /\bENVIRONMENT=(\S+)/.exec(command)?.[1] ?? 'dev';
    const stacks = join(copy, 'cdktf.out/stacks');
    const foundation = JSON.parse(readFileSync(join(stacks, 'foundation/cdk.tf.json'), 'utf8'));
    const servers = JSON.parse(readFileSync(join(stacks, 'servers/cdk.tf.json'), 'utf8'));
    const expected = JSON.parse(readFileSync(join(copy, 'environments', environment, 'foundation.json'), 'utf8')).identity_provider;
    expect(foundation.output.identity_provider.value).toBe(expected);
    expect(foundation.terraform.backend.s3.key).toBe(`${environment}/foundation/terraform.tfstate`);
    // Auth0 in direct mode (the default): the servers stack also owns the IAM OIDC provider.
    expect(Object.keys(servers.output).sort()).toEqual([...(expected === 'auth0' ? ['oidc_provider_arn'] : []), 'server_configurations', 'server_secrets']);
  }, 180_000);
});
