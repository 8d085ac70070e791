import { millisecondsLeft, systemClock, type HostClock, type Receipt } from './issuer-clock';

/** An OAuth 2.0 access token and when it expires (by this host's clock). */
export interface CachedToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
}

/** Temporary AWS credentials as the client handles them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** The end of the session by its issuer's clock (STS's or the vending API's), as it said. */
  readonly expiration: Date;
  /** When and how this host received them (see issuer-clock); absent in caches of older clients. */
  readonly receipt?: Receipt;
}

/** The `credential_process` output format (version 1), also the vending API's answer. */
export interface CredentialProcessJson {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  readonly Expiration: string;
}

export function toCredentialProcessJson(credentials: AwsCredentials): CredentialProcessJson {
  return {
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
  };
}

/** Parses the credential_process shape; undefined when any field is missing or malformed. */
export function fromCredentialProcessJson(value: unknown): AwsCredentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const fields = [v.AccessKeyId, v.SecretAccessKey, v.SessionToken, v.Expiration];
  if (v.Version !== 1 || !fields.every((f) => typeof f === 'string' && f.length > 0)) return undefined;
  const expiration = new Date(v.Expiration as string);
  if (Number.isNaN(expiration.getTime())) return undefined;
  return {
    accessKeyId: v.AccessKeyId as string,
    secretAccessKey: v.SecretAccessKey as string,
    sessionToken: v.SessionToken as string,
    expiration,
  };
}

/** Seconds left before `expiration` (a token's, by this host's clock), negative once past. */
export function secondsLeft(expiration: Date, nowMs = Date.now()): number {
  return (expiration.getTime() - nowMs) / 1000;
}

/** Seconds of a session left now, by its issuer's clock (see millisecondsLeft); negative once past. */
export function lifetimeLeftSeconds(credentials: AwsCredentials, clock: HostClock = systemClock): number {
  return millisecondsLeft(credentials.expiration, credentials.receipt, clock) / 1000;
}

/**
 * The session with `expiration` on this host's clock, now: this host's time plus the time left by
 * the issuer's clock. What the daemons schedule by and log; it holds until the host clock is stepped.
 */
export function onHostClock(credentials: AwsCredentials, clock: HostClock = systemClock): AwsCredentials {
  const { receipt: _receipt, ...rest } = credentials;
  const now = clock.now();
  return { ...rest, expiration: new Date(now + millisecondsLeft(credentials.expiration, credentials.receipt, clock, now)) };
}

/**
 * How much earlier than STS's real end the `Expiration` handed to consumers is (60 s). Go SDK v1
 * tools (rclone) and others that ask again only at `Expiration` would otherwise sign a request a
 * second before the end and have S3 receive it after; 60 s covers a slow upload part's signing-to-
 * arrival time and the error of the clock offset measured (about a second). The cache keeps the
 * real end, and the refresh margin (at least 450 s by default) renews long before either.
 */
export const EXPIRATION_SAFETY_GAP_SECONDS = 60;

/**
 * The credentials as consumers on this host are told of them: `expiration` on this host's clock
 * (onHostClock), so that a consumer comparing it with the host's clock renews in time however far
 * that clock is off the issuer's, and EXPIRATION_SAFETY_GAP_SECONDS earlier, unless that is
 * already past (cached credentials served while the IdP is down, near their end): then the real
 * end, so the consumer can still use what is still valid.
 */
export function forConsumers(credentials: AwsCredentials, clock: HostClock = systemClock): AwsCredentials {
  const onHost = onHostClock(credentials, clock);
  const early = onHost.expiration.getTime() - EXPIRATION_SAFETY_GAP_SECONDS * 1000;
  return early > clock.now() ? { ...onHost, expiration: new Date(early) } : onHost;
}
