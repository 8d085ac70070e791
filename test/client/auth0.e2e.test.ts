// The host client against Auth0-shaped parts: a local OAuth server issuing RS256 tokens over
// HTTPS, the STS stub verifying them against its JWKS, and s3rver; consumed by the real AWS CLI,
// boto3 and the client's own s3-ops bundle.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { AZP_READINGS, startStsStub, type StsStub } from '../../sandbox/sts';
import {
  BOTO3_SCRIPT,
  cleanEnv,
  mode,
  run,
  writeAwsConfig,
  auth0HostSettings,
  auth0StsModel,
  TestHost,
  type Bundles,
} from './harness';

const AUDIENCE = 'https://s3-uploader.test.example';
const CLIENT_ID = 'web01AuthZeroClient';
const CLIENT_SECRET = `auth0-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-web-01';
const REGION = 'eu-west-1';
const NODE = process.execPath;
// Every test runs under both readings of the token's azp claim by STS (see docs/IMPLEMENTATION.md,
// "Auth0 exchange"): the client and the trust the servers stack deploys must work under either.
describe.each(AZP_READINGS)('STS %s reading', (reading) => {
  let host: TestHost;
  let bundles: Bundles;
  let s3: LocalS3;
  let idp: OAuthServer;
  let sts: StsStub;
  let home: string;
  let envFile: string;

  const webIdentityCalls = () => sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').length;

  function settings(overrides: Record<string, string> = {}, name = 'host.env'): string {
    return host.envFile(overrides, name);
  }

  function getCredentials(env: string = envFile, timeoutMs?: number) {
    return host.getCredentials(env, timeoutMs);
  }

  beforeAll(async () => {
    host = new TestHost('auth0-host');
    ({ home, bundles } = host);
    [s3, idp] = await Promise.all([
      startS3(),
      startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
    ]);
    sts = await startStsStub({
      credentials: s3.accessKeys,
      azpReading: reading,
      iam: auth0StsModel({ idp, audience: AUDIENCE, servers: [{ clientId: CLIENT_ID, roleArn: ROLE_ARN }] }),
    });
    host.settings = {
      ...auth0HostSettings({ home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: REGION }),
      S3_BUCKET: s3.bucket,
      S3_PREFIX: 'web-01/',
    };
    envFile = settings();
    writeAwsConfig(home, bundles.provider, envFile, REGION);
  }, 90_000); // bundles built and servers started on a machine that may be busy

  afterAll(async () => {
    await Promise.all([s3?.close(), idp?.close(), sts?.close()]);
    host?.close();
  });

  test('50 concurrent get-credentials from a cold cache make one token request and one STS exchange', async () => {
    // 50 Node processes on a shared 2-core machine: what is asserted is the request count, never time.
    // The same host settings (so the same cache entry), with room for the IdP's answer on a loaded machine.
    const patient = settings({ OIDC_HTTP_TIMEOUT_SECONDS: '60' }, 'patient.env');
    const results = await Promise.all(Array.from({ length: 50 }, () => getCredentials(patient, 100_000)));
    for (const r of results) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
    const outputs = new Set(results.map((r) => r.stdout));
    expect(outputs.size).toBe(1);
    const json = JSON.parse([...outputs][0]!) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['AccessKeyId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version']);
    expect(json.Version).toBe(1);
    expect(json.AccessKeyId).toBe(s3.accessKeys.accessKeyId);
    expect(idp.tokenRequests).toBe(1);
    expect(webIdentityCalls()).toBe(1);
    const call = sts.calls.find((c) => c.action === 'AssumeRoleWithWebIdentity')!;
    expect(call.params.RoleArn).toBe(ROLE_ARN);
    expect(call.params.RoleSessionName).toBe(`oidc-s3-${CLIENT_ID}`);

    const cacheDir = join(home, 'cache');
    expect(mode(cacheDir)).toBe(0o700);
    const files = readdirSync(cacheDir);
    expect(files.filter((f) => f.endsWith('.json')).length).toBe(2);
    expect(files.filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
    for (const f of files) expect(mode(join(cacheDir, f))).toBe(0o600);
  }, 120_000);

  test('a warm-cache get-credentials answers from the cache without loading what only a refresh or another command needs', async () => {
    await getCredentials(); // the cache is warm
    const [tokens, exchanges] = [idp.tokenRequests, webIdentityCalls()];
    // Node's own record of the built-in modules it loaded, written as the process exits.
    const hook = join(home, 'module-list.cjs');
    const list = join(home, 'module-list.json');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList)));\n`);
    const result = await run(NODE, ['--require', hook, bundles.provider, 'get-credentials', '--env-file', envFile], cleanEnv(home));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(result.stdout) as { AccessKeyId: string }).AccessKeyId).toBe(s3.accessKeys.accessKeyId);
    expect([idp.tokenRequests, webIdentityCalls()]).toEqual([tokens, exchanges]);
    const loaded = new Set((JSON.parse(readFileSync(list, 'utf8')) as string[]).map((entry) => entry.replace(/^NativeModule /, '')));
    expect(loaded.has('fs')).toBe(true); // the record is Node's, and complete
    // HTTP and TLS clients (the IdP, STS), the credentials endpoint's server (serve), doctor's
    // assertions; node:crypto and the streams it brings (the cache file's name is a SHA-256, and
    // writes use random temp names: neither needs them on a hit).
    expect(['http', 'https', 'tls', 'net', '_http_client', '_http_server', 'assert', 'crypto', 'stream', 'internal/streams/readable'].filter((name) => loaded.has(name))).toEqual([]);
  });

  test('the AWS CLI and boto3 upload and download through the credential_process profile', async () => {
    const local = join(home, 'cli-upload.txt');
    writeFileSync(local, 'shipped by the aws cli\n');
    const env = cleanEnv(home, { AWS_PROFILE: 'oidc-s3' });
    const up = await run('/usr/bin/aws', ['s3', 'cp', local, `s3://${s3.bucket}/web-01/cli.txt`, '--endpoint-url', s3.url], env);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const down = await run('/usr/bin/aws', ['s3', 'cp', `s3://${s3.bucket}/web-01/cli.txt`, join(home, 'cli-download.txt'), '--endpoint-url', s3.url], env);
    expect(down.code).toBe(0);
    expect(readFileSync(join(home, 'cli-download.txt'), 'utf8')).toBe('shipped by the aws cli\n');

    const boto = await run(
      '/usr/bin/python3',
      ['-c', BOTO3_SCRIPT, s3.url, s3.bucket, 'web-01/boto3.txt', local, join(home, 'boto3-download.txt')],
      cleanEnv(home),
    );
    expect(boto.stderr).toBe('');
    expect(boto.stdout.trim()).toBe(s3.accessKeys.accessKeyId);
    expect(readFileSync(join(home, 'boto3-download.txt'), 'utf8')).toBe('shipped by the aws cli\n');
    // Served from the cache the concurrent test filled.
    expect(idp.tokenRequests).toBe(1);
    expect(webIdentityCalls()).toBe(1);
  }, 30_000);

  test('s3-ops uploads (multipart above the part size), lists, downloads and deletes under S3_PREFIX', async () => {
    const big = join(home, 'big.bin');
    const content = Buffer.alloc(6 * 1024 * 1024 + 123);
    for (let i = 0; i < content.length; i += 4096) content[i] = i % 251;
    writeFileSync(big, content);
    const env = cleanEnv(home, { AWS_PROFILE: 'oidc-s3', AWS_ENDPOINT_URL_S3: s3.url });
    const ops = (...args: string[]) => run(NODE, [bundles.s3ops, ...args, '--env-file', envFile], env, { cwd: home });

    const up = await ops('upload', big, 'logs/big.bin', '--part-size', '5');
    expect(up.stderr).toBe('');
    expect(up.stdout).toContain(`s3://${s3.bucket}/web-01/logs/big.bin (${content.length} bytes, CRC32 verified)`);
    expect(readFileSync(join(s3.directory, s3.bucket, 'web-01/logs/big.bin._S3rver_object')).equals(content)).toBe(true);

    const list = await ops('list', 'logs/');
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^\\s*${content.length}\\s+\\S+Z\\s+logs/big\\.bin$`))]);

    const down = await ops('download', 'logs/big.bin', join(home, 'big.out'));
    expect(down.code).toBe(0);
    expect(readFileSync(join(home, 'big.out')).equals(content)).toBe(true);

    const del = await ops('delete', 'logs/big.bin');
    expect(del.stdout.trim()).toBe(`deleted s3://${s3.bucket}/web-01/logs/big.bin`);
    const again = await ops('delete', 'logs/big.bin');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`s3-ops: delete s3://${s3.bucket}/web-01/logs/big.bin failed: no such object [S3_OPERATION_FAILED]`);
  }, 30_000);

  test('IdP down: still-valid cached credentials are served with a warning; with no cache, exit 1 and one line', async () => {
    const cached = JSON.parse((await getCredentials()).stdout) as { AccessKeyId: string; Expiration: string };
    idp.available = false;
    try {
      const before = idp.tokenRequests;
      // A margin larger than what is left makes the cached entry due, so a refresh is attempted.
      const due = settings({ OIDC_REFRESH_MARGIN_SECONDS: '3599' }, 'due.env');
      const served = await getCredentials(due);
      expect(served.code).toBe(0);
      expect(JSON.parse(served.stdout)).toMatchObject({ AccessKeyId: cached.AccessKeyId, Expiration: cached.Expiration });
      expect(served.stderr).toMatch(/^oidc-credential-provider: warning: refreshing credentials failed, serving cached ones valid until \S+: token endpoint \S+ unavailable: HTTP 503 temporarily_unavailable \[IDP_UNAVAILABLE\]\n$/);
      expect(idp.tokenRequests).toBe(before + 1);

      const cold = await getCredentials(settings({ OIDC_CACHE_DIR: join(home, 'cold-cache') }, 'cold.env'));
      expect(cold.code).toBe(1);
      expect(cold.stdout).toBe('');
      expect(cold.stderr.split('\n')).toEqual([
        `oidc-credential-provider: token endpoint ${idp.tokenUrl} unavailable: HTTP 503 temporarily_unavailable [IDP_UNAVAILABLE]`,
        '',
      ]);
      expect(cold.stderr).not.toContain(CLIENT_SECRET);
    } finally {
      idp.available = true;
    }
  });

  test('a corrupt cache is discarded and rebuilt, not fatal', async () => {
    const cacheDir = join(home, 'corrupt-cache');
    const env = settings({ OIDC_CACHE_DIR: cacheDir }, 'corrupt.env');
    expect((await getCredentials(env)).code).toBe(0);
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const f of files) writeFileSync(join(cacheDir, f), '{"Version":1,"AccessKeyId":');
    const before = idp.tokenRequests;
    const recovered = await getCredentials(env);
    expect(recovered.code).toBe(0);
    expect(JSON.parse(recovered.stdout).AccessKeyId).toBe(s3.accessKeys.accessKeyId);
    expect(recovered.stderr).toContain('warning: discarding corrupt cache file');
    expect(idp.tokenRequests).toBe(before + 1);
    for (const f of files) {
      expect(() => JSON.parse(readFileSync(join(cacheDir, f), 'utf8'))).not.toThrow();
      expect(mode(join(cacheDir, f))).toBe(0o600);
    }
  });

  test('refusals are one line with a code: a wrong secret, a role that does not trust the client', async () => {
    const wrongSecret = await getCredentials(settings({ OIDC_CLIENT_SECRET_FILE: '', OIDC_CLIENT_SECRET: 'not-the-secret', OIDC_CACHE_DIR: join(home, 'c-secret') }, 'wrong.env'));
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toBe(
      `oidc-credential-provider: token endpoint ${idp.tokenUrl} refused client ${CLIENT_ID}: HTTP 401 access_denied Unauthorized [TOKEN_REJECTED]\n`,
    );
    const otherRole = 'arn:aws:iam::123456789012:role/oidc-s3-test-someone-else';
    const untrusted = await getCredentials(settings({ OIDC_ROLE_ARN: otherRole, OIDC_CACHE_DIR: join(home, 'c-role') }, 'role.env'));
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toBe(
      `oidc-credential-provider: STS refused AssumeRoleWithWebIdentity for ${otherRole}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity [CREDENTIALS_REJECTED]\n`,
    );
    const badConfig = await getCredentials(settings({ OIDC_ROLE_ARN: 'role/web-01' }, 'bad.env'));
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toBe(
      'oidc-credential-provider: OIDC_ROLE_ARN must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "role/web-01") [CONFIG_INVALID]\n',
    );
  });

  test('token-daemon --once writes an owner-only token file the SDK web-identity chain can use', async () => {
    const tokenFile = join(home, 'run', 'token');
    const env = settings({ OIDC_CACHE_DIR: join(home, 'token-cache') }, 'token.env');
    const result = await run(NODE, [bundles.provider, 'token-daemon', '--once', '--token-file', tokenFile, '--env-file', env], cleanEnv(home));
    expect(result.code).toBe(0);
    expect(mode(tokenFile)).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: AUDIENCE, sub: `${CLIENT_ID}@clients`, iss: idp.issuer });

    const before = webIdentityCalls();
    const list = await run(
      NODE,
      [bundles.s3ops, 'list', '--bucket', s3.bucket, '--prefix', 'web-01/'],
      cleanEnv(home, {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_CONFIG_FILE: join(home, 'no-such-config'),
      }),
    );
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(webIdentityCalls()).toBe(before + 1);
  });

  describe('credential-daemon', () => {
    const credentialsFile = () => join(home, 'daemon', 'credentials');
    const otherProfiles = '[default]\naws_access_key_id = AKIDDEFAULTKEEP\naws_secret_access_key = keep-me\n\n[reporting]\nregion = us-east-2\naws_access_key_id = AKIDREPORTING\naws_secret_access_key = keep-me-too\n';

    test('--once sets one profile, keeps the others, owner-only; the AWS CLI uses it', async () => {
      mkdirSync(join(home, 'daemon'), { recursive: true });
      writeFileSync(credentialsFile(), otherProfiles);
      const env = cleanEnv(home, { AWS_SHARED_CREDENTIALS_FILE: credentialsFile() });
      const result = await run(NODE, [bundles.provider, 'credential-daemon', '--once', '--env-file', envFile], env);
      expect(result.code).toBe(0);
      const text = readFileSync(credentialsFile(), 'utf8');
      expect(text.startsWith(otherProfiles)).toBe(true);
      expect(text).toMatch(new RegExp(`\\[oidc-s3\\]\\n# oidc-credential-provider: expires \\S+\\naws_access_key_id = ${s3.accessKeys.accessKeyId}\\naws_secret_access_key = \\S+\\naws_session_token = \\S+\\n$`));
      expect(mode(credentialsFile())).toBe(0o600);

      writeFileSync(join(home, 'daemon', 'up.txt'), 'via the credentials file\n');
      const up = await run(
        '/usr/bin/aws',
        ['s3', 'cp', join(home, 'daemon', 'up.txt'), `s3://${s3.bucket}/web-01/daemon.txt`, '--endpoint-url', s3.url, '--region', REGION],
        cleanEnv(home, { AWS_SHARED_CREDENTIALS_FILE: credentialsFile(), AWS_PROFILE: 'oidc-s3', AWS_CONFIG_FILE: join(home, 'no-such-config') }),
      );
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
    });

    test('runs until SIGTERM, then exits 0', async () => {
      const file = join(home, 'daemon', 'sigterm-credentials');
      const child = spawn(NODE, [bundles.provider, 'credential-daemon', '--credentials-file', file, '--env-file', envFile], {
        env: cleanEnv(home),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(file)).toBe(true);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stderr).toMatch(/credential-daemon \[oidc-s3\]: refreshed; valid until \S+, next refresh in \d+ s/);
    });

    test('SIGKILL at random moments never leaves a torn or partial credentials file', async () => {
      const file = join(home, 'daemon', 'kill-credentials');
      // A large file makes the write window wide enough for kills to land inside it.
      const filler = Array.from({ length: 40_000 }, (_, i) => `[filler-${i}]\naws_access_key_id = AKIDFILLER${i}\naws_secret_access_key = ${'x'.repeat(40)}\n`).join('\n');
      writeFileSync(file, `${filler}\n`, { mode: 0o600 });
      let previous = readFileSync(file, 'utf8');
      let rewrites = 0;
      for (let round = 0; round < 8; round++) {
        const env = settings({ OIDC_CACHE_DIR: join(home, `kill-cache-${round}`) }, `kill-${round}.env`);
        const child = spawn(NODE, [bundles.provider, 'credential-daemon', '--once', '--credentials-file', file, '--env-file', env], {
          env: cleanEnv(home),
          stdio: 'ignore',
        });
        const closed = new Promise((resolve) => child.on('close', resolve));
        // Kills spread from start-up to past the write; the last round runs to completion, so at
        // least one new version is always written even on a slow machine.
        const killer = round < 7 ? setTimeout(() => child.kill('SIGKILL'), 100 + round * 100 + Math.random() * 200) : undefined;
        await closed;
        clearTimeout(killer);
        const now = readFileSync(file, 'utf8');
        if (now !== previous) {
          // A new version: every old profile intact, and the managed one complete.
          expect(now.startsWith(`${filler}\n`)).toBe(true);
          expect(now).toMatch(/\[oidc-s3\]\n# oidc-credential-provider: expires \S+\naws_access_key_id = \S+\naws_secret_access_key = \S+\naws_session_token = \S+\n$/);
          previous = now;
          rewrites += 1;
        }
        expect(mode(file)).toBe(0o600);
      }
      expect(rewrites).toBeGreaterThan(0);
      // Temp files a kill left behind are owner-only too.
      for (const f of readdirSync(join(home, 'daemon')).filter((name) => name.includes('kill-credentials'))) {
        expect(mode(join(home, 'daemon', f))).toBe(0o600);
      }
    }, 30_000);
  });
});
