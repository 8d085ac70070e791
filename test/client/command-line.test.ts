// Every client command owns its command line, whatever Node runs it: an absent or unreadable
// --env-file, a file to upload that is not there, a credential_process that fails, an option of
// another command, all end in one line with our code (never Node's `not found` and exit 9, never
// the SDK's "Could not load credentials from any providers").
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildBundles, cleanEnv, removeDir, run, tempDir, type Bundles } from './harness';
import { unprivilegedUser, type LocalUser } from './local-user';

let bundles: Bundles;
let dir: string;
let other: LocalUser;

beforeAll(() => {
  other = unprivilegedUser();
  bundles = buildBundles();
  // Readable and executable by the second user too.
  chmodSync(bundles.dir, 0o755);
  for (const file of [bundles.provider, bundles.s3ops]) chmodSync(file, 0o755);
  dir = tempDir('command-line');
  chmodSync(dir, 0o755);
}, 60_000);

afterAll(() => {
  removeDir(bundles?.dir);
  removeDir(dir);
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The two ways a bundle is started: as a command (its `#!` line) and with `node --`. */
const launch = (bundle: string, how: 'command' | 'node --'): [string, string[]] =>
  how === 'command' ? [bundle, []] : [process.execPath, ['--', bundle]];

const COMMANDS: readonly [string, (b: Bundles) => string, string[]][] = [
  ['oidc-credential-provider', (b) => b.provider, ['get-credentials']],
  ['oidc-credential-provider', (b) => b.provider, ['credential-daemon', '--once']],
  ['oidc-credential-provider', (b) => b.provider, ['token-daemon', '--once', '--token-file', '/tmp/unused-token']],
  ['s3-ops', (b) => b.s3ops, ['list', '--bucket', 'b']],
];

describe.each(['command', 'node --'] as const)('started as %s', (how) => {
  test.each(COMMANDS)('%s %j: an absent --env-file is FILE_NOT_FOUND, from our code', async (program, bundle, args) => {
    const absent = join(dir, 'absent.env');
    const [command, prefix] = launch(bundle(bundles), how);
    const result = await run(command, [...prefix, ...args, '--env-file', absent], cleanEnv(dir));
    expect(result.stderr).toBe(`${program}: --env-file ${absent} does not exist [FILE_NOT_FOUND]\n`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });

  test.each(COMMANDS)('%s %j: an --env-file the user may not read is FILE_UNREADABLE with owner and mode', async (program, bundle, args) => {
    const secretDir = join(dir, `root-only-${how.replace(/\W/g, '')}`);
    mkdirSync(secretDir, { recursive: true, mode: 0o755 });
    const envFile = join(secretDir, 'config.env');
    writeFileSync(envFile, 'OIDC_IDP_TYPE=auth0\n', { mode: 0o600 });
    chmodSync(envFile, 0o600);
    const [command, prefix] = launch(bundle(bundles), how);
    const result = await run(other.asUser[0]!, [...other.asUser.slice(1), command, ...prefix, ...args, '--env-file', envFile], cleanEnv(dir, { NODE_EXTRA_CA_CERTS: '' }));
    expect(result.stderr).toBe(
      `${program}: --env-file ${envFile} cannot be read (permission denied, owner root (uid 0), group root (gid 0), mode 0600); ` +
        `running as ${other.name} (uid ${other.uid}): make the file readable by that user (chown/chmod) or run as its owner [FILE_UNREADABLE]\n`,
    );
    expect(result.code).toBe(1);
  });
});

test('a key set twice in an env file is an error naming the file, both lines and the key', async () => {
  const envFile = join(dir, 'twice.env');
  writeFileSync(envFile, '# host\nOIDC_CLIENT_ID=first\nAWS_REGION=eu-west-1\nOIDC_CLIENT_ID=second\n');
  const result = await run(bundles.provider, ['get-credentials', '--env-file', envFile], cleanEnv(dir));
  expect(result.stderr).toBe(`oidc-credential-provider: ${envFile}:4 sets OIDC_CLIENT_ID again (first set on line 2); keep one [CONFIG_INVALID]\n`);
  expect(result.code).toBe(1);
});

test("an option of another command is refused by name", async () => {
  const result = await run(bundles.provider, ['get-credentials', '--profile', 'x'], cleanEnv(dir));
  expect(result.stderr).toBe('oidc-credential-provider: get-credentials takes no option --profile (see --help) [USAGE]\n');
  expect(result.code).toBe(1);
});

test('s3-ops upload of a file that is not there: FILE_NOT_FOUND before any request', async () => {
  const result = await run(bundles.s3ops, ['upload', './absent', '--bucket', 'b'], cleanEnv(dir, { AWS_REGION: 'eu-west-1' }), { cwd: dir });
  expect(result.stderr).toBe('s3-ops: file to upload ./absent does not exist [FILE_NOT_FOUND]\n');
  expect(result.code).toBe(1);
});

describe('s3-ops shows why credentials failed', () => {
  test("a failing credential_process: the provider's own message and code", async () => {
    const home = join(dir, 'home-process');
    mkdirSync(home, { recursive: true });
    const port = await closedPort();
    const secret = join(home, 'client.secret');
    writeFileSync(secret, 'secret\n', { mode: 0o600 });
    const envFile = join(home, 'host.env');
    writeFileSync(
      envFile,
      [
        'OIDC_IDP_TYPE=auth0',
        `OIDC_TOKEN_URL=http://127.0.0.1:${port}/oauth/token`,
        'OIDC_CLIENT_ID=web01',
        `OIDC_CLIENT_SECRET_FILE=${secret}`,
        'OIDC_AUDIENCE=https://s3-uploader.dev.example',
        'OIDC_ROLE_ARN=arn:aws:iam::123456789012:role/oidc-s3-dev/oidc-s3-dev-web-01',
        'AWS_REGION=eu-west-1',
        `OIDC_CACHE_DIR=${join(home, 'cache')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(home, 'aws-config'), `[profile oidc-s3]\ncredential_process = ${bundles.provider} get-credentials --env-file ${envFile}\nregion = eu-west-1\n`);
    const result = await run(bundles.s3ops, ['list', '--bucket', 'b'], cleanEnv(home, { AWS_PROFILE: 'oidc-s3' }));
    expect(result.stderr).toBe(
      `s3-ops: credential_process failed: token endpoint http://127.0.0.1:${port}/oauth/token unreachable: ECONNREFUSED [IDP_UNAVAILABLE]\n`,
    );
    expect(result.code).toBe(1);
  });

  test('a credential_process that is not ours: its stderr, CREDENTIALS_UNAVAILABLE', async () => {
    const home = join(dir, 'home-foreign');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'aws-config'), `[profile other]\ncredential_process = /bin/sh -c "echo 'vault: sealed' >&2; exit 2"\nregion = eu-west-1\n`);
    const result = await run(bundles.s3ops, ['list', '--bucket', 'b'], cleanEnv(home, { AWS_PROFILE: 'other' }));
    expect(result.stderr).toBe('s3-ops: credential_process failed: vault: sealed [CREDENTIALS_UNAVAILABLE]\n');
    expect(result.code).toBe(1);
  });

  test('no credentials anywhere: what to set, CREDENTIALS_UNAVAILABLE', async () => {
    const home = join(dir, 'home-none');
    mkdirSync(home, { recursive: true });
    const result = await run(bundles.s3ops, ['list', '--bucket', 'b'], cleanEnv(home, { AWS_REGION: 'eu-west-1' }));
    expect(result.stderr).toMatch(/^s3-ops: no AWS credentials: the SDK's default chain found none.*; set AWS_PROFILE to a profile whose credential_process runs oidc-credential-provider get-credentials \(docs\/INSTALL\.md\) \[CREDENTIALS_UNAVAILABLE\]\n$/);
    expect(result.code).toBe(1);
  });
});
