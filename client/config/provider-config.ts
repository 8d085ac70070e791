import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ClientError, UnsafePermissionsError } from '../errors';
import { describeOwnership, fileAccessError } from '../storage/file-access';
import { Problems, readInteger, readRegion, readUrl, type Environment } from './settings';

/** What both identity providers need, validated. */
interface CommonProviderConfig {
  /** The OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes asked for (Cognito); none means the client's allowed scopes. Part of the cache key on both. */
  readonly scopes: readonly string[];
  /** @default `$XDG_CACHE_HOME/oidc-s3` or `~/.cache/oidc-s3` */
  readonly cacheDir: string;
  /** Tokens and credentials are renewed when less than this is left. @default 960, at most half the session (defaultRefreshMargin) */
  readonly refreshMarginSeconds: number;
  /** Session length asked of STS or the vending API; undefined leaves the role's default. */
  readonly sessionDurationSeconds?: number;
  /** Limit on each HTTP request to the IdP, STS or the vending API. @default 10 */
  readonly httpTimeoutSeconds: number;
}

/** Auth0, direct exchange: the token is traded with STS `AssumeRoleWithWebIdentity` from this host. */
export interface Auth0DirectProviderConfig extends CommonProviderConfig {
  readonly idpType: 'auth0';
  readonly exchange: 'sts';
  /** The API identifier asked for with `audience`. */
  readonly audience: string;
  /** The role assumed with `AssumeRoleWithWebIdentity`. */
  readonly roleArn: string;
  /** Region of STS. */
  readonly region: string;
}

/** The token is traded at the vending API, which assumes the role; no STS call here. */
interface VendingExchange {
  readonly exchange: 'vending';
  /** The full URL of the vending API's `POST /credentials`. */
  readonly vendingUrl: string;
  /** Unused by the provider itself (the vending API calls STS); kept for the SDKs that read it. */
  readonly region?: string;
}

/** Auth0 with `auth0_exchange: "vending"` (CREDENTIAL_VENDING_URL set, no OIDC_ROLE_ARN). */
export interface Auth0VendingProviderConfig extends CommonProviderConfig, VendingExchange {
  readonly idpType: 'auth0';
  /** The API identifier asked for with `audience`. */
  readonly audience: string;
}

export type Auth0ProviderConfig = Auth0DirectProviderConfig | Auth0VendingProviderConfig;

/** Cognito: always through the vending API. */
export interface CognitoProviderConfig extends CommonProviderConfig, VendingExchange {
  readonly idpType: 'cognito';
}

/** Everything `oidc-credential-provider` needs, validated: one shape per identity provider and exchange. */
export type ProviderConfig = Auth0ProviderConfig | CognitoProviderConfig;

function readSecret(env: Environment, problems: Problems): string {
  const inline = env.OIDC_CLIENT_SECRET;
  const file = env.OIDC_CLIENT_SECRET_FILE?.trim();
  if (inline && file) {
    problems.add('OIDC_CLIENT_SECRET', 'and OIDC_CLIENT_SECRET_FILE are both set: set only one');
    return '';
  }
  if (file) {
    try {
      const secret = readSecretFile(file).replace(/\r?\n$/, '');
      if (!secret) problems.add('OIDC_CLIENT_SECRET_FILE', `names an empty file (${file})`);
      return secret;
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      problems.addError('OIDC_CLIENT_SECRET_FILE', error);
      return '';
    }
  }
  if (!inline) problems.add('OIDC_CLIENT_SECRET', 'or OIDC_CLIENT_SECRET_FILE is required');
  return inline ?? '';
}

/**
 * The secret file's content, refused (UNSAFE_PERMISSIONS) when its mode lets its group or
 * anyone else read or write it: a secret others can read is already leaked, so serving with a
 * warning would only teach people to ignore it (and every credential_process call would print
 * it into the consumer's log). Owner-only, as host-config writes it and ssh demands of keys.
 * The mode is checked on the open descriptor, so the file checked is the file read.
 */
function readSecretFile(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY);
  } catch (error) {
    throw fileAccessError(error, file, 'OIDC_CLIENT_SECRET_FILE');
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && (stat.mode & 0o077) !== 0) {
      throw new UnsafePermissionsError(
        file,
        `OIDC_CLIENT_SECRET_FILE ${file} is open to its group or others (${describeOwnership(file)}): ` +
          `make it owner-only, owned by the user that runs the client (chmod 600 ${file}), and rotate the secret if others could read it`,
      );
    }
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw fileAccessError(error, file, 'OIDC_CLIENT_SECRET_FILE');
  } finally {
    closeSync(fd);
  }
}

/** `$XDG_CACHE_HOME/oidc-s3` when XDG_CACHE_HOME is absolute, else `~/.cache/oidc-s3`. */
export function defaultCacheDir(env: Environment): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'oidc-s3');
  return join(env.HOME || homedir(), '.cache', 'oidc-s3');
}

/**
 * Refresh ahead of the widest refresh window among the consumers (seconds): botocore and the AWS
 * CLI treat credentials with 15 min or less left as due (10 min: mandatory), the JS SDK v3 5 min,
 * the Go SDKs (rclone, restic's minio-go) refresh at or shortly before expiry. Handing out
 * sessions with less than 15 min left makes botocore run credential_process on every request,
 * so the client renews at 16 min (one minute of slack for clock drift and the refresh itself).
 */
export const CONSUMER_REFRESH_WINDOW_SECONDS = 16 * 60;

