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
  readonly expiration: Date;
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

/** Seconds left before `expiration`, negative once past. */
export function secondsLeft(expiration: Date, nowMs = Date.now()): number {
  return (expiration.getTime() - nowMs) / 1000;
}

/**
 * How much earlier than STS's real end the `Expiration` handed to consumers is (60 s). Go SDK v1
 * tools (rclone) and others that ask again only at `Expiration` would otherwise sign a request a
 * second before the end and have S3 receive it after; 60 s covers a slow upload part's signing-to-
 * arrival time and a clock a little off. The cache keeps the real end, and the refresh margin
 * (at least 450 s) renews long before either, so nothing else changes.
 */
export const EXPIRATION_SAFETY_GAP_SECONDS = 60;

/**
 * The credentials as consumers are told of them: `expiration` moved EXPIRATION_SAFETY_GAP_SECONDS
 * earlier, unless that is already past (cached credentials served while the IdP is down, near
 * their end): then the real end, so the consumer can still use what is still valid.
 */
export function forConsumers(credentials: AwsCredentials, nowMs = Date.now()): AwsCredentials {
  const early = credentials.expiration.getTime() - EXPIRATION_SAFETY_GAP_SECONDS * 1000;
  return early > nowMs ? { ...credentials, expiration: new Date(early) } : credentials;
}
