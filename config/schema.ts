/**
 * Parsing with defaults: foundation.json, servers.json and backend.hcl's attributes become the
 * validated, typed settings the stacks receive. The shapes are in config/shapes.ts, the rules in
 * config/rules, the zod-to-problem adapter in config/zod-problems.ts. Every problem is pushed to
 * the caller's list; a file's settings are returned only when it has none, so whatever reaches
 * the stacks is already known good.
 */
import type { z } from 'zod';
import type { ConfigProblem } from './errors';
import {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  bucketNameRule,
  cognitoDomainPrefixRule,
  defaultAudience,
  defaultBucketName,
  defaultCognitoDomainPrefix,
  defaultResourceServerIdentifier,
  deployRoleArnRule,
  kmsKeyInBucketAccountRule,
  kmsKeyLocationRule,
  MIN_ROLE_MAX_SESSION_DURATION,
  nestedPrefixes,
  taggedPrefixRule,
  prefixRule,
  serverNameRule,
  tagKeyRule,
  tokenLifetimeRule,
  type NamedPrefix,
} from './rules';
import { parseServersFast } from './servers-fast-path';
import { backendShape, foundationShape, serverShape, serversShape } from './shapes';
import type { BackendConfig, FoundationSettings, ServerSettings, ServersSettings } from './types';
import { keyPath, parseWithProblems, shapeKeys, valueAt } from './zod-problems';

export { keyPath } from './zod-problems';

type FoundationFields = z.output<typeof foundationShape>;

/**
 * Each foundation.json key whose value is valid on its own, with its default: the cross-key
 * rules run on these even when other keys are wrong, so one run lists every problem.
 */
function validFields(raw: unknown): Partial<FoundationFields> {
  const fields: Record<string, unknown> = {};
  const object = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  for (const [key, shape] of Object.entries(foundationShape.shape)) {
    const result = (shape as z.ZodTypeAny).safeParse(object[key]);
    if (result.success) fields[key] = result.data;
  }
  return fields as Partial<FoundationFields>;
}

export interface FoundationFileInput {
  readonly file: string;
  readonly raw: unknown;
  readonly environment: string;
}