/** Sessions are one hour unless OIDC_SESSION_DURATION_SECONDS says otherwise (STS's and the vending API's default). */
const DEFAULT_SESSION_SECONDS = 3600;

/**
 * The default margin: CONSUMER_REFRESH_WINDOW_SECONDS, but never more than half the session, so
 * a short session (a 15-minute one cannot keep 16 minutes in reserve) is still used for half its
 * life; botocore then asks on every request and is answered from the cache until half-life.
 */
export function defaultRefreshMargin(sessionDurationSeconds: number | undefined): number {
  return Math.min(CONSUMER_REFRESH_WINDOW_SECONDS, Math.floor((sessionDurationSeconds ?? DEFAULT_SESSION_SECONDS) / 2));
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * Validates the client's variables (docs/CONFIGURATION.md, "client-env") into the Auth0 or the
 * Cognito shape. Throws one ConfigError (CONFIG_INVALID) naming every problem at once.
 */
export function loadProviderConfig(env: Environment): ProviderConfig {
  const problems = new Problems();
  const idpRaw = env.OIDC_IDP_TYPE?.trim();
  if (!idpRaw) problems.add('OIDC_IDP_TYPE', 'is required ("auth0" or "cognito")');
  else if (idpRaw !== 'auth0' && idpRaw !== 'cognito') problems.add('OIDC_IDP_TYPE', `must be "auth0" or "cognito" (got "${idpRaw}")`);

  const tokenUrl = readUrl(env, 'OIDC_TOKEN_URL', problems);
  const clientId = env.OIDC_CLIENT_ID?.trim() ?? '';
  if (!clientId) problems.add('OIDC_CLIENT_ID', 'is required');
  else if (/\s/.test(clientId)) problems.add('OIDC_CLIENT_ID', 'must not contain whitespace');
  const clientSecret = readSecret(env, problems);

  const region = readRegion(env);
  let audience: string | undefined;
  let roleArn: string | undefined;
  let vendingUrl: string | undefined;
  if (idpRaw === 'auth0') {
    audience = env.OIDC_AUDIENCE?.trim() || undefined;
    if (!audience) problems.add('OIDC_AUDIENCE', 'is required when OIDC_IDP_TYPE=auth0 (the API identifier)');
    roleArn = env.OIDC_ROLE_ARN?.trim() || undefined;
    if (env.CREDENTIAL_VENDING_URL?.trim()) {
      // auth0_exchange "vending": the vending API assumes the role.
      vendingUrl = readUrl(env, 'CREDENTIAL_VENDING_URL', problems);
      if (roleArn) problems.add('OIDC_ROLE_ARN', 'and CREDENTIAL_VENDING_URL are both set: set OIDC_ROLE_ARN for auth0_exchange "direct", CREDENTIAL_VENDING_URL for "vending"');
    } else {
      if (!roleArn) problems.add('OIDC_ROLE_ARN', 'is required when OIDC_IDP_TYPE=auth0 (or CREDENTIAL_VENDING_URL, for auth0_exchange "vending")');
      else if (!ROLE_ARN.test(roleArn)) {
        problems.add('OIDC_ROLE_ARN', `must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "${roleArn}")`);
      }
      if (!region) problems.add('AWS_REGION', 'is required when OIDC_IDP_TYPE=auth0 (the region of STS)');
    }
  } else if (idpRaw === 'cognito') {
    vendingUrl = readUrl(env, 'CREDENTIAL_VENDING_URL', problems);
  }
  const scopes = (env.OIDC_SCOPES ?? '').split(/[\s,]+/).filter(Boolean);

  const cacheDir = env.OIDC_CACHE_DIR?.trim() || defaultCacheDir(env);
  if (!isAbsolute(cacheDir)) problems.add('OIDC_CACHE_DIR', `must be an absolute path (got "${cacheDir}")`);
  const explicitMargin = readInteger(env, 'OIDC_REFRESH_MARGIN_SECONDS', { min: 0, max: 3600 }, problems);
  const sessionDurationSeconds = readInteger(env, 'OIDC_SESSION_DURATION_SECONDS', { min: 900, max: 43200 }, problems);
  const refreshMarginSeconds = explicitMargin ?? defaultRefreshMargin(sessionDurationSeconds);
  const httpTimeoutSeconds = readInteger(env, 'OIDC_HTTP_TIMEOUT_SECONDS', { min: 1, max: 120 }, problems) ?? 10;
  if (sessionDurationSeconds !== undefined && refreshMarginSeconds >= sessionDurationSeconds) {
    problems.add('OIDC_REFRESH_MARGIN_SECONDS', `must be less than OIDC_SESSION_DURATION_SECONDS (${sessionDurationSeconds})`);
  }
  problems.throwIfAny();
  // After throwIfAny every value the chosen shape needs is known to be set.
  const common = {
    tokenUrl: tokenUrl!,
    clientId,
    clientSecret,
    scopes,
    cacheDir,
    refreshMarginSeconds,
    sessionDurationSeconds,
    httpTimeoutSeconds,
  };
  if (idpRaw === 'auth0') {
    return vendingUrl !== undefined
      ? { idpType: 'auth0', exchange: 'vending', ...common, audience: audience!, vendingUrl, region }
      : { idpType: 'auth0', exchange: 'sts', ...common, audience: audience!, roleArn: roleArn!, region: region! };
  }
  return { idpType: 'cognito', exchange: 'vending', ...common, vendingUrl: vendingUrl!, region };
}
