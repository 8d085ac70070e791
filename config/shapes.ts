/**
 * The zod shapes of the configuration files: which keys exist, their JSON types and their
 * defaults. Every rule on a value is a function of config/rules (shared with the constructs),
 * attached here with `followsRule`; no pattern or limit is written in this file.
 */
import { z } from 'zod';
import {
  accountIdRule,
  organizationIdRule,
  DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS,
  DEFAULT_API_THROTTLING_BURST_LIMIT,
  DEFAULT_API_THROTTLING_RATE_LIMIT,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS,
  DEFAULT_PERMISSION_TIER,
  DEFAULT_PROJECT_NAME,
  DEFAULT_SESSION_DURATION_SECONDS,
  LIFECYCLE_DAYS,
  apiBurstLimitRule,
  apiRateLimitRule,
  audienceRule,
  auth0DomainRule,
  oidcProviderArnRule,
  bucketNameRule,
  dynamodbTableNameRule,
  kmsKeyArnRule,
  logRetentionRule,
  permissionTierRule,
  projectNameRule,
  regionRule,
  SHARDS,
  shardsRule,
  resourceServerIdentifierRule,
  sessionDurationRule,
  tagValueRule,
  utcTimestampRule,
  wholeNumberRule,
} from './rules';
import { QUOTAS, type Quotas } from './rules/quotas';
import { PERMISSION_TIERS } from './types';
import { followsRule } from './zod-problems';

const string = (invalid = 'must be a string') => z.string({ invalid_type_error: invalid });
const number = (invalid: string) => z.number({ invalid_type_error: invalid });
const boolean = () => z.boolean({ invalid_type_error: 'must be true or false' });
const days = (limits: { readonly min: number; readonly max: number }) =>
  number('must be a whole number of days').superRefine(followsRule(wholeNumberRule('days', limits.min, limits.max)));

const tagMap = z.record(string('tag values must be strings').superRefine(followsRule(tagValueRule)));

const quotasShape = z
  .object(
    Object.fromEntries(
      QUOTAS.map((quota) => [quota.key, number('must be a whole number').superRefine(followsRule(wholeNumberRule(quota.what, 1, 1_000_000))).default(quota.default)]),
    ),
  )
  .strict()
  .transform((raw) => Object.fromEntries(QUOTAS.map((quota) => [quota.field, raw[quota.key]])) as unknown as Quotas);

