import type { ProviderConfig } from '../config/provider-config';
import { CredentialCache } from '../storage/credential-cache';
import { CacheUnwritableError, CredentialError, describeError, unwritableCause } from '../errors';
import { lifetimeLeftSeconds, onHostClock, secondsLeft, type AwsCredentials, type CachedToken } from './aws-credentials';
import { clockSkewWarning, receiptOf, systemClock, type HostClock } from './issuer-clock';
import type { LockOptions } from '../storage/cache-lock';

// What only a refresh needs (the lock, the token request, the exchange and, through it, the
// STS client) is required on first use: `get-credentials` answered from the cache, what the AWS
// CLI and boto3 start for every process, loads none of it (bench/client.ts). `require` rather
// than `import()`, which the test runner's CommonJS transform cannot load.
/* eslint-disable @typescript-eslint/no-require-imports */
const lock = () => require('../storage/cache-lock') as typeof import('../storage/cache-lock');
const requestToken = (config: ProviderConfig) => (require('./token-request') as typeof import('./token-request')).requestToken(config);
const exchangeToken = (config: ProviderConfig, accessToken: string, clock: HostClock) =>
  (require('./token-exchange') as typeof import('./token-exchange')).exchangeToken(config, accessToken, clock);
/* eslint-enable @typescript-eslint/no-require-imports */

/** Cached credentials with less than this left are not served even when refreshing fails. */
export const MIN_USABLE_SECONDS = 30;

export interface ProviderHooks {
  /** Where warnings go (stderr in the CLI). */
  readonly warn?: (message: string) => void;
  readonly requestToken?: (config: ProviderConfig) => Promise<CachedToken>;
  /** Credentials with their `receipt` (see issuer-clock); stamped on arrival when they have none. */
  readonly exchangeToken?: (config: ProviderConfig, accessToken: string, clock: HostClock) => Promise<AwsCredentials>;
  readonly lock?: LockOptions;
  /** The host's clocks. @default systemClock */
  readonly clock?: HostClock;
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
 * served with a warning: a flaky IdP must never be the reason logs stop flowing. Sessions are
 * judged by their issuer's clock (see issuer-clock), so a host clock minutes off neither serves
 * an expired session nor drops a valid one, and a clock off by more than a minute is warned once.
 */
export class OidcCredentialProvider {
  readonly cache: CredentialCache;
  private readonly warn: (message: string) => void;
  private readonly fetchToken: (config: ProviderConfig) => Promise<CachedToken>;
  private readonly exchange: (config: ProviderConfig, accessToken: string, clock: HostClock) => Promise<AwsCredentials>;
  private readonly lockOptions: LockOptions;
  private readonly cacheOptional: boolean;
  readonly clock: HostClock;
  /** Set once the clock offset has been warned, cleared when a later answer finds it within bounds. */
  private skewWarned = false;

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
    this.clock = hooks.clock ?? systemClock;
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

  private isFresh(credentials: AwsCredentials): boolean {
    return lifetimeLeftSeconds(credentials, this.clock) > this.config.refreshMarginSeconds;
  }

  private tokenIsFresh(token: CachedToken): boolean {
    return secondsLeft(token.expiresAt, this.clock.now()) > this.config.refreshMarginSeconds;
  }

  /**
   * The session as received, `expiration` by its issuer's clock, with its `receipt`: judge it with
   * lifetimeLeftSeconds, hand it on with forConsumers or onHostClock (aws-credentials).
   */
  async getCredentials(): Promise<AwsCredentials> {
    const cached = this.cache.readCredentials();
    if (cached && this.isFresh(cached)) return cached;
    try {
      this.cache.prepare();
      return await lock().withLock(
        this.cache.lockPath,
        async () => {
          const current = this.cache.readCredentials();
          if (current && this.isFresh(current)) return current;
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
        const sentAt = this.clock.now();
        return this.received(await this.exchange(this.config, token.accessToken, this.clock), sentAt);
      }
      const fallback = this.cache.readCredentials() ?? cached;
      if (fallback && lifetimeLeftSeconds(fallback, this.clock) > MIN_USABLE_SECONDS) {
        const until = onHostClock(fallback, this.clock).expiration.toISOString();
        this.warn(`refreshing credentials failed, serving cached ones valid until ${until}: ${describeError(error)}`);
        return fallback;
      }
      throw error;
    }
  }

  /** A token for the token daemon, from the cache while it has more than the margin left. */
  async getToken(): Promise<CachedToken> {
    const cached = this.cache.readToken();
    if (cached && this.tokenIsFresh(cached)) return cached;
    this.cache.prepare();
    return lock().withLock(this.cache.lockPath, () => this.tokenUnderLock(), this.lockOptions);
  }

  private async tokenUnderLock(): Promise<CachedToken & { readonly fromCache: boolean }> {
    const cached = this.cache.readToken();
    if (cached && this.tokenIsFresh(cached)) return { ...cached, fromCache: true };
    const token = await this.fetchToken(this.config);
    this.cache.writeToken(token);
    return { ...token, fromCache: false };
  }

  /** A cached token the exchange refuses (revoked, key rotated) is replaced once. */
  private async exchangeWithFreshTokenRetry(): Promise<AwsCredentials> {
    const token = await this.tokenUnderLock();
    const sentAt = this.clock.now();
    try {
      return this.received(await this.exchange(this.config, token.accessToken, this.clock), sentAt);
    } catch (error) {
      if (!(error instanceof CredentialError && error.tokenRejected && token.fromCache)) throw error;
      this.cache.discardToken();
      const fresh = await this.tokenUnderLock();
      const resentAt = this.clock.now();
      return this.received(await this.exchange(this.config, fresh.accessToken, this.clock), resentAt);
    }
  }

  /** Stamps a receipt on credentials that came without one (the host's clock trusted), and warns of a clock off. */
  private received(credentials: AwsCredentials, sentAt: number): AwsCredentials {
    const stamped = credentials.receipt ? credentials : { ...credentials, receipt: receiptOf(undefined, sentAt, this.clock) };
    const warning = clockSkewWarning(stamped.receipt!, this.config.exchange === 'sts' ? 'STS' : 'the credential vending API');
    if (warning && !this.skewWarned) this.warn(warning);
    this.skewWarned = warning !== undefined;
    return stamped;
  }
}
