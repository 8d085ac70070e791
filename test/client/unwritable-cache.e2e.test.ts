// A read-only home (a hardened unit's ProtectHome=, or a service user whose home is not its own)
// and no OIDC_CACHE_DIR: get-credentials still fetches and exchanges, warns once naming
// OIDC_CACHE_DIR and the systemd fix, and exits 0 with valid JSON; the daemons stop at once with
// CACHE_UNWRITABLE naming the path.
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, auth0StsModel, cleanEnv, run, tempDir, removeDir, TestHost } from './harness';
import { unprivilegedUser, type LocalUser } from './local-user';

const AUDIENCE = 'https://s3-uploader.test.example';
const CLIENT_ID = 'web01ReadOnlyHome';
const CLIENT_SECRET = `auth0-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test/oidc-s3-test-web-01';

let host: TestHost;
let idp: OAuthServer;
let sts: StsStub;
let user: LocalUser;
let readOnlyHome: string;
let envFile: string;
let base: string;

beforeAll(async () => {
  user = unprivilegedUser();
  host = new TestHost('read-only-home');
  chmodSync(host.bundles.dir, 0o755);
  idp = await startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] });
  sts = await startStsStub({
    credentials: { accessKeyId: 'AKIAREADONLYHOME', secretAccessKey: 'secret' },
    iam: auth0StsModel({ idp: idp, audience: AUDIENCE, servers: [{ clientId: CLIENT_ID, roleArn: ROLE_ARN }] }),
  });
  base = tempDir('read-only-home');
  chmodSync(base, 0o755);
  // The service user's home: there, but root's and read-only to it.
  readOnlyHome = join(base, 'home');
  mkdirSync(readOnlyHome, { mode: 0o755 });
  const settings = auth0HostSettings({ home: base, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: 'eu-west-1' });
  chownSync(settings.OIDC_CLIENT_SECRET_FILE!, user.uid, user.gid);
  const { OIDC_CACHE_DIR: _unset, ...withoutCacheDir } = settings;
  // The local CA, where the other user can read it.
  copyFileSync(process.env.NODE_EXTRA_CA_CERTS!, join(base, 'ca.pem'));
  chmodSync(join(base, 'ca.pem'), 0o644);
  envFile = join(base, 'host.env');
  writeFileSync(envFile, Object.entries(withoutCacheDir).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o644 });
}, 60_000);

afterAll(async () => {
  await Promise.all([idp?.close(), sts?.close()]);
  host?.close();
  removeDir(base);
});

const asUser = (args: string[]) =>
  run(user.asUser[0]!, [...user.asUser.slice(1), host.bundles.provider, ...args, '--env-file', envFile], cleanEnv(readOnlyHome, { NODE_EXTRA_CA_CERTS: join(base, 'ca.pem') }));

const cacheDir = () => join(readOnlyHome, '.cache', 'oidc-s3');
const FIX = 'set OIDC_CACHE_DIR to a directory this user can write; under systemd, CacheDirectory=oidc-s3 with OIDC_CACHE_DIR=/var/cache/oidc-s3 (or ReadWritePaths= for another path)';

test('get-credentials: valid JSON, exit 0, one warning naming OIDC_CACHE_DIR and the systemd fix', async () => {
  const result = await asUser(['get-credentials']);
  expect(result.stderr).toBe(`oidc-credential-provider: warning: cache directory ${cacheDir()} cannot be created or written (EACCES): ${FIX}; fetching credentials without a cache [CACHE_UNWRITABLE]\n`);
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ Version: 1, AccessKeyId: 'AKIAREADONLYHOME' });
  expect(idp.tokenRequests).toBeGreaterThanOrEqual(1);
});

test.each([
  ['credential-daemon', ['credential-daemon', '--once', '--credentials-file', '/tmp/unused-credentials']],
  ['token-daemon', ['token-daemon', '--once', '--token-file', '/tmp/unused-token']],
])('%s fails fast with CACHE_UNWRITABLE naming the path', async (_name, args) => {
  const before = idp.tokenRequests;
  const result = await asUser(args);
  expect(result.stderr).toBe(`oidc-credential-provider: cache directory ${cacheDir()} cannot be created or written (EACCES): ${FIX} [CACHE_UNWRITABLE]\n`);
  expect(result.code).toBe(1);
  expect(idp.tokenRequests).toBe(before);
});
