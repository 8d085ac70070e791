// The host client against a second, unprivileged local user (issue: security review, findings 2
// and 8): a cache directory or file that user made, a symlink that user planted, a shared parent
// that user can write, a lock that can never go stale. Each is refused with the path, owner, mode
// and fix, and nothing planted is ever served.
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadProviderConfig } from '../../client/config/provider-config';
import { UnsafePermissionsError, type ClientError } from '../../client/errors';
import { acquire } from '../../client/storage/cache-lock';
import { CACHE_FIX, CredentialCache, cacheKey } from '../../client/storage/credential-cache';
import { buildBundles, cleanEnv, removeDir, run, tempDir, type Bundles } from './harness';
import { unprivilegedUser, type LocalUser } from './local-user';

let attacker: LocalUser;
let base: string;
let bundles: Bundles;

/** Runs a shell command as the attacker. */
async function asAttacker(script: string): Promise<void> {
  const result = await run(attacker.asUser[0]!, [...attacker.asUser.slice(1), '/bin/sh', '-c', script], { PATH: '/usr/bin:/bin' });
  if (result.code !== 0) throw new Error(`attacker step failed: ${script}: ${result.stderr}`);
}

beforeAll(() => {
  attacker = unprivilegedUser();
  bundles = buildBundles();
  // A shared, sticky, world-writable directory: what /tmp is.
  base = tempDir('attacker');
  chmodSync(base, 0o1777);
}, 60_000);

afterAll(() => {
  removeDir(base);
  removeDir(bundles?.dir);
});

function unsafe(action: () => unknown): UnsafePermissionsError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafePermissionsError);
    return error as UnsafePermissionsError;
  }
  throw new Error('expected UNSAFE_PERMISSIONS');
}

const who = () => `${attacker.name} (uid ${attacker.uid})`;
const FAR_FUTURE = '2099-01-01T00:00:00.000Z';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a cache directory another user pre-created 0777 with credentials expiring in 2099: refused, nothing served', async () => {
  const cacheDir = join(base, 'shared-cache');
  const port = await closedPort();
  const settings = {
    OIDC_IDP_TYPE: 'cognito',
    OIDC_TOKEN_URL: `http://127.0.0.1:${port}/oauth2/token`,
    OIDC_CLIENT_ID: 'victim',
    OIDC_CLIENT_SECRET: 'victim-secret',
    CREDENTIAL_VENDING_URL: `http://127.0.0.1:${port}/credentials`,
    OIDC_CACHE_DIR: cacheDir,
  };
  const planted = join(cacheDir, `${cacheKey(loadProviderConfig(settings))}.credentials.json`);
  const forged = JSON.stringify({ Version: 1, AccessKeyId: 'AKIAPLANTED', SecretAccessKey: 'x', SessionToken: 'y', Expiration: FAR_FUTURE });
  await asAttacker(`umask 000 && mkdir -m 0777 ${cacheDir} && printf '%s' '${forged}' > ${planted} && chmod 0666 ${planted}`);
  const envFile = join(bundles.dir, 'victim.env');
  writeFileSync(envFile, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n'));
  const result = await run(bundles.provider, ['get-credentials', '--env-file', envFile], cleanEnv(bundles.dir));
  expect(result.stdout).toBe('');
  expect(result.stdout).not.toContain('AKIAPLANTED');
  expect(result.stderr).toBe(
    `oidc-credential-provider: cache directory (OIDC_CACHE_DIR) ${cacheDir} is not safe to use: it is owned by ${who()}, mode 0777; it must be yours; ${CACHE_FIX} [UNSAFE_PERMISSIONS]\n`,
  );
  expect(result.code).toBe(1);
});

