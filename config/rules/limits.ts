/**
 * The service limits the configuration is checked against, each with its source. Both the
 * schema and the constructs read them from here.
 */

/** IAM role names are 1-64 characters. Source: IAM API Reference, CreateRole, `RoleName`. */
export const MAX_ROLE_NAME_LENGTH = 64;

/** Values CloudWatch Logs accepts for `retentionInDays`. Source: CloudWatch Logs API Reference, PutRetentionPolicy. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Access-token lifetime, seconds, by identity provider. Auth0: resource server `token_lifetime`,
 * at most 2,592,000 s (30 days; Auth0 Management API, Resource Servers). Cognito: app client
 * `AccessTokenValidity`, 5 minutes to 1 day (Cognito API Reference, CreateUserPoolClient).
 */
export const TOKEN_LIFETIME_SECONDS = {
  auth0: { min: 60, max: 2_592_000 },
  cognito: { min: 300, max: 86_400 },
} as const;

/**
 * A server's session, seconds: STS issues role sessions of 900 s at least (AssumeRole and
 * AssumeRoleWithWebIdentity `DurationSeconds`, minimum 900) and a role allows at most 43,200 s
 * (IAM CreateRole `MaxSessionDuration`, 3,600-43,200).
 */
export const SESSION_DURATION_SECONDS = { min: 900, max: 43_200 } as const;

/** IAM's lower bound for a role's `MaxSessionDuration`. Source: IAM API Reference, CreateRole. */
export const MIN_ROLE_MAX_SESSION_DURATION = 3600;

/** Lifecycle rule day counts (S3 `Expiration.Days`, `NoncurrentDays`, `DaysAfterInitiation`): positive whole days; our own upper bounds. */
export const LIFECYCLE_DAYS = {
  objectExpiration: { min: 1, max: 36_500 },
  noncurrentVersionExpiration: { min: 1, max: 36_500 },
  abortIncompleteMultipartUpload: { min: 1, max: 365 },
} as const;

/**
 * HTTP API stage throttling. Source: API Gateway quotas, "Throttle quota per account, per
 * Region across HTTP APIs…": 10,000 requests per second steady, 5,000 burst.
 */
export const API_THROTTLING = { maxRateLimit: 10_000, maxBurstLimit: 5_000 } as const;

/**
 * Tag keys and values. Source: IAM API Reference, `Tag` (Key 1-128, Value 0-256 characters);
 * S3 and the other tagged services share these lengths.
 */
export const TAG_KEY_MAX_LENGTH = 128;
export const TAG_VALUE_MAX_LENGTH = 256;

/** The S3 key prefix a server may use: our own bound, well under S3's 1,024-byte key limit. */
export const PREFIX_LENGTH = { min: 2, max: 512 } as const;

/**
 * Client IDs (audiences) one IAM OIDC provider holds: 100, not adjustable. Source: IAM and STS
 * quotas, "Client IDs per OpenID Connect provider". Auth0's direct exchange lists the API
 * identifier and every enabled server's client id, so it allows 99 enabled servers.
 */
export const MAX_CLIENT_IDS_PER_OIDC_PROVIDER = 100;
export const MAX_DIRECT_EXCHANGE_SERVERS = MAX_CLIENT_IDS_PER_OIDC_PROVIDER - 1;

/**
 * servers.json `shards`: how many sets of per-server resource blocks the servers stack spreads
 * its servers over. Our limit, not a service's: OpenTofu's plan time grows with the square of
 * the instances of one `for_each` block (it re-evaluates the block's for_each, and rebuilds a
 * referenced block whole, for every instance it plans; bench/RESULTS.md, "OpenTofu scaling"),
 * so blocks of about SERVERS_PER_SHARD servers keep a plan linear in the servers. 256 shards of
 * 100 hold far more servers than one account's 5,000 roles.
 */
export const SHARDS = { min: 1, max: 256 } as const;
/** Servers per shard that a plan handles in seconds (about 8 s for 100; bench/RESULTS.md). */
export const SERVERS_PER_SHARD = 100;
/** Beyond this many servers in one shard, a plan takes minutes (3 min at 500): a warning names the fix. */
export const SLOW_PLAN_SERVERS_PER_SHARD = 500;
