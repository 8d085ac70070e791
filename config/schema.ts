/**
 * The one schema of an environment: `foundation.json`, `servers.json` and the backend
 * settings. Every rule lives here, so that whatever reaches the stacks is already known good,
 * and every broken rule is reported at once with its file, key, value and fix.
 */
import { z } from 'zod';
import type { ConfigProblem } from './errors';
import { AWS_REGION as REGION, COGNITO_DOMAIN_PREFIX, HOSTNAME, KMS_KEY_ARN, S3_BUCKET_NAME } from './patterns';
import {
  PERMISSION_TIERS,
  type BackendConfig,
  type FoundationSettings,
  type ServerSettings,
  type ServersSettings,
} from './types';

/** Role names of the vending Lambda and the agent gateway's roles (`<project>-<env>-<name>`): no server may take them. */
export const RESERVED_SERVER_NAMES = ['credential-vending', 'agent-tools', 'agent-interceptor', 'agent-gateway'] as const;

/** IAM role names are at most 64 characters; a server's role is `<project>-<env>-<server>`. */
export const MAX_ROLE_NAME_LENGTH = 64;

/** Values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const PROJECT_NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$/;
/** Lower case only: IAM role names are unique regardless of case, so `Web-01` would clash with `web-01`. */
const SERVER_NAME = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
const PREFIX_CHARACTERS = /^[A-Za-z0-9._\-/]+$/;
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const positiveInt = (what: string, max: number) =>
  z
    .number({ invalid_type_error: `must be a whole number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(1, `must be at least 1 ${what.replace(/s$/, '')}`)
    .max(max, `must be at most ${max} ${what}`);

const tagMap = z.record(
  z
    .string({ invalid_type_error: 'tag values must be strings' })
    .max(256, 'tag values are at most 256 characters (AWS limit)'),
);

const foundationShape = z
  .object({
    identity_provider: z.enum(['auth0', 'cognito'], {
      errorMap: () => ({ message: 'must be "auth0" or "cognito": the identity provider that issues the hosts\' tokens' }),
    }),
    aws_region: z
      .string({ required_error: 'is required: the AWS region to deploy to, e.g. "eu-west-1"', invalid_type_error: 'must be a string such as "eu-west-1"' })
      .regex(REGION, 'must be an AWS region code such as "eu-west-1" or "us-east-2"'),
    project_name: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(PROJECT_NAME, 'must be 2-20 characters of a-z, 0-9 and "-", starting with a letter: it prefixes every resource name')
      .default('oidc-s3'),
    auth0_domain: z
      .string({ invalid_type_error: 'must be a string such as "tenant.eu.auth0.com"' })
      .regex(HOSTNAME, 'must be the bare Auth0 tenant host name, e.g. "tenant.eu.auth0.com" (no https://, no path, no trailing slash)')
      .optional(),
    audience: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(/^https:\/\/[\x21-\x7e]{1,592}$/, 'must be the API identifier as an https:// URL without spaces, e.g. "https://s3-uploader.example.com"')
      .optional(),
    bucket_name: z.string({ invalid_type_error: 'must be a string' }).optional(),
    bucket_versioning: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
    object_expiration_days: positiveInt('days', 36500).optional(),
    noncurrent_version_expiration_days: positiveInt('days', 36500).default(30),
    abort_incomplete_multipart_upload_days: positiveInt('days', 365).default(3),
    kms_key_arn: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(KMS_KEY_ARN, 'must be a KMS key or alias ARN, e.g. "arn:aws:kms:eu-west-1:123456789012:key/…"; leave it out for SSE-S3 (AES256)')
      .optional(),
    token_lifetime_seconds: positiveInt('seconds', 2592000).optional(),
    cognito_domain_prefix: z
      .string({ invalid_type_error: 'must be a string' })
      .optional(),
    resource_server_identifier: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, 'must be 1-256 printable characters without spaces, quotes or backslashes')
      .optional(),
    deletion_protection: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    log_retention_days: z
      .number({ invalid_type_error: 'must be a number of days' })
      .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(30),
    api_throttling_rate_limit: z
      .number({ invalid_type_error: 'must be a number of requests per second' })
      .positive('must be more than 0 requests per second')
      .max(10000, 'must be at most 10000 requests per second (the account default)')
      .default(10),
    api_throttling_burst_limit: positiveInt('requests', 5000).default(20),
    agent_gateway: z.boolean({ invalid_type_error: 'must be true or false: whether to deploy the agent-gateway stack (MCP tools for AI agents)' }).default(false),
    tags: tagMap.default({}),
  })
  .strict();

const serverShape = z
  .object({
    s3_path_prefix: z.string({
      required_error: 'is required: the key prefix this server may use, e.g. "web-01/"',
      invalid_type_error: 'must be a string such as "web-01/"',
    }),
    s3_permissions: z
      .enum(PERMISSION_TIERS, {
        errorMap: () => ({ message: `must be one of ${PERMISSION_TIERS.map((t) => `"${t}"`).join(', ')} (see the permission tiers in the README)` }),
      })
      .default('write'),
    max_session_duration: z
      .number({ invalid_type_error: 'must be a whole number of seconds' })
      .int('must be a whole number of seconds')
      .min(900, 'must be between 900 and 43200 seconds (IAM limits for a role\'s maximum session)')
      .max(43200, 'must be between 900 and 43200 seconds (IAM limits for a role\'s maximum session)')
      .default(3600),
    enabled: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    agent_tools: z.boolean({ invalid_type_error: 'must be true or false: whether this server\'s OAuth client may call the agent gateway\'s S3 tools' }).default(false),
    revoke_sessions_issued_before: z
      .string({ invalid_type_error: 'must be a UTC timestamp string such as "2026-11-22T18:00:00Z"' })
      .regex(UTC_TIMESTAMP, 'must be a UTC timestamp such as "2026-11-22T18:00:00Z" (IAM compares aws:TokenIssueTime with it)')
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a real date and time, e.g. "2026-11-22T18:00:00Z"')
      .optional(),
    tags: tagMap.default({}),
  })
  .strict();

const serversShape = z
  .object({
    servers: z.record(serverShape, {
      required_error: 'is required: a map of server name to its settings (it may be empty: {})',
      invalid_type_error: 'must be a map of server name to its settings',
    }),
    common_tags: tagMap.default({}),
  })
  .strict();

const backendShape = z
  .object({
    bucket: z.string({ required_error: 'is required: the S3 bucket that holds Terraform state', invalid_type_error: 'must be a string' }).min(3),
    region: z
      .string({ required_error: 'is required: the region of the state bucket', invalid_type_error: 'must be a string' })
      .regex(REGION, 'must be an AWS region code such as "eu-west-1"'),
    encrypt: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    use_lockfile: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    dynamodb_table: z.string({ invalid_type_error: 'must be a string' }).min(3).optional(),
    kms_key_id: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(KMS_KEY_ARN, 'must be the full ARN of a KMS key, e.g. "arn:aws:kms:eu-west-1:123456789012:key/…" (the S3 backend and the state bucket take the ARN)')
      .optional(),
    profile: z.string({ invalid_type_error: 'must be a string' }).optional(),
    key: z
      .unknown()
      .refine(() => false, 'must not be set: the app gives each stack its own key, "<env>/<stack>/terraform.tfstate"')
      .optional(),
  })
  .strict();

/** `servers["web-01"].s3_path_prefix`: the path of a value, written as an operator would look it up. */
export function keyPath(path: readonly (string | number)[]): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)
          ? `${i === 0 ? '' : '.'}${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length]!;
  };
  const best = candidates
    .map((candidate) => ({ candidate, d: distance(word, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

function knownKeys(schema: z.ZodTypeAny): string[] {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodRecord) {
    inner = inner instanceof z.ZodRecord ? inner.valueSchema : inner._def.innerType;
  }
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function schemaAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodTypeAny {
  let node = schema;
  for (const segment of path) {
    while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node._def.innerType;
    if (node instanceof z.ZodObject) node = node.shape[segment as string] ?? node;
    else if (node instanceof z.ZodRecord) node = node.valueSchema;
  }
  return node;
}

/** Parses `raw` with `schema`; on failure, one problem per issue (one per unknown key). */
function check<T extends z.ZodTypeAny>(
  schema: T,
  raw: unknown,
  file: string,
  problems: ConfigProblem[],
): z.output<T> | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = knownKeys(schemaAt(schema, issue.path));
      for (const key of issue.keys) {
        const suggestion = closest(key, allowed);
        problems.push({
          file,
          key: keyPath([...issue.path, key]),
          value: valueAt(raw, [...issue.path, key]),
          rule: `is not a known setting${suggestion ? `; did you mean "${suggestion}"?` : ''} (allowed: ${allowed.join(', ')})`,
        });
      }
    } else {
      problems.push({ file, key: keyPath(issue.path), value: valueAt(raw, issue.path), rule: issue.message });
    }
  }
  return undefined;
}

export interface FoundationFileInput {
  readonly file: string;
  readonly raw: unknown;
  readonly environment: string;
}

export function parseFoundation(
  { file, raw, environment }: FoundationFileInput,
  problems: ConfigProblem[],
): FoundationSettings | undefined {
  const before = problems.length;
  const parsed = check(foundationShape, raw, file, problems);
  if (!parsed) return undefined;
  const problem = (key: string, rule: string) =>
    problems.push({ file, key, value: (parsed as Record<string, unknown>)[key], rule });

  const isAuth0 = parsed.identity_provider === 'auth0';
  if (isAuth0 && parsed.auth0_domain === undefined) {
    problem('auth0_domain', 'is required when identity_provider is "auth0": the tenant host, e.g. "tenant.eu.auth0.com"');
  }
  const auth0Only = ['auth0_domain', 'audience'] as const;
  const cognitoOnly = ['cognito_domain_prefix', 'resource_server_identifier'] as const;
  for (const key of isAuth0 ? cognitoOnly : auth0Only) {
    if (parsed[key] !== undefined) {
      problem(key, `applies only to identity_provider "${isAuth0 ? 'cognito' : 'auth0'}"; remove it, or switch identity_provider`);
    }
  }
  const namePrefix = `${parsed.project_name}-${environment}`;
  const bucketName = parsed.bucket_name ?? `${namePrefix}-uploads`;
  const bucketRule = bucketNameRule(bucketName);
  if (bucketRule) {
    problems.push({
      file,
      key: parsed.bucket_name === undefined ? 'project_name' : 'bucket_name',
      value: parsed.bucket_name ?? parsed.project_name,
      rule: parsed.bucket_name === undefined ? `gives the bucket name "${bucketName}", which ${bucketRule}; set bucket_name` : bucketRule,
    });
  }
  if (!isAuth0) {
    const domainPrefix = parsed.cognito_domain_prefix ?? namePrefix;
    const rule = cognitoDomainPrefixRule(domainPrefix);
    if (rule) {
      problems.push({
        file,
        key: 'cognito_domain_prefix',
        value: parsed.cognito_domain_prefix,
        rule: parsed.cognito_domain_prefix === undefined ? `is unset, and its default "${domainPrefix}" ${rule}; set cognito_domain_prefix` : rule,
      });
    }
  }
  const [minLifetime, maxLifetime] = isAuth0 ? [60, 2592000] : [300, 86400];
  const tokenLifetimeSeconds = parsed.token_lifetime_seconds ?? (isAuth0 ? 86400 : 3600);
  if (tokenLifetimeSeconds < minLifetime || tokenLifetimeSeconds > maxLifetime) {
    problem('token_lifetime_seconds', `must be between ${minLifetime} and ${maxLifetime} seconds for ${parsed.identity_provider} access tokens`);
  }
  if (!parsed.bucket_versioning && raw !== null && typeof raw === 'object' && 'noncurrent_version_expiration_days' in raw) {
    problem('noncurrent_version_expiration_days', 'applies only when bucket_versioning is true; remove it or turn versioning on');
  }
  if (parsed.api_throttling_burst_limit < parsed.api_throttling_rate_limit) {
    problem('api_throttling_burst_limit', `must be at least api_throttling_rate_limit (${parsed.api_throttling_rate_limit}), or steady traffic is throttled`);
  }
  checkTags(parsed.tags, file, 'tags', problems);
  if (problems.length > before) return undefined;

  return {
    identityProvider: parsed.identity_provider,
    awsRegion: parsed.aws_region,
    projectName: parsed.project_name,
    auth0Domain: parsed.auth0_domain,
    audience: isAuth0 ? (parsed.audience ?? `https://s3-uploader.${environment}.${parsed.auth0_domain}`) : undefined,
    bucketName,
    bucketVersioning: parsed.bucket_versioning,
    objectExpirationDays: parsed.object_expiration_days,
    noncurrentVersionExpirationDays: parsed.noncurrent_version_expiration_days,
    abortIncompleteMultipartUploadDays: parsed.abort_incomplete_multipart_upload_days,
    kmsKeyArn: parsed.kms_key_arn,
    tokenLifetimeSeconds,
    cognitoDomainPrefix: parsed.cognito_domain_prefix ?? namePrefix,
    resourceServerIdentifier: parsed.resource_server_identifier ?? `https://s3-uploader.${namePrefix}`,
    deletionProtection: parsed.deletion_protection,
    logRetentionDays: parsed.log_retention_days,
    apiThrottlingRateLimit: parsed.api_throttling_rate_limit,
    apiThrottlingBurstLimit: parsed.api_throttling_burst_limit,
    agentGateway: parsed.agent_gateway,
    tags: parsed.tags,
  };
}

/** Cognito's rules for a hosted domain prefix; undefined when `prefix` follows them. */
export function cognitoDomainPrefixRule(prefix: string): string | undefined {
  if (COGNITO_DOMAIN_PREFIX.test(prefix)) return undefined;
  if (/aws|amazon|cognito/.test(prefix)) return 'must not contain "aws", "amazon" or "cognito" (reserved by Cognito)';
  return 'must be 1-63 characters of a-z, 0-9 and "-", not starting or ending with "-"';
}

/** S3's bucket naming rules; undefined when `name` follows them. */
export function bucketNameRule(name: string): string | undefined {
  if (S3_BUCKET_NAME.test(name)) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    return 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit (S3 bucket naming rules)';
  }
  if (name.includes('..')) return 'must not contain ".." (S3 bucket naming rules)';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address (S3 bucket naming rules)';
  return 'must not use a prefix or suffix S3 reserves ("xn--", "sthree-", "amzn-s3-demo-", "-s3alias", "--ol-s3", "--x-s3", ".mrap")';
}

function checkTags(tags: Readonly<Record<string, string>>, file: string, key: string, problems: ConfigProblem[]): void {
  for (const [name, value] of Object.entries(tags)) {
    const path = `${key}[${JSON.stringify(name)}]`;
    if (name.length === 0 || name.length > 128) {
      problems.push({ file, key: path, value, rule: 'tag keys must be 1-128 characters (AWS limit)' });
    } else if (/^aws:/i.test(name)) {
      problems.push({ file, key: path, value, rule: 'tag keys must not start with "aws:" (reserved by AWS)' });
    }
  }
}

/** Why `prefix` cannot scope a server's policy; undefined when it can. */
export function prefixRule(prefix: string): string | undefined {
  if (prefix.length < 2 || prefix.length > 512) return 'must be 2-512 characters ending in "/", e.g. "web-01/"';
  if (prefix.startsWith('/')) return `must not start with "/": S3 keys have no leading slash (write "${prefix.replace(/^\/+/, '')}")`;
  if (!prefix.endsWith('/')) {
    return `must end with "/", or "${prefix}*" would also match "${prefix}0/…" of another server; write "${prefix}/"`;
  }
  if (/[*?$]/.test(prefix)) {
    return 'must not contain "*", "?" or "$": they are IAM wildcards and policy variables, and would widen the policy';
  }
  if (prefix.split('/').some((segment) => segment === '..' || segment === '.') || prefix.includes('..')) {
    return 'must not contain "." or ".." path segments or "..": a prefix names one folder, literally';
  }
  if (prefix.includes('//')) return 'must not contain "//" (an empty folder name)';
  if (!PREFIX_CHARACTERS.test(prefix)) return 'may hold only letters, digits, ".", "_", "-" and "/"';
  return undefined;
}

/** Why `name` cannot name a server's role, OAuth client and session; undefined when it can. */
export function serverNameRule(name: string, namePrefix: string): string | undefined {
  if (!SERVER_NAME.test(name)) {
    return 'server names must be at least 2 characters of a-z, 0-9, ".", "_" and "-", starting and ending with a letter or digit (they name IAM roles, OAuth clients and STS sessions; lower case because IAM role names ignore case)';
  }
  const roleName = `${namePrefix}-${name}`;
  if (roleName.length > MAX_ROLE_NAME_LENGTH) {
    return `makes the IAM role name "${roleName}" ${roleName.length} characters long; the limit is ${MAX_ROLE_NAME_LENGTH}, so the server name may have at most ${MAX_ROLE_NAME_LENGTH - namePrefix.length - 1}`;
  }
  if ((RESERVED_SERVER_NAMES as readonly string[]).includes(name)) {
    return `is reserved: "${roleName}" is the vending Lambda's own role; choose another name`;
  }
  return undefined;
}

export interface NamedPrefix {
  readonly name: string;
  readonly prefix: string;
}

/**
 * Every prefix that equals or lies inside another server's prefix, paired with the outermost
 * such prefix. Sorted, a prefix comes right before everything it contains, so one pass with a
 * stack of enclosing prefixes finds them all in O(n log n), even for thousands of servers.
 */
export function nestedPrefixes(entries: readonly NamedPrefix[]): { inner: NamedPrefix; outer: NamedPrefix }[] {
  const sorted = [...entries].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : a.name < b.name ? -1 : 1));
  const found: { inner: NamedPrefix; outer: NamedPrefix }[] = [];
  const enclosing: NamedPrefix[] = [];
  for (const entry of sorted) {
    while (enclosing.length > 0 && !entry.prefix.startsWith(enclosing[enclosing.length - 1]!.prefix)) enclosing.pop();
    if (enclosing.length > 0) found.push({ inner: entry, outer: enclosing[0]! });
    enclosing.push(entry);
  }
  return found;
}