export function parseFoundation({ file, raw, environment }: FoundationFileInput, problems: ConfigProblem[]): FoundationSettings | undefined {
  const before = problems.length;
  const parsed = parseWithProblems(foundationShape, raw, file, problems);
  const fields = parsed ?? validFields(raw);
  const given = (key: string) => valueAt(raw, [key]) !== undefined;
  const problem = (key: string, rule: string, value: unknown = valueAt(raw, [key])) => problems.push({ file, key, value, rule });

  const provider = fields.identity_provider;
  const isAuth0 = provider === 'auth0';
  if (isAuth0 && !given('auth0_domain')) {
    problem('auth0_domain', 'is required when identity_provider is "auth0": the tenant host, e.g. "tenant.eu.auth0.com"');
  }
  if (provider !== undefined) {
    const otherProviderKeys = isAuth0
      ? (['cognito_domain_prefix', 'resource_server_identifier'] as const)
      : (['auth0_domain', 'audience', 'auth0_exchange', 'existing_oidc_provider_arn', 'additional_oidc_audiences'] as const);
    for (const key of otherProviderKeys) {
      if (given(key)) problem(key, `applies only to identity_provider "${isAuth0 ? 'cognito' : 'auth0'}"; remove it, or switch identity_provider`);
    }
  }
  const projectName = fields.project_name;
  const namePrefix = projectName === undefined ? undefined : `${projectName}-${environment}`;
  if (fields.bucket_name !== undefined) {
    const rule = bucketNameRule(fields.bucket_name);
    if (rule) problem('bucket_name', rule);
  } else if (namePrefix !== undefined && !given('bucket_name')) {
    const derived = defaultBucketName(namePrefix);
    const rule = bucketNameRule(derived);
    if (rule) problem('project_name', `gives the bucket name "${derived}", which ${rule}; set bucket_name`, projectName);
  }
  if (provider === 'cognito') {
    if (fields.cognito_domain_prefix !== undefined) {
      const rule = cognitoDomainPrefixRule(fields.cognito_domain_prefix);
      if (rule) problem('cognito_domain_prefix', rule);
    } else if (namePrefix !== undefined && !given('cognito_domain_prefix')) {
      const derived = defaultCognitoDomainPrefix(namePrefix);
      const rule = cognitoDomainPrefixRule(derived);
      if (rule) problem('cognito_domain_prefix', `is unset, and its default "${derived}" ${rule}; set cognito_domain_prefix`);
    }
  }
  if (provider !== undefined && fields.token_lifetime_seconds !== undefined) {
    const rule = tokenLifetimeRule(provider)(fields.token_lifetime_seconds);
    if (rule) problem('token_lifetime_seconds', rule);
  }
  if (fields.bucket_versioning === false && given('noncurrent_version_expiration_days')) {
    problem('noncurrent_version_expiration_days', 'applies only when bucket_versioning is true; remove it or turn versioning on');
  }
  const { api_throttling_burst_limit: burst, api_throttling_rate_limit: rate } = fields;
  if (burst !== undefined && rate !== undefined && burst < rate) {
    problem('api_throttling_burst_limit', `must be at least api_throttling_rate_limit (${rate}), or steady traffic is throttled`);
  }
  if (fields.existing_oidc_provider_arn !== undefined && fields.auth0_domain !== undefined && !fields.existing_oidc_provider_arn.includes(`:oidc-provider/${fields.auth0_domain}`)) {
    problem('existing_oidc_provider_arn', `must be the provider of this environment's tenant, ":oidc-provider/${fields.auth0_domain}/"`);
  }
  if (fields.existing_oidc_provider_arn !== undefined && fields.additional_oidc_audiences !== undefined) {
    problem('additional_oidc_audiences', 'applies only to the environment that creates the OIDC provider; this one reuses another\'s (existing_oidc_provider_arn): list its audience there');
  }
  if (fields.kms_key_arn !== undefined && fields.aws_region !== undefined) {
    const rule = kmsKeyLocationRule(fields.aws_region, `the bucket (aws_region)`)(fields.kms_key_arn);
    if (rule) problem('kms_key_arn', rule);
  }
  const bucketAccount = fields.bucket_account;
  if (bucketAccount !== undefined) {
    const roleRule = deployRoleArnRule(bucketAccount.account_id)(bucketAccount.deploy_role_arn);
    if (roleRule) problems.push({ file, key: 'bucket_account.deploy_role_arn', value: bucketAccount.deploy_role_arn, rule: roleRule });
    const keyRule = fields.kms_key_arn === undefined ? undefined : kmsKeyInBucketAccountRule(bucketAccount.account_id)(fields.kms_key_arn);
    if (keyRule) problem('kms_key_arn', keyRule);
  }
  if (fields.tags) checkTagKeys(fields.tags, file, 'tags', problems);
  if (!parsed || problems.length > before || namePrefix === undefined) return undefined;

  const common = {
    awsRegion: parsed.aws_region,
    projectName: parsed.project_name,
    bucketName: parsed.bucket_name ?? defaultBucketName(namePrefix),
    bucketVersioning: parsed.bucket_versioning,
    objectExpirationDays: parsed.object_expiration_days,
    noncurrentVersionExpirationDays: parsed.noncurrent_version_expiration_days,
    abortIncompleteMultipartUploadDays: parsed.abort_incomplete_multipart_upload_days,
    kmsKeyArn: parsed.kms_key_arn,
    // Absent rather than undefined without it: the single-account layout stays exactly as it was.
    ...(parsed.bucket_account === undefined
      ? {}
      : {
          bucketAccount: {
            accountId: parsed.bucket_account.account_id,
            deployRoleArn: parsed.bucket_account.deploy_role_arn,
            organizationId: parsed.bucket_account.organization_id,
          },
        }),
    tokenLifetimeSeconds: parsed.token_lifetime_seconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS[parsed.identity_provider],
    deletionProtection: parsed.deletion_protection,
    logRetentionDays: parsed.log_retention_days,
    apiThrottlingRateLimit: parsed.api_throttling_rate_limit,
    apiThrottlingBurstLimit: parsed.api_throttling_burst_limit,
    agentGateway: parsed.agent_gateway,
    tags: parsed.tags,
    quotas: parsed.quotas,
  };
  if (parsed.identity_provider === 'auth0') {
    const auth0Domain = parsed.auth0_domain!; // required above
    return {
      identityProvider: 'auth0',
      ...common,
      auth0Domain,
      audience: parsed.audience ?? defaultAudience(environment, auth0Domain),
      auth0Exchange: parsed.auth0_exchange ?? 'direct',
      ...(parsed.existing_oidc_provider_arn === undefined ? {} : { existingOidcProviderArn: parsed.existing_oidc_provider_arn }),
      ...(parsed.additional_oidc_audiences === undefined ? {} : { additionalOidcAudiences: parsed.additional_oidc_audiences }),
    };
  }
  return {
    identityProvider: 'cognito',
    ...common,
    cognitoDomainPrefix: parsed.cognito_domain_prefix ?? defaultCognitoDomainPrefix(namePrefix),
    resourceServerIdentifier: parsed.resource_server_identifier ?? defaultResourceServerIdentifier(namePrefix),
  };
}

function checkTagKeys(tags: Readonly<Record<string, string>>, file: string, key: string, problems: ConfigProblem[]): void {
  for (const [name, value] of Object.entries(tags)) {
    const rule = tagKeyRule(name);
    if (rule) problems.push({ file, key: `${key}[${JSON.stringify(name)}]`, value, rule });
  }
}

