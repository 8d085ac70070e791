// Cache, lock, provider refresh rules, credentials file and daemon timing, in process.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialCache, cacheKey } from '../../client/storage/credential-cache';
import { loadProviderConfig, type ProviderConfig } from '../../client/config/provider-config';
import { upsertProfile } from '../../client/storage/shared-credentials-file';
import { backoffDelayMs, nextRefreshDelayMs, runRefreshLoop } from '../../client/credentials/refresh-loop';
import { CredentialError, TokenError, type ClientError } from '../../client/errors';
import { acquire } from '../../client/storage/cache-lock';
import { OidcCredentialProvider } from '../../client/credentials/credential-provider';
import type { AwsCredentials } from '../../client/credentials/aws-credentials';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oidc-s3-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config(overrides: Record<string, string> = {}): ProviderConfig {
  return loadProviderConfig({
    OIDC_IDP_TYPE: 'cognito',
    OIDC_TOKEN_URL: 'https://idp.example/oauth2/token',
    OIDC_CLIENT_ID: 'client-1',
    OIDC_CLIENT_SECRET: 'secret',
    CREDENTIAL_VENDING_URL: 'https://api.example/credentials',
    OIDC_CACHE_DIR: join(dir, 'cache'),
    ...overrides,
  });
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000);
const credentials = (id: string, expiresIn = 3600): AwsCredentials => ({ accessKeyId: id, secretAccessKey: `${id}-secret`, sessionToken: `${id}-token`, expiration: inSeconds(expiresIn) });

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected a rejection');
}

describe('cache', () => {
  test('entries are keyed by client and target, so two configurations never share one', () => {
    const a = cacheKey(config());
    expect(cacheKey(config())).toBe(a);
    expect(cacheKey(config({ CREDENTIAL_VENDING_URL: 'https://other.example/credentials' }))).not.toBe(a);
    expect(cacheKey(config({ OIDC_CLIENT_ID: 'client-2' }))).not.toBe(a);
    expect(cacheKey(config({ OIDC_SCOPES: 'https://s3.test/write' }))).not.toBe(a);
    expect(a).toMatch(/^client-1-[0-9a-f]{32}$/);
  });

  test('entry names are unchanged from releases that hashed with node:crypto: the first 32 hex digits of SHA-256 of the identity', () => {
    // The identity as releases before @noble/hashes wrote it, hashed by node:crypto.
    const nodeDigest = (settings: ReturnType<typeof config>) => {
      const identity = [settings.idpType, settings.tokenUrl, settings.clientId, settings.idpType === 'auth0' ? settings.audience : '', [...settings.scopes].sort().join(' '), settings.exchange === 'sts' ? settings.roleArn : settings.vendingUrl, settings.sessionDurationSeconds ?? ''];
      return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
    };
    const settings = config();
    expect(cacheKey(settings)).toBe(`client-1-${nodeDigest(settings)}`);
    // Non-ASCII in the identity hashes as UTF-8, as node:crypto hashes a string.
    const unicode = config({ OIDC_CLIENT_ID: 'clïent-ü' });
    expect(cacheKey(unicode)).toBe(`cl_ent-_-${nodeDigest(unicode)}`);
  });

  test('a corrupt entry is removed and reported as a miss', () => {
    const warnings: string[] = [];
    const cache = new CredentialCache(join(dir, 'cache'), 'k', (m) => warnings.push(m));
    cache.writeCredentials(credentials('AKIDONE'));
    expect(cache.readCredentials()?.accessKeyId).toBe('AKIDONE');
    writeFileSync(cache.credentialsPath, '{"Version":1,"AccessKeyId":"x","Expiration":"soon"}');
    expect(cache.readCredentials()).toBeUndefined();
    expect(warnings).toEqual([`discarding corrupt cache file ${cache.credentialsPath}`]);
    expect(existsSync(cache.credentialsPath)).toBe(false);
  });
});

