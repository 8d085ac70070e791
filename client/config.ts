import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from './errors';

export type IdpType = 'auth0' | 'cognito';
export type PermissionTier = 'write' | 'read-write' | 'full';
export const PERMISSION_TIERS: readonly PermissionTier[] = ['write', 'read-write', 'full'];

export type Environment = Readonly<Record<string, string | undefined>>;

/** Everything `oidc-credential-provider` needs, validated. */
export interface ProviderConfig {
  readonly idpType: IdpType;
  /** The OAuth 2.0 token endpoint. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Auth0: the API identifier asked for with `audience`. */
  readonly audience?: string;
  /** Cognito: scopes asked for; none means the client's allowed scopes. */
  readonly scopes: readonly string[];
  /** Auth0: the role assumed with `AssumeRoleWithWebIdentity`. */
  readonly roleArn?: string;
  /** Cognito: the full URL of the vending API's `POST /credentials`. */
  readonly vendingUrl?: string;
  /** Region for STS; undefined leaves it to the SDK (Cognito hosts never call STS themselves). */
  readonly region?: string;
  /** @default `$XDG_CACHE_HOME/oidc-s3` or `~/.cache/oidc-s3` */
  readonly cacheDir: string;
  /** Tokens and credentials are renewed when less than this is left. @default 300 */
  readonly refreshMarginSeconds: number;
  /** Session length asked of STS or the vending API; undefined leaves the role's default. */
  readonly sessionDurationSeconds?: number;
  /** Limit on each HTTP request to the IdP, STS or the vending API. @default 10 */
  readonly httpTimeoutSeconds: number;
}

/** What `s3-ops` needs beyond the SDK's own settings. */
export interface S3OpsConfig {
  readonly bucket?: string;
  /** Keys are relative to this prefix (normalised to end in `/` unless empty). */
  readonly prefix: string;
  readonly region?: string;
  /** The server's tier, used only to explain AccessDenied. */
  readonly permissions?: PermissionTier;
}

class Problems {
  private readonly list: { variable: string; problem: string }[] = [];
  add(variable: string, problem: string): void {
    this.list.push({ variable, problem });
  }
  throwIfAny(): void {
    const [first, ...rest] = this.list;
    if (!first) return;
    const error = new ConfigError(first.variable, first.problem);
    if (rest.length > 0) {
      error.message = [first, ...rest].map((p) => `${p.variable} ${p.problem}`).join('; ');
    }
    throw error;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function readUrl(env: Environment, name: string, problems: Problems): string | undefined {
  const value = env[name]?.trim();
  if (!value) {
    problems.add(name, 'is required');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add(name, `must be an absolute https:// URL (got "${value}")`);
    return undefined;
  }
  // Secrets and tokens travel to these URLs: plain http only to this machine itself.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    problems.add(name, `must use https:// (got "${value}")`);
    return undefined;
  }
  return value;
}

function readInteger(
  env: Environment,
  name: string,
  range: { min: number; max: number },
  problems: Problems,
): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    problems.add(name, `must be a whole number of seconds from ${range.min} to ${range.max} (got "${raw}")`);
    return undefined;
  }
  return value;
}