export const foundationShape = z
  .object({
    identity_provider: z.enum(['auth0', 'cognito'], {
      errorMap: () => ({ message: 'must be "auth0" or "cognito": the identity provider that issues the hosts\' tokens' }),
    }),
    aws_region: z
      .string({ required_error: 'is required: the AWS region to deploy to, e.g. "eu-west-1"', invalid_type_error: 'must be a string such as "eu-west-1"' })
      .superRefine(followsRule(regionRule)),
    project_name: string().superRefine(followsRule(projectNameRule)).default(DEFAULT_PROJECT_NAME),
    auth0_domain: string('must be a string such as "tenant.eu.auth0.com"').superRefine(followsRule(auth0DomainRule)).optional(),
    audience: string().superRefine(followsRule(audienceRule)).optional(),
    auth0_exchange: z
      .enum(['direct', 'vending'], {
        errorMap: () => ({
          message: 'must be "direct" (hosts call STS AssumeRoleWithWebIdentity; at most 99 enabled servers) or "vending" (the credential-vending API; no server limit)',
        }),
      })
      .optional(),
    existing_oidc_provider_arn: string().superRefine(followsRule(oidcProviderArnRule)).optional(),
    additional_oidc_audiences: z
      .array(string().superRefine(followsRule(audienceRule)), { invalid_type_error: 'must be a list of API identifiers' })
      .optional(),
    bucket_name: string().optional(),
    bucket_versioning: boolean().default(false),
    object_expiration_days: days(LIFECYCLE_DAYS.objectExpiration).optional(),
    noncurrent_version_expiration_days: days(LIFECYCLE_DAYS.noncurrentVersionExpiration).default(DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS),
    abort_incomplete_multipart_upload_days: days(LIFECYCLE_DAYS.abortIncompleteMultipartUpload).default(DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS),
    kms_key_arn: string().superRefine(followsRule(kmsKeyArnRule)).optional(),
    // The deploy role's account must be account_id: checked with deployRoleArnRule once both are known.
    bucket_account: z
      .object(
        {
          account_id: z.string({ required_error: 'is required: the 12-digit account that owns the bucket', invalid_type_error: 'must be a string of 12 digits' }).superRefine(followsRule(accountIdRule)),
          deploy_role_arn: z.string({ required_error: 'is required: the role Terraform assumes in the bucket account', invalid_type_error: 'must be a string' }),
          organization_id: z.string({ required_error: 'is required: the organization both accounts belong to ("o-…")', invalid_type_error: 'must be a string' }).superRefine(followsRule(organizationIdRule)),
        },
        { invalid_type_error: 'must be an object {"account_id", "deploy_role_arn", "organization_id"}' },
      )
      .strict()
      .optional(),
    // The range depends on identity_provider: checked with tokenLifetimeRule once that is known.
    token_lifetime_seconds: number('must be a whole number of seconds').optional(),
    cognito_domain_prefix: string().optional(),
    resource_server_identifier: string().superRefine(followsRule(resourceServerIdentifierRule)).optional(),
    deletion_protection: boolean().default(true),
    log_retention_days: number('must be a number of days').superRefine(followsRule(logRetentionRule)).default(DEFAULT_LOG_RETENTION_DAYS),
    api_throttling_rate_limit: number('must be a number of requests per second')
      .superRefine(followsRule(apiRateLimitRule))
      .default(DEFAULT_API_THROTTLING_RATE_LIMIT),
    api_throttling_burst_limit: number('must be a whole number of requests')
      .superRefine(followsRule(apiBurstLimitRule))
      .default(DEFAULT_API_THROTTLING_BURST_LIMIT),
    agent_gateway: boolean().default(false),
    tags: tagMap.default({}),
    quotas: quotasShape.default({}),
  })
  .strict();

export const serverShape = z
  .object({
    s3_path_prefix: z.string({
      required_error: 'is required: the key prefix this server may use, e.g. "web-01/"',
      invalid_type_error: 'must be a string such as "web-01/"',
    }),
    s3_permissions: z
      .string({ invalid_type_error: `must be one of ${PERMISSION_TIERS.map((t) => `"${t}"`).join(', ')}` })
      .superRefine(followsRule(permissionTierRule))
      .transform((tier) => tier as (typeof PERMISSION_TIERS)[number])
      .default(DEFAULT_PERMISSION_TIER),
    max_session_duration: number('must be a whole number of seconds')
      .superRefine(followsRule(sessionDurationRule))
      .default(DEFAULT_SESSION_DURATION_SECONDS),
    enabled: boolean().default(true),
    agent_tools: boolean().default(false),
    revoke_sessions_issued_before: string('must be a UTC timestamp string such as "2026-11-22T18:00:00Z"')
      .superRefine(followsRule(utcTimestampRule))
      .optional(),
    tags: tagMap.default({}),
  })
  .strict();

export const serversShape = z
  .object({
    servers: z.record(serverShape, {
      required_error: 'is required: a map of server name to its settings (it may be empty: {})',
      invalid_type_error: 'must be a map of server name to its settings',
    }),
    common_tags: tagMap.default({}),
    shards: number('must be a whole number of shards').superRefine(followsRule(shardsRule)).default(SHARDS.min),
  })
  .strict();

export const backendShape = z
  .object({
    bucket: z
      .string({ required_error: 'is required: the S3 bucket that holds Terraform state', invalid_type_error: 'must be a string' })
      .superRefine(followsRule(bucketNameRule)),
    region: z
      .string({ required_error: 'is required: the region of the state bucket', invalid_type_error: 'must be a string' })
      .superRefine(followsRule(regionRule)),
    encrypt: boolean().default(true),
    use_lockfile: boolean().optional(),
    dynamodb_table: string().superRefine(followsRule(dynamodbTableNameRule)).optional(),
    kms_key_id: string().superRefine(followsRule(kmsKeyArnRule)).optional(),
    profile: string().optional(),
    key: z
      .unknown()
      .refine(() => false, 'must not be set: the app gives each stack its own key, "<env>/<stack>/terraform.tfstate"')
      .optional(),
  })
  .strict();
