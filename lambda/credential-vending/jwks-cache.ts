// The pool's signing keys, cached for the life of the container.
//
// jose's createRemoteJWKSet is not used because it fails every verification once its cache is
// stale and the JWKS endpoint is down, and its refetch cooldown only counts successful fetches,
// so an unknown kid during an outage would refetch on every request. Here:
// - keys are fetched on first use and refreshed when older than `maxAgeMs`; a failed refresh
//   keeps serving the cached keys (an IdP outage must not lock every host out);
// - an unknown kid triggers at most one fetch per `cooldownMs`, failed attempts included, so
//   forged kids cannot turn this function into a load generator against the IdP;
// - only RSA signing keys of at least 2048 bits, usable for RS256, are accepted.
import { importJWK, type JWK } from 'jose';
import { logEvent } from './log';

export interface JwksCacheOptions {
  readonly url: string;
  /** Minimum interval between fetches triggered by an unknown kid. @default 30000 */
  readonly cooldownMs?: number;
  /** Age after which keys are refreshed (served stale if the refresh fails). @default 3600000 */
  readonly maxAgeMs?: number;
  /** Per-fetch timeout. @default 3000 */
  readonly timeoutMs?: number;
}

/** The key set could not be fetched and no cached key fits: the caller answers 503. */
export class JwksUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`JWKS unavailable: ${reason}`);
    this.name = 'JwksUnavailableError';
  }
}

/**
 * No key with this kid while the issuer's keys are cached: not after a refetch, not within the
 * cooldown, and not when the refetch failed. The token is refused (401).
 */
export class UnknownKeyError extends Error {
  /** `reason`: why no refetch found it (for the logs). */
  constructor(reason: string) {
    super(`no signing key with the token kid (${reason})`);
    this.name = 'UnknownKeyError';
  }
}

const MAX_JWKS_BYTES = 64 * 1024;
const MIN_MODULUS_BYTES = 256;
const EMPTY_CACHE_RETRY_MS = 5_000;

export class JwksCache {
  private keys = new Map<string, CryptoKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: JwksCacheOptions) {
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  async getKey(kid: string): Promise<CryptoKey> {
    const now = Date.now();
    if (this.keys.size === 0) {
      // Without any key nothing verifies, so retry sooner than the cooldown, but not per request.
      if (!this.pending && now - this.attemptedAt < Math.min(this.cooldownMs, EMPTY_CACHE_RETRY_MS)) throw new JwksUnavailableError('recent fetch failed');
      await this.refresh();
    } else if (now - this.fetchedAt > this.maxAgeMs && now - this.attemptedAt >= this.cooldownMs) {
      // A failed refresh keeps the cached keys; it is logged in fetchKeys.
      await this.refresh().catch(() => undefined);
    }
    const cached = this.keys.get(kid);
    if (cached) return cached;
    if (Date.now() - this.attemptedAt < this.cooldownMs) throw new UnknownKeyError('within the refetch cooldown');
    try {
      await this.refresh();
    } catch (err) {
      // The issuer's keys are known (cached) and none has this kid: a failed refetch cannot make
      // the token valid, so this is the token's failure, not an outage (fetchKeys logged it).
      throw new UnknownKeyError(`refetch failed: ${err instanceof JwksUnavailableError ? err.reason : String(err)}`);
    }
    const fetched = this.keys.get(kid);
    if (!fetched) throw new UnknownKeyError('not in the refetched key set');
    return fetched;
  }

  /** One fetch at a time; concurrent callers share it. */
  private refresh(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = Date.now();
    try {
      const response = await fetch(this.options.url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status !== 200) throw new JwksUnavailableError(`HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new JwksUnavailableError('response too large');
      const keys = await importSigningKeys(JSON.parse(text) as unknown);
      if (keys.size === 0) throw new JwksUnavailableError('no usable RS256 key in the set');
      this.keys = keys;
      this.fetchedAt = Date.now();
    } catch (err) {
      const reason = err instanceof JwksUnavailableError ? err.reason : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      logEvent('warn', 'jwks_refresh_failed', { reason, cached_keys: this.keys.size });
      throw err instanceof JwksUnavailableError ? err : new JwksUnavailableError(reason);
    }
  }
}

async function importSigningKeys(body: unknown): Promise<Map<string, CryptoKey>> {
  const keys = new Map<string, CryptoKey>();
  const list = body && typeof body === 'object' && Array.isArray((body as { keys?: unknown }).keys) ? (body as { keys: unknown[] }).keys : [];
  for (const candidate of list) {
    if (!candidate || typeof candidate !== 'object') continue;
    const jwk = candidate as JWK;
    if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || !jwk.kid || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
    if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== 'RS256')) continue;
    if (jwk.d !== undefined || Buffer.from(jwk.n, 'base64url').length < MIN_MODULUS_BYTES) continue;
    try {
      const key = await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'RS256');
      if (key instanceof Uint8Array) continue;
      keys.set(jwk.kid, key as CryptoKey);
    } catch {
      // an unusable key is skipped; the others still serve
    }
  }
  return keys;
}