function readSecret(env: Environment, problems: Problems): string {
  const inline = env.OIDC_CLIENT_SECRET;
  const file = env.OIDC_CLIENT_SECRET_FILE?.trim();
  if (inline && file) {
    problems.add('OIDC_CLIENT_SECRET', 'and OIDC_CLIENT_SECRET_FILE are both set: set only one');
    return '';
  }
  if (file) {
    try {
      const secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (!secret) problems.add('OIDC_CLIENT_SECRET_FILE', `names an empty file (${file})`);
      return secret;
    } catch (error) {
      problems.add('OIDC_CLIENT_SECRET_FILE', `cannot be read: ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return '';
    }
  }
  if (!inline) problems.add('OIDC_CLIENT_SECRET', 'or OIDC_CLIENT_SECRET_FILE is required');
  return inline ?? '';
}

export function defaultCacheDir(env: Environment): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'oidc-s3');
  return join(env.HOME || homedir(), '.cache', 'oidc-s3');
}

export function loadProviderConfig(env: Environment): ProviderConfig {
  const problems = new Problems();
  const idpRaw = env.OIDC_IDP_TYPE?.trim();
  let idpType: IdpType | undefined;
  if (!idpRaw) problems.add('OIDC_IDP_TYPE', 'is required ("auth0" or "cognito")');
  else if (idpRaw === 'auth0' || idpRaw === 'cognito') idpType = idpRaw;
  else problems.add('OIDC_IDP_TYPE', `must be "auth0" or "cognito" (got "${idpRaw}")`);

  const tokenUrl = readUrl(env, 'OIDC_TOKEN_URL', problems);
  const clientId = env.OIDC_CLIENT_ID?.trim() ?? '';
  if (!clientId) problems.add('OIDC_CLIENT_ID', 'is required');
  else if (/\s/.test(clientId)) problems.add('OIDC_CLIENT_ID', 'must not contain whitespace');
  const clientSecret = readSecret(env, problems);

  const region = (env.AWS_REGION || env.AWS_DEFAULT_REGION)?.trim() || undefined;
  let audience: string | undefined;
  let roleArn: string | undefined;
  let vendingUrl: string | undefined;
  if (idpType === 'auth0') {
    audience = env.OIDC_AUDIENCE?.trim() || undefined;
    if (!audience) problems.add('OIDC_AUDIENCE', 'is required when OIDC_IDP_TYPE=auth0 (the API identifier)');
    roleArn = env.OIDC_ROLE_ARN?.trim() || undefined;
    if (!roleArn) problems.add('OIDC_ROLE_ARN', 'is required when OIDC_IDP_TYPE=auth0');
    else if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) {
      problems.add('OIDC_ROLE_ARN', `must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "${roleArn}")`);
    }
    if (!region) problems.add('AWS_REGION', 'is required when OIDC_IDP_TYPE=auth0 (the region of STS)');
  } else if (idpType === 'cognito') {
    vendingUrl = readUrl(env, 'CREDENTIAL_VENDING_URL', problems);
  }
  const scopes = (env.OIDC_SCOPES ?? '').split(/[\s,]+/).filter(Boolean);

  const cacheDir = env.OIDC_CACHE_DIR?.trim() || defaultCacheDir(env);
  if (!isAbsolute(cacheDir)) problems.add('OIDC_CACHE_DIR', `must be an absolute path (got "${cacheDir}")`);
  const refreshMarginSeconds = readInteger(env, 'OIDC_REFRESH_MARGIN_SECONDS', { min: 0, max: 3600 }, problems) ?? 300;
  const sessionDurationSeconds = readInteger(env, 'OIDC_SESSION_DURATION_SECONDS', { min: 900, max: 43200 }, problems);
  const httpTimeoutSeconds = readInteger(env, 'OIDC_HTTP_TIMEOUT_SECONDS', { min: 1, max: 120 }, problems) ?? 10;
  if (sessionDurationSeconds !== undefined && refreshMarginSeconds >= sessionDurationSeconds) {
    problems.add('OIDC_REFRESH_MARGIN_SECONDS', `must be less than OIDC_SESSION_DURATION_SECONDS (${sessionDurationSeconds})`);
  }
  problems.throwIfAny();
  return {
    idpType: idpType as IdpType,
    tokenUrl: tokenUrl as string,
    clientId,
    clientSecret,
    audience,
    scopes,
    roleArn,
    vendingUrl,
    region,
    cacheDir,
    refreshMarginSeconds,
    sessionDurationSeconds,
    httpTimeoutSeconds,
  };
}

export function loadS3OpsConfig(env: Environment): S3OpsConfig {
  const problems = new Problems();
  const bucket = env.S3_BUCKET?.trim() || undefined;
  let prefix = env.S3_PREFIX?.trim() ?? '';
  if (prefix.startsWith('/')) problems.add('S3_PREFIX', `must not start with "/" (got "${prefix}")`);
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const tierRaw = env.S3_PERMISSIONS?.trim();
  let permissions: PermissionTier | undefined;
  if (tierRaw) {
    if ((PERMISSION_TIERS as readonly string[]).includes(tierRaw)) permissions = tierRaw as PermissionTier;
    else problems.add('S3_PERMISSIONS', `must be one of ${PERMISSION_TIERS.join(', ')} (got "${tierRaw}")`);
  }
  problems.throwIfAny();
  return { bucket, prefix, region: (env.AWS_REGION || env.AWS_DEFAULT_REGION)?.trim() || undefined, permissions };
}

/** What `oidc-s3-mcp` needs: the provider's settings, the S3 target, and its own limits. */
export interface McpConfig {
  readonly provider: ProviderConfig;
  readonly s3: S3OpsConfig;
  readonly bucket: string;
  /** Path-style addressing (S3-compatible servers), from S3_FORCE_PATH_STYLE=true. */
  readonly forcePathStyle: boolean;
  /** read_object refuses larger objects (S3_MAX_READ_BYTES). @default 1 MiB */
  readonly maxReadBytes: number;
}

export function loadMcpConfig(env: Environment): McpConfig {
  const problems = new Problems();
  let provider: ProviderConfig | undefined;
  let s3: S3OpsConfig | undefined;
  // Every problem of both halves at once, as the other commands report them.
  for (const load of [() => (provider = loadProviderConfig(env)), () => (s3 = loadS3OpsConfig(env))]) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const part of error.message.split('; ')) {
        const space = part.indexOf(' ');
        problems.add(part.slice(0, space), part.slice(space + 1));
      }
    }
  }
  const bucket = env.S3_BUCKET?.trim() ?? '';
  if (!bucket) problems.add('S3_BUCKET', 'is required: the upload bucket');
  if (!env.S3_PREFIX?.trim()) problems.add('S3_PREFIX', 'is required: the server\'s own prefix, e.g. "web-01/" (tools must never act on the whole bucket)');
  const pathStyle = env.S3_FORCE_PATH_STYLE?.trim();
  if (pathStyle && pathStyle !== 'true' && pathStyle !== 'false') problems.add('S3_FORCE_PATH_STYLE', `must be "true" or "false" (got "${pathStyle}")`);
  const rawLimit = env.S3_MAX_READ_BYTES?.trim();
  let maxReadBytes = 1024 * 1024;
  if (rawLimit) {
    const value = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || value < 1 || value > 64 * 1024 * 1024) problems.add('S3_MAX_READ_BYTES', `must be a whole number of bytes from 1 to 67108864 (got "${rawLimit}")`);
    else maxReadBytes = value;
  }
  problems.throwIfAny();
  return { provider: provider!, s3: s3!, bucket, forcePathStyle: pathStyle === 'true', maxReadBytes };
}
