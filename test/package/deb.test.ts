// The Debian package, as an operator meets it: built by the same code as `npm run package`,
// installed with dpkg -i on this machine, its installed commands run end to end as the package's
// system user against the local stand-ins (OAuth server over HTTPS, STS stub, s3rver), on the
// machine's Node and on Debian 12's own nodejs, then removed with dpkg -r and --purge.
// Needs root and dpkg: anywhere else every test here fails with the reason (never a skip).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb, EXAMPLES, NODEJS_FLOOR, PACKAGE_NAME, SYSTEMD_UNITS, type DebBuild } from '../../packaging/deb';
import { run, type RunResult } from '../client/harness';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { localTls } from '../../sandbox/local-tls';
import { startCommand } from '../client/serve-process';
import { asUser, machineLock, onDebianNode, packageTestBlocker, unpackDebianNode } from './system';

const AUDIENCE = 'https://s3-uploader.package.example';
const CLIENT_ID = 'pkgTestClient01';
const CLIENT_SECRET = `pkg-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-pkg-01';
const USER = 'oidc-s3';
const CONFIG_NAME = `pkgtest-${process.pid}`;
const ENV_FILE = `/etc/oidc-s3/${CONFIG_NAME}.env`;
const SECRET_FILE = `/etc/oidc-s3/secrets/${CONFIG_NAME}.secret`;

let release: (() => void) | undefined;
let work: string;
let deb: DebBuild;
let debianNode: { root: string; version: string } | undefined;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
let runtimeEnv: Record<string, string>;

function sh(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function dpkgStatus(): string {
  try {
    return sh('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', PACKAGE_NAME]).trim();
  } catch {
    return 'unknown';
  }
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
const ownerOf = (path: string) => sh('stat', ['-c', '%U:%G', path]).trim();

/** An installed command run as the package's user, with only the given environment. */
function installed(argv: readonly string[], extra: Record<string, string> = {}, node: 'machine' | 'debian' = 'machine'): Promise<RunResult> {
  const [command, args] = asUser(USER, { ...runtimeEnv, ...extra }, argv);
  const path = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  if (node === 'machine') return run(command, args, path, { timeoutMs: 30_000 });
  const [ns, nsArgs] = onDebianNode(debianNode!.root, [command, ...args]);
  return run(ns, nsArgs, path, { timeoutMs: 30_000 });
}

beforeAll(async () => {
  const blocker = packageTestBlocker();
  if (blocker) throw new Error(blocker);
  release = await machineLock('oidc-s3-package-test');
  const status = dpkgStatus();
  if (status !== 'unknown' && !status.startsWith('un') && !status.startsWith('pn')) {
    throw new Error(`${PACKAGE_NAME} is already on this machine (dpkg status "${status}"); the test would replace it: remove it with dpkg --purge ${PACKAGE_NAME} first`);
  }
  work = mkdtempSync(join(tmpdir(), 'oidc-s3-package-'));
  chmodSync(work, 0o755);
  deb = buildDeb({ outDir: work });
  debianNode = unpackDebianNode();
  [s3, idp] = await Promise.all([
    startS3(),
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
  ]);
  sts = await startStsStub({
    credentials: s3.accessKeys,
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: AUDIENCE, roles: { [ROLE_ARN]: `${CLIENT_ID}@clients` } },
  });
  // The test CA's directory is root-only; the package's user gets a readable copy of the CA.
  const ca = join(work, 'ca.pem');
  writeFileSync(ca, localTls().caPem, { mode: 0o644 });
  runtimeEnv = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/var/lib/oidc-s3', NODE_EXTRA_CA_CERTS: ca, AWS_EC2_METADATA_DISABLED: 'true' };
}, 120_000);

afterAll(async () => {
  await Promise.all([s3?.close(), idp?.close(), sts?.close()]);
  // Whatever failed above, the machine is left without the package.
  if (release && dpkgStatus() !== 'unknown') {
    rmSync(ENV_FILE, { force: true });
    try {
      sh('dpkg', ['--purge', PACKAGE_NAME]);
    } catch {
      // reported by the tests themselves
    }
  }
  if (debianNode) rmSync(debianNode.root, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
  release?.();
}, 60_000);

test('npm run package builds oidc-s3-client_<version>_all.deb with the declared layout', () => {
  const version = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  expect(deb.path).toBe(join(work, `oidc-s3-client_${version}_all.deb`));
  const field = (name: string) => sh('dpkg-deb', ['-f', deb.path, name]).trim();
  expect(field('Package')).toBe('oidc-s3-client');
  expect(field('Architecture')).toBe('all');
  expect(field('Depends')).toBe(`nodejs (>= ${NODEJS_FLOOR}), adduser`);
  const listing = sh('dpkg-deb', ['-c', deb.path]);
  for (const path of ['./usr/lib/oidc-s3/oidc-credential-provider.js', './usr/lib/oidc-s3/s3-ops.js', './usr/bin/oidc-credential-provider', './usr/bin/s3-ops']) {
    expect(listing).toContain(path);
  }
  for (const unit of SYSTEMD_UNITS) expect(listing).toMatch(new RegExp(`^-rw-r--r-- root/root .* \\./lib/systemd/system/${unit.replace('.', '\\.')}$`, 'm'));
  expect(listing).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/bin\/oidc-credential-provider$/m);
});

test('dpkg -i installs commands, units, conffiles, the system user and owner-only directories', () => {
  sh('dpkg', ['-i', deb.path]);
  expect(dpkgStatus()).toBe('ii');
  expect(modeOf('/usr/bin/oidc-credential-provider')).toBe(0o755);
  expect(modeOf('/usr/lib/oidc-s3/oidc-credential-provider.js')).toBe(0o644);
  expect(sh('getent', ['passwd', USER])).toMatch(/^oidc-s3:x:\d+:\d+:.*:\/var\/lib\/oidc-s3:\/usr\/sbin\/nologin$/m);
  for (const dir of ['/etc/oidc-s3/secrets', '/var/lib/oidc-s3', '/var/cache/oidc-s3']) {
    expect({ dir, mode: modeOf(dir), owner: ownerOf(dir) }).toEqual({ dir, mode: 0o700, owner: 'oidc-s3:oidc-s3' });
  }
  const conffiles = sh('dpkg-query', ['-W', '-f=${Conffiles}', PACKAGE_NAME]);
  for (const name of Object.values(EXAMPLES)) expect(conffiles).toContain(`/etc/oidc-s3/${name}`);
  for (const unit of SYSTEMD_UNITS) expect(existsSync(`/lib/systemd/system/${unit}`)).toBe(true);
  // systemd's own parser, offline: the units load with every hardening setting known.
  const verify = execFileSync('sh', ['-c', `systemd-analyze verify ${SYSTEMD_UNITS.map((u) => `/lib/systemd/system/${u.replace('@', '@pkgtest')}`).join(' ')} 2>&1 || true`], {
    encoding: 'utf8',
  });
  expect(verify.split('\n').filter((line) => /Unknown|Invalid|Failed to parse|bad-setting/i.test(line))).toEqual([]);

  // The host's configuration, as an operator writes it: settings in /etc/oidc-s3, secret owner-only.
  writeFileSync(SECRET_FILE, `${CLIENT_SECRET}\n`, { mode: 0o600 });
  const uid = Number(sh('id', ['-u', USER]));
  const gid = Number(sh('id', ['-g', USER]));
  chownSync(SECRET_FILE, uid, gid);
  writeFileSync(
    ENV_FILE,
    [
      'OIDC_IDP_TYPE=auth0',
      `OIDC_TOKEN_URL=${idp.tokenUrl}`,
      `OIDC_CLIENT_ID=${CLIENT_ID}`,
      `OIDC_CLIENT_SECRET_FILE=${SECRET_FILE}`,
      `OIDC_AUDIENCE=${AUDIENCE}`,
      `OIDC_ROLE_ARN=${ROLE_ARN}`,
      'AWS_REGION=eu-west-1',
      `AWS_ENDPOINT_URL_STS=${sts.url}`,
      `AWS_ENDPOINT_URL_S3=${s3.url}`,
      'S3_FORCE_PATH_STYLE=true',
      `S3_BUCKET=${s3.bucket}`,
      'S3_PREFIX=pkg-01/',
      'S3_PERMISSIONS=full',
      'OIDC_CACHE_DIR=/var/cache/oidc-s3',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
});

describe.each(['machine', 'debian'] as const)('installed commands on the %s Node', (node) => {
  test('/usr/bin/node is the expected build', async () => {
    const version = await installed(['/usr/bin/node', '--version'], {}, node);
    expect(version.code).toBe(0);
    if (node === 'debian') expect(version.stdout.trim()).toBe(`v${debianNode!.version.replace(/\+.*$/, '')}`);
    else expect(version.stdout.trim()).toBe(process.version);
  });

  test('get-credentials prints credential_process JSON from the stand-ins', async () => {
    const result = await installed(['/usr/bin/oidc-credential-provider', 'get-credentials', '--env-file', ENV_FILE], {}, node);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json.AccessKeyId).toBe(s3.accessKeys.accessKeyId);
    expect(json.Version).toBe(1);
  });

  test('s3-ops uploads through a credential_process profile naming the installed command', async () => {
    const home = mkdtempSync(join(work, `home-${node}-`));
    chmodSync(home, 0o755);
    const config = join(home, 'aws-config');
    writeFileSync(config, `[profile oidc-s3]\ncredential_process = /usr/bin/oidc-credential-provider get-credentials --env-file ${ENV_FILE}\nregion = eu-west-1\n`);
    const file = join(home, 'hello.txt');
    writeFileSync(file, `installed package on the ${node} Node\n`, { mode: 0o644 });
    const result = await installed(['/usr/bin/s3-ops', 'upload', file, `${node}/hello.txt`, '--env-file', ENV_FILE], { AWS_CONFIG_FILE: config, AWS_PROFILE: 'oidc-s3' }, node);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('Error') });
    const stored = readFileSync(join(s3.directory, s3.bucket, `pkg-01/${node}/hello.txt._S3rver_object`), 'utf8');
    expect(stored).toBe(`installed package on the ${node} Node\n`);
  });

  test('doctor passes every step as the package user, the secret file included', async () => {
    const result = await installed(['/usr/bin/oidc-credential-provider', 'doctor', '--json', '--env-file', ENV_FILE], {}, node);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: { step: string; status: string; detail: string }[] };
    expect(report.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'settings:pass',
      'secret-file:pass',
      'token-endpoint:pass',
      'client-authentication:pass',
      'token-claims:pass',
      'exchange:pass',
      's3-probe:pass',
    ]);
    expect(report.steps[1]!.detail).toBe(`${SECRET_FILE}: mode 0600, owner oidc-s3`);
    expect(result.stdout).not.toContain(CLIENT_SECRET);
  });

  test('serve answers a consumer with the token file it created, then stops on SIGTERM', async () => {
    const tokenFile = `/var/lib/oidc-s3/${CONFIG_NAME}-${node}.token`;
    const [command, args] = asUser(USER, runtimeEnv, ['/usr/bin/oidc-credential-provider', 'serve', '--port', '0', '--token-file', tokenFile, '--env-file', ENV_FILE]);
    const [launch, launchArgs] = node === 'machine' ? [command, args] : onDebianNode(debianNode!.root, [command, ...args]);
    const server = startCommand(launch, launchArgs, { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
    try {
      const [, url] = await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
      expect(modeOf(tokenFile)).toBe(0o600);
      expect(ownerOf(tokenFile)).toBe('oidc-s3:oidc-s3');
      const answer = await fetch(url!, { headers: { authorization: readFileSync(tokenFile, 'utf8') } });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { AccessKeyId: string }).AccessKeyId).toBe(s3.accessKeys.accessKeyId);
      expect((await fetch(url!)).status).toBe(401);
    } finally {
      // runuser passes SIGTERM on to serve, waits for it, then ends by the same signal itself.
      await server.stop();
    }
    expect(server.stderr()).toContain('oidc-credential-provider serve: stopped\n');
  });

  test('credential-daemon --once writes the profile owner-only under /var/lib/oidc-s3', async () => {
    const file = `/var/lib/oidc-s3/${CONFIG_NAME}-${node}.credentials`;
    const result = await installed(['/usr/bin/oidc-credential-provider', 'credential-daemon', '--once', '--profile', CONFIG_NAME, '--credentials-file', file, '--env-file', ENV_FILE], {}, node);
    expect(result.code).toBe(0);
    expect(modeOf(file)).toBe(0o600);
    expect(ownerOf(file)).toBe('oidc-s3:oidc-s3');
    const profile = readFileSync(file, 'utf8');
    expect(profile.startsWith(`[${CONFIG_NAME}]\n`)).toBe(true);
    expect(profile).toContain(`\naws_access_key_id = ${s3.accessKeys.accessKeyId}\n`);
  });
});

test('dpkg -r removes the programs and keeps configuration; --purge removes the rest', () => {
  sh('dpkg', ['-r', PACKAGE_NAME]);
  expect(dpkgStatus()).toBe('rc');
  for (const path of ['/usr/bin/oidc-credential-provider', '/usr/bin/s3-ops', '/usr/lib/oidc-s3', ...SYSTEMD_UNITS.map((u) => `/lib/systemd/system/${u}`)]) {
    expect({ path, exists: existsSync(path) }).toEqual({ path, exists: false });
  }
  expect(existsSync('/etc/oidc-s3/auth0.env.example')).toBe(true);
  expect(existsSync(SECRET_FILE)).toBe(true);

  rmSync(ENV_FILE); // the operator's own file: dpkg never owned it
  sh('dpkg', ['--purge', PACKAGE_NAME]);
  expect(['unknown', 'un', 'pn']).toContain(dpkgStatus());
  for (const path of ['/etc/oidc-s3', '/var/lib/oidc-s3', '/var/cache/oidc-s3']) {
    expect({ path, exists: existsSync(path) }).toEqual({ path, exists: false });
  }
});