test('a symlink planted at the cache path, or on the way to it, is refused before anything is written through it', async () => {
  const target = join(base, 'attacker-target');
  const link = join(base, 'cache-link');
  await asAttacker(`mkdir -m 0777 ${target} && ln -s ${target} ${link}`);
  const direct = unsafe(() => new CredentialCache(link, 'k').prepare());
  expect(direct.message).toBe(`cache directory (OIDC_CACHE_DIR) ${link} is not safe to use: it is a symlink (owner ${who()}); use the directory itself; ${CACHE_FIX}`);
  const below = join(link, 'oidc-s3');
  const through = unsafe(() => new CredentialCache(below, 'k').prepare());
  expect(through.message).toBe(`cache directory (OIDC_CACHE_DIR) ${below} is not safe to use: ${link} is a symlink owned by ${who()}, not by you or root; ${CACHE_FIX}`);
  // Nothing was created in the attacker's directory.
  const listing = await run('/bin/ls', ['-A', target], { PATH: '/bin' });
  expect(listing.stdout).toBe('');
});

test('a directory of ours under a parent anyone may write without the sticky bit is refused (it could be swapped)', () => {
  const open = join(base, 'open-parent');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const cacheDir = join(open, 'cache');
  const error = unsafe(() => new CredentialCache(cacheDir, 'k').prepare());
  expect(error.message).toBe(`cache directory (OIDC_CACHE_DIR) ${cacheDir} is not safe to use: ${open} is writable by anyone without the sticky bit (mode 0777); ${CACHE_FIX}`);
  expect(error.code).toBe('UNSAFE_PERMISSIONS');
});

test('cache files: a symlink, a file of another user, or one others may write is refused on read', () => {
  const cacheDir = join(base, 'own-cache');
  const cache = new CredentialCache(cacheDir, 'k');
  cache.prepare();
  writeFileSync(join(base, 'elsewhere.json'), '{}');
  symlinkSync(join(base, 'elsewhere.json'), cache.credentialsPath);
  expect(unsafe(() => cache.readCredentials()).message).toBe(`cache file ${cache.credentialsPath} is a symlink; ${CACHE_FIX}`);
  const forged = JSON.stringify({ Version: 1, AccessKeyId: 'AKIAPLANTED', SecretAccessKey: 'x', SessionToken: 'y', Expiration: FAR_FUTURE });
  writeFileSync(cache.tokenPath, JSON.stringify({ access_token: 't', expires_at: FAR_FUTURE }), { mode: 0o600 });
  chownSync(cache.tokenPath, attacker.uid, attacker.gid);
  expect(unsafe(() => cache.readToken()).message).toBe(`cache file ${cache.tokenPath} is owned by ${who()}, mode 0600; it must be yours; ${CACHE_FIX}`);
  const other = new CredentialCache(cacheDir, 'k2');
  writeFileSync(other.credentialsPath, forged);
  chmodSync(other.credentialsPath, 0o666);
  expect(unsafe(() => other.readCredentials()).message).toBe(`cache file ${other.credentialsPath} is writable by others (owner root (uid 0), mode 0666); ${CACHE_FIX}`);
});

describe('locks that can never go stale by age are stale now', () => {
  async function takesOver(lockPath: string): Promise<void> {
    const started = Date.now();
    const release = await acquire(lockPath, { timeoutMs: 3000, staleMs: 60_000 });
    release();
    expect(Date.now() - started).toBeLessThan(3000);
  }

  test('pid 1 with a creation time in the future', async () => {
    const cache = new CredentialCache(join(base, 'lock-future'), 'k');
    cache.prepare();
    writeFileSync(cache.lockPath, JSON.stringify({ pid: 1, nonce: 'planted', createdMs: Date.now() + 365 * 86400_000 }), { mode: 0o600 });
    await takesOver(cache.lockPath);
  });

  test('a lock file owned by another user (its pid alive or not)', async () => {
    const cache = new CredentialCache(join(base, 'lock-foreign'), 'k');
    cache.prepare();
    writeFileSync(cache.lockPath, JSON.stringify({ pid: 1, nonce: 'planted', createdMs: Date.now() }), { mode: 0o600 });
    chownSync(cache.lockPath, attacker.uid, attacker.gid);
    await takesOver(cache.lockPath);
  });

  test('a live holder of ours is still waited for (single flight kept)', async () => {
    const cache = new CredentialCache(join(base, 'lock-live'), 'k');
    cache.prepare();
    const release = await acquire(cache.lockPath);
    const error = (await acquire(cache.lockPath, { timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    )) as ClientError;
    expect(error.code).toBe('LOCK_TIMEOUT');
    release();
  });
});