export interface ServersFileInput {
  readonly file: string;
  readonly raw: unknown;
  /** `<project>-<env>`, which every server's role name starts with. */
  readonly namePrefix: string;
}

export function parseServers({ file, raw, namePrefix }: ServersFileInput, problems: ConfigProblem[]): ServersSettings | undefined {
  const before = problems.length;
  const parsed = check(serversShape, raw, file, problems);
  // Name and prefix rules are checked even when other keys are wrong, so that one run lists all.
  const rawServers = valueAt(raw, ['servers']);
  const entries =
    rawServers !== null && typeof rawServers === 'object' && !Array.isArray(rawServers)
      ? Object.entries(rawServers as Record<string, unknown>)
      : [];
  const prefixes: NamedPrefix[] = [];
  for (const [name, server] of entries) {
    const nameRule = serverNameRule(name, namePrefix);
    if (nameRule) problems.push({ file, key: keyPath(['servers', name]), value: name, rule: nameRule });
    const prefix = valueAt(server, ['s3_path_prefix']);
    if (typeof prefix !== 'string') continue;
    const rule = prefixRule(prefix);
    if (rule) problems.push({ file, key: keyPath(['servers', name, 's3_path_prefix']), value: prefix, rule });
    else prefixes.push({ name, prefix });
  }
  for (const { inner, outer } of nestedPrefixes(prefixes)) {
    problems.push({
      file,
      key: keyPath(['servers', inner.name, 's3_path_prefix']),
      value: inner.prefix,
      rule:
        inner.prefix === outer.prefix
          ? `is also the prefix of server "${outer.name}": two hosts would share (and could read) each other's files; give each its own prefix`
          : `lies inside server "${outer.name}"'s prefix "${outer.prefix}", so "${outer.name}" could read this server's files; use prefixes that do not nest`,
    });
  }
  if (!parsed) return undefined;
  checkTags(parsed.common_tags, file, 'common_tags', problems);
  for (const [name, server] of Object.entries(parsed.servers)) {
    checkTags(server.tags, file, `${keyPath(['servers', name])}.tags`, problems);
  }
  if (problems.length > before) return undefined;

  const servers: ServerSettings[] = Object.entries(parsed.servers).map(([name, server]) => ({
    name,
    s3PathPrefix: server.s3_path_prefix,
    s3Permissions: server.s3_permissions,
    maxSessionDuration: server.max_session_duration,
    enabled: server.enabled,
    agentTools: server.agent_tools,
    revokeSessionsIssuedBefore: server.revoke_sessions_issued_before,
    tags: server.tags,
  }));
  return { servers, commonTags: parsed.common_tags };
}