describe('lock', () => {
  test('a lock left by a dead process is broken at once', async () => {
    const path = join(dir, 'x.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, nonce: 'dead', createdMs: Date.now() }));
    const started = Date.now();
    const release = await acquire(path, { timeoutMs: 2000 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(path)).toBe(false);
  });

  test('a live holder makes others wait, then time out with LOCK_TIMEOUT', async () => {
    const path = join(dir, 'y.lock');
    const release = await acquire(path);
    const error = await rejection(acquire(path, { timeoutMs: 150 }));
    expect(error.code).toBe('LOCK_TIMEOUT');
    expect(error.message).toMatch(new RegExp(`^timed out after \\d+ ms waiting for the cache lock ${path}$`));
    release();
    (await acquire(path, { timeoutMs: 150 }))();
  });
});

describe('provider', () => {
  test('concurrent callers share one token request and one exchange', async () => {
    let tokens = 0;
    let exchanges = 0;
    const provider = new OidcCredentialProvider(config(), {
      requestToken: async () => {
        tokens += 1;
        await new Promise((r) => setTimeout(r, 50));
        return { accessToken: 'tok', expiresAt: inSeconds(3600) };
      },
      exchangeToken: async () => {
        exchanges += 1;
        return credentials('AKIDSHARED');
      },
    });
    const all = await Promise.all(Array.from({ length: 10 }, () => provider.getCredentials()));
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['AKIDSHARED']));
    expect({ tokens, exchanges }).toEqual({ tokens: 1, exchanges: 1 });
  });

  test('credentials are renewed once less than the margin is left', async () => {
    let exchanges = 0;
    const provider = new OidcCredentialProvider(config({ OIDC_REFRESH_MARGIN_SECONDS: '600' }), {
      requestToken: async () => ({ accessToken: 'tok', expiresAt: inSeconds(3600) }),
      exchangeToken: async () => credentials(`AKID${++exchanges}`, 700),
    });
    expect((await provider.getCredentials()).accessKeyId).toBe('AKID1');
    expect((await provider.getCredentials()).accessKeyId).toBe('AKID1');
    provider.cache.writeCredentials(credentials('AKIDOLD', 599));
    expect((await provider.getCredentials()).accessKeyId).toBe('AKID2');
  });

  test('a cached token the exchange refuses is replaced once', async () => {
    const issued: string[] = [];
    const provider = new OidcCredentialProvider(config(), {
      requestToken: async () => {
        issued.push(`fresh-${issued.length}`);
        return { accessToken: issued[issued.length - 1]!, expiresAt: inSeconds(3600) };
      },
      exchangeToken: async (_c, token) => {
        if (token === 'revoked') throw new CredentialError('CREDENTIALS_REJECTED', 'HTTP 401 invalid_token', true);
        return credentials(`AKID-${token}`);
      },
    });
    provider.cache.prepare();
    provider.cache.writeToken({ accessToken: 'revoked', expiresAt: inSeconds(3600) });
    expect((await provider.getCredentials()).accessKeyId).toBe('AKID-fresh-0');
    expect(issued).toEqual(['fresh-0']);
  });

  test('when refreshing fails, still-valid credentials are served with a warning; expired ones are not', async () => {
    const warnings: string[] = [];
    const down = new TokenError('IDP_UNAVAILABLE', 'token endpoint https://idp.example/oauth2/token unavailable: HTTP 503');
    const provider = new OidcCredentialProvider(config(), {
      warn: (m) => warnings.push(m),
      requestToken: async () => {
        throw down;
      },
      exchangeToken: async () => credentials('never'),
    });
    const cached = credentials('AKIDCACHED', 120);
    provider.cache.writeCredentials(cached);
    expect((await provider.getCredentials()).accessKeyId).toBe('AKIDCACHED');
    expect(warnings).toEqual([
      `refreshing credentials failed, serving cached ones valid until ${cached.expiration.toISOString()}: token endpoint https://idp.example/oauth2/token unavailable: HTTP 503 [IDP_UNAVAILABLE]`,
    ]);
    provider.cache.writeCredentials(credentials('AKIDSTALE', 10));
    expect(await rejection(provider.getCredentials())).toBe(down);
  });
});

