import type { ProviderConfig } from '../config/provider-config';
import { CredentialCache } from '../storage/credential-cache';
import { CacheUnwritableError, CredentialError, describeError, unwritableCause } from '../errors';
import { secondsLeft, type AwsCredentials, type CachedToken } from './aws-credentials';
import type { LockOptions } from '../storage/cache-lock';

// What only a refresh needs (the lock, the token request, the exchange and, through it, the
// STS client) is required on first use: `get-credentials` answered from the cache, what the AWS
// CLI and boto3 start for every process, loads none of it (bench/client.ts). `require` rather
// than `import()`, which the test runner's CommonJS transform cannot load.
/* eslint-disable @typescript-eslint/no-require-imports */
const lock = () => require('../storage/cache-lock') as typeof import('../storage/cache-lock');
const requestToken = (config: ProviderConfig) => (require('./token-request') as typeof import('./token-request')).requestToken(config);
const exchangeToken = (config: ProviderConfig, accessToken: string) =>
  (require('./token-exchange') as typeof import('./token-exchange')).exchangeToken(config, accessToken);
/* eslint-enable @typescript-eslint/no-require-imports */

/** Cached credentials with less than this left are not served even when refreshing fails. */
export const MIN_USABLE_SECONDS = 30;

export interface ProviderHooks {
  /** Where warnings go (stderr in the CLI). */
  readonly warn?: (message: string) => void;
  readonly requestToken?: (config: ProviderConfig) => Promise<CachedToken>;
  readonly exchangeToken?: (config: ProviderConfig, accessToken: string) => Promise<AwsCredentials>;
  readonly lock?: LockOptions;
  /**
   * When the cache directory cannot be written, fetch and exchange without it (warning once)
   * instead of failing with CACHE_UNWRITABLE: right for get-credentials, wrong for the daemons.
   */
  readonly cacheOptional?: boolean;
}

/**
 * Tokens and credentials with a shared on-disk cache. Reads take no lock; a refresh happens under
 * the cache lock and looks at the cache again first, so many processes starting at once make one
 * token request and one exchange. When a refresh fails, credentials that are still valid are
 * served with a warning: a flaky IdP must never be the reason logs stop flowing.
 */
export class OidcCredentialProvider {
  readonly cache: CredentialCache;
  private readonly warn: (message: string) => void;
  private readonly fetchToken: (config: ProviderConfig) => Promise<CachedToken>;
  private readonly exchange: (config: ProviderConfig, accessToken: string) => Promise<AwsCredentials>;
  private readonly lockOptions: LockOptions;
  private readonly cacheOptional: boolean;

  constructor(
    readonly config: ProviderConfig,
    hooks: ProviderHooks = {},
  ) {
    this.warn = hooks.warn ?? (() => undefined);
    this.cache = CredentialCache.forConfig(config, this.warn);
    this.fetchToken = hooks.requestToken ?? ((c) => requestToken(c));
    this.exchange = hooks.exchangeToken ?? exchangeToken;
    // Waiters outlast the longest refresh: a token request plus an exchange with one retry.
    const holdMs = config.httpTimeoutSeconds * 4 * 1000;
    this.lockOptions = hooks.lock ?? { timeoutMs: holdMs + 5000, staleMs: holdMs + 30_000 };
    this.cacheOptional = hooks.cacheOptional ?? false;
  }

  /** For the daemons, before their first refresh: CACHE_UNWRITABLE now rather than retries forever. */
  assertCacheWritable(): void {
    try {
      this.cache.prepare();
      this.cache.probeWrite();
    } catch (error) {
      const cause = unwritableCause(error);
      if (cause) throw new CacheUnwritableError(this.config.cacheDir, cause);
      throw error;
    }
  }

  private isFresh(expiration: Date): boolean {
    return secondsLeft(expiration) > this.config.refreshMarginSeconds;
  }

  async getCredentials(): Promise<AwsCredentials> {
    const cached = this.cache.readCredentials();
    if (cached && this.isFresh(cached.expiration)) return cached;
    try {
      this.cache.prepare();
      return await lock().withLock(
        this.cache.lockPath,
        async () => {
          const current = this.cache.readCredentials();
          if (current && this.isFresh(current.expiration)) return current;
          const credentials = await this.exchangeWithFreshTokenRetry();
          this.cache.writeCredentials(credentials);
          return credentials;
        },
        this.lockOptions,
      );
    } catch (error) {
      const unwritable = unwritableCause(error);
      if (unwritable) {
        if (!this.cacheOptional) throw new CacheUnwritableError(this.config.cacheDir, unwritable);
        this.warn(`${new CacheUnwritableError(this.config.cacheDir, unwritable).message}; fetching credentials without a cache [CACHE_UNWRITABLE]`);
        const token = await this.fetchToken(this.config);
        return this.exchange(this.config, token.accessToken);
      }
      const fallback = this.cache.readCredentials() ?? cached;
      if (fallback && secondsLeft(fallback.expiration) > MIN_USABLE_SECONDS) {
        this.warn(`refreshing credentials failed, serving cached ones valid until ${fallback.expiration.toISOString()}: ${describeError(error)}`);
        return fallback;
      }
      throw error;
    }
  }

  /** A token for the token daemon, from the cache while it has more than the margin left. */
  async getToken(): Promise<CachedToken> {
    const cached = this.cache.readToken();
    if (cached && this.isFresh(cached.expiresAt)) return cached;
    this.cache.prepare();
    return lock().withLock(this.cache.lockPath, () => this.tokenUnderLock(), this.lockOptions);
  }

  private async tokenUnderLock(): Promise<CachedToken & { readonly fromCache: boolean }> {
    const cached = this.cache.readToken();
    if (cached && this.isFresh(cached.expiresAt)) return { ...cached, fromCache: true };
    const token = await this.fetchToken(this.config);
    this.cache.writeToken(token);
    return { ...token, fromCache: false };
  }

  /** A cached token the exchange refuses (revoked, key rotated) is replaced once. */
  private async exchangeWithFreshTokenRetry(): Promise<AwsCredentials> {
    const token = await this.tokenUnderLock();
    try {
      return await this.exchange(this.config, token.accessToken);
    } catch (error) {
      if (!(error instanceof CredentialError && error.tokenRejected && token.fromCache)) throw error;
      this.cache.discardToken();
      const fresh = await this.tokenUnderLock();
      return this.exchange(this.config, fresh.accessToken);
    }
  }
}