export function parseBackend(file: string, raw: unknown, problems: ConfigProblem[]): BackendConfig | undefined {
  const parsed = check(backendShape, raw, file, problems);
  if (!parsed) return undefined;
  if (parsed.use_lockfile !== undefined && parsed.dynamodb_table !== undefined) {
    problems.push({
      file,
      key: 'dynamodb_table',
      value: parsed.dynamodb_table,
      rule: 'is set together with use_lockfile: choose one locking method (use_lockfile needs Terraform >= 1.10)',
    });
    return undefined;
  }
  return {
    bucket: parsed.bucket,
    region: parsed.region,
    encrypt: parsed.encrypt,
    useLockfile: parsed.use_lockfile,
    dynamodbTable: parsed.dynamodb_table,
    kmsKeyId: parsed.kms_key_id,
    profile: parsed.profile,
  };
}

export function environmentNameRule(name: string): string | undefined {
  return ENVIRONMENT_NAME.test(name)
    ? undefined
    : 'environment names must be 2-16 characters of a-z, 0-9 and "-", starting with a letter (they go into every resource name)';
}


/** Every key foundation.json accepts: the documentation is checked against this list. */
export const FOUNDATION_KEYS: readonly string[] = Object.keys(foundationShape.shape);
/** Every top-level key of servers.json. */
export const SERVERS_FILE_KEYS: readonly string[] = Object.keys(serversShape.shape);
/** Every key of one server's entry in servers.json. */
export const SERVER_KEYS: readonly string[] = Object.keys(serverShape.shape);
/** Every setting backend.hcl accepts (besides `key`, which the app sets). */
export const BACKEND_KEYS: readonly string[] = Object.keys(backendShape.shape).filter((key) => key !== 'key');