describe('shared credentials file', () => {
  const creds = { ...credentials('AKIDNEW'), expiration: new Date('2030-01-01T00:00:00.000Z') };
  const managed = '# oidc-credential-provider: expires 2030-01-01T00:00:00.000Z\naws_access_key_id = AKIDNEW\naws_secret_access_key = AKIDNEW-secret\naws_session_token = AKIDNEW-token';

  test('replaces the profile keys in place, keeping other keys, profiles and comments', () => {
    const before = '; top comment\n[default]\naws_access_key_id = AKIDDEF\n\n[oidc-s3]\nregion = eu-west-1\naws_access_key_id = AKIDOLD\naws_session_token = old\n\n[other]\noutput = json\n';
    expect(upsertProfile(before, 'oidc-s3', creds)).toBe(
      `; top comment\n[default]\naws_access_key_id = AKIDDEF\n\n[oidc-s3]\n${managed}\nregion = eu-west-1\n\n[other]\noutput = json\n`,
    );
  });

  test('appends a missing profile; an empty file gets just the profile; repeated writes are stable', () => {
    expect(upsertProfile('[default]\nregion = us-east-1', 'oidc-s3', creds)).toBe(`[default]\nregion = us-east-1\n\n[oidc-s3]\n${managed}\n`);
    const once = upsertProfile('', 'oidc-s3', creds);
    expect(once).toBe(`[oidc-s3]\n${managed}\n`);
    expect(upsertProfile(once, 'oidc-s3', creds)).toBe(once);
  });
});

describe('daemon timing', () => {
  test('wakes just after expiry minus margin, with bounded jitter', () => {
    const now = 1_000_000;
    const expiry = new Date(now + 3600_000);
    expect(nextRefreshDelayMs(expiry, 300, now, () => 0)).toBe(3300_000 + 1000);
    expect(nextRefreshDelayMs(expiry, 300, now, () => 1)).toBe(3300_000 + 1000 + 30_000);
    expect(nextRefreshDelayMs(new Date(now), 300, now, () => 0.5)).toBe(1000);
  });

  test('backoff doubles up to the cap, half of it random', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(n, 5000, 300_000, () => 0))).toEqual([2500, 5000, 10_000]);
    expect(backoffDelayMs(20, 5000, 300_000, () => 1)).toBe(300_000);
    expect(backoffDelayMs(20, 5000, 300_000, () => 0)).toBe(150_000);
  });

  test('a failing refresh is retried with backoff until it succeeds; abort ends the loop with 0', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    let calls = 0;
    const code = await runRefreshLoop({
      refresh: async () => {
        calls += 1;
        if (calls < 3) throw new TokenError('IDP_UNAVAILABLE', 'down');
        controller.abort();
        return inSeconds(3600);
      },
      marginSeconds: 300,
      once: false,
      signal: controller.signal,
      log: (m) => log.push(m),
      backoffBaseMs: 10,
      backoffMaxMs: 20,
    });
    expect(code).toBe(0);
    expect(calls).toBe(3);
    expect(log[0]).toMatch(/^refresh failed \(attempt 1\), retrying in 0 s: down \[IDP_UNAVAILABLE\]$/);
    expect(log[1]).toMatch(/^refresh failed \(attempt 2\)/);
  });

  test('--once reports a failure with exit code 1', async () => {
    const log: string[] = [];
    const code = await runRefreshLoop({
      refresh: async () => {
        throw new CredentialError('CREDENTIALS_REJECTED', 'refused');
      },
      marginSeconds: 300,
      once: true,
      signal: new AbortController().signal,
      log: (m) => log.push(m),
    });
    expect(code).toBe(1);
    expect(log).toEqual(['refused [CREDENTIALS_REJECTED]']);
  });
});