export interface ServersFileInput {
  readonly file: string;
  readonly raw: unknown;
  /** `<project>-<env>`, which every server's role name starts with. */
  readonly namePrefix: string;
  /**
   * What foundation.json says (when it says it validly): with `auth0`, sessions are asked for by
   * the host itself and cannot be capped below IAM's role minimum, so shorter maxima are refused.
   * @default undefined (the rules that depend on it are skipped)
   */
  readonly identityProvider?: 'auth0' | 'cognito';
  /** foundation.json sets `bucket_account`: prefixes must fit the role tag the bucket policy grants by. @default false */
  readonly bucketAccount?: boolean;
}

export function parseServers({ file, raw, namePrefix, identityProvider, bucketAccount = false }: ServersFileInput, problems: ConfigProblem[]): ServersSettings | undefined {
  const before = problems.length;
  // A file whose every value is valid needs no zod (config/servers-fast-path.ts); zod names the problems of any other.
  const parsed = parseServersFast(raw) ?? parseWithProblems(serversShape, raw, file, problems);
  // Name and prefix rules are checked even when other keys are wrong, so that one run lists all.
  const rawServers = valueAt(raw, ['servers']);
  const entries =
    rawServers !== null && typeof rawServers === 'object' && !Array.isArray(rawServers)
      ? Object.entries(rawServers as Record<string, unknown>)
      : [];
  const nameRule = serverNameRule(namePrefix);
  const prefixes: NamedPrefix[] = [];
  for (const [name, server] of entries) {
    const broken = nameRule(name);
    if (broken) problems.push({ file, key: keyPath(['servers', name]), value: name, rule: broken });
    const prefix = valueAt(server, ['s3_path_prefix']);
    if (typeof prefix !== 'string') continue;
    const rule = prefixRule(prefix) ?? (bucketAccount ? taggedPrefixRule(prefix) : undefined);
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
  checkTagKeys(parsed.common_tags, file, 'common_tags', problems);
  // One pass over the servers (thousands, in large environments): the per-server rules, and the settings the stacks get.
  const servers: ServerSettings[] = [];
  for (const name in parsed.servers) {
    const server = parsed.servers[name]!;
    if (identityProvider === 'auth0' && server.max_session_duration < MIN_ROLE_MAX_SESSION_DURATION) {
      problems.push({
        file,
        key: keyPath(['servers', name, 'max_session_duration']),
        value: server.max_session_duration,
        rule: `must be at least ${MIN_ROLE_MAX_SESSION_DURATION} seconds with identity_provider "auth0": the host asks STS for its session itself, IAM cannot set a role's maximum below ${MIN_ROLE_MAX_SESSION_DURATION} s and has no condition on the duration asked for, so a shorter limit could not be enforced; use ${MIN_ROLE_MAX_SESSION_DURATION} or more (hosts may still ask for less with OIDC_SESSION_DURATION_SECONDS)`,
      });
    }
    // Most servers have no tags of their own: no key path to build for them.
    if (Object.keys(server.tags).length > 0) checkTagKeys(server.tags, file, `${keyPath(['servers', name])}.tags`, problems);
    servers.push({
      name,
      s3PathPrefix: server.s3_path_prefix,
      s3Permissions: server.s3_permissions,
      maxSessionDuration: server.max_session_duration,
      enabled: server.enabled,
      agentTools: server.agent_tools,
      revokeSessionsIssuedBefore: server.revoke_sessions_issued_before,
      tags: server.tags,
    });
  }
  if (problems.length > before) return undefined;
  return { servers, commonTags: parsed.common_tags, shards: parsed.shards };
}

export function parseBackend(file: string, raw: unknown, problems: ConfigProblem[]): BackendConfig | undefined {
  const parsed = parseWithProblems(backendShape, raw, file, problems);
  if (!parsed) return undefined;
  if (parsed.kms_key_id !== undefined) {
    const rule = kmsKeyLocationRule(parsed.region, 'the state bucket (region)')(parsed.kms_key_id);
    if (rule) {
      problems.push({ file, key: 'kms_key_id', value: parsed.kms_key_id, rule });
      return undefined;
    }
  }
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

/** Every key foundation.json accepts: the documentation is checked against this list. */
export const FOUNDATION_KEYS: readonly string[] = shapeKeys(foundationShape);
/** Every top-level key of servers.json. */
export const SERVERS_FILE_KEYS: readonly string[] = shapeKeys(serversShape);
/** Every key of one server's entry in servers.json. */
export const SERVER_KEYS: readonly string[] = shapeKeys(serverShape);
/** Every setting backend.hcl accepts (besides `key`, which the app sets). */
export const BACKEND_KEYS: readonly string[] = shapeKeys(backendShape).filter((key) => key !== 'key');
