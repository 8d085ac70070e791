/**
 * Rule functions for single values: each takes the value and returns what is wrong with it (a
 * phrase that reads after the value: "must be …"), or undefined when the value is fine. The
 * schema reports the phrase with file and key; the constructs' SettingChecks with the setting's
 * name. Both call the same function, so they give the same verdict on the same value.
 */
import type { IdentityProvider } from '../types';
import {
  API_THROTTLING,
  LOG_RETENTION_DAYS,
  SESSION_DURATION_SECONDS,
  TOKEN_LIFETIME_SECONDS,
} from './limits';
import {
  AUDIENCE,
  AWS_REGION,
  COGNITO_DOMAIN_PREFIX,
  COGNITO_SCOPE_CHARACTERS,
  DYNAMODB_TABLE_NAME,
  ENVIRONMENT_NAME,
  HOSTNAME,
  KMS_KEY_ARN,
  PROJECT_NAME,
  S3_BUCKET_NAME,
  UTC_TIMESTAMP,
} from './patterns';

/** What is wrong with a value (a phrase such as `must be …`), or undefined when nothing is. */
export type Rule<T> = (value: T) => string | undefined;

/** A whole number from `min` to `max` (inclusive) of `unit` (plural, e.g. "days"). */
export function wholeNumberRule(unit: string, min: number, max: number): Rule<number> {
  return (value) =>
    Number.isInteger(value) && value >= min && value <= max ? undefined : `must be a whole number of ${unit} from ${min} to ${max}`;
}

export const regionRule: Rule<string> = (value) =>
  AWS_REGION.test(value) ? undefined : 'must be an AWS region code such as "eu-west-1" or "us-east-2"';

export const projectNameRule: Rule<string> = (value) =>
  PROJECT_NAME.test(value) ? undefined : 'must be 2-20 characters of a-z, 0-9 and "-", starting with a letter: it prefixes every resource name';

export const environmentNameRule: Rule<string> = (value) =>
  ENVIRONMENT_NAME.test(value)
    ? undefined
    : 'environment names must be 2-16 characters of a-z, 0-9 and "-", starting with a letter (they go into every resource name)';

export const auth0DomainRule: Rule<string> = (value) =>
  HOSTNAME.test(value) ? undefined : 'must be the bare Auth0 tenant host name, e.g. "tenant.eu.auth0.com" (no https://, no path, no trailing slash)';

/** IAM OIDC provider client ids are 1-255 characters. Source: IAM API Reference, CreateOpenIDConnectProvider, `ClientIDList`. */
export const MAX_AUDIENCE_LENGTH = 255;

export const audienceRule: Rule<string> = (value) => {
  if (!AUDIENCE.test(value)) return 'must be the API identifier as an https:// URL without spaces, quotes, backslashes, "<" or ">", e.g. "https://s3-uploader.example.com"';
  if (value.length > MAX_AUDIENCE_LENGTH) return `must be at most ${MAX_AUDIENCE_LENGTH} characters (IAM OIDC provider client ids), not ${value.length}`;
  return undefined;
};

/** Cognito's rules for a hosted domain prefix. */
export const cognitoDomainPrefixRule: Rule<string> = (value) => {
  if (COGNITO_DOMAIN_PREFIX.test(value)) return undefined;
  if (/aws|amazon|cognito/.test(value)) return 'must not contain "aws", "amazon" or "cognito" (reserved by Cognito)';
  return 'must be 1-63 characters of a-z, 0-9 and "-", not starting or ending with "-"';
};

/** The longest scope name a tier grants; `<identifier>/<scope>` must fit Cognito's scope limit. */
const LONGEST_SCOPE_SUFFIX = '/delete';
/** OAuth scopes are at most 256 characters. Source: Cognito API Reference, CreateUserPoolClient, `AllowedOAuthScopes`. */
export const MAX_SCOPE_LENGTH = 256;
/** The longest identifier whose scopes (`<identifier>/delete`) Cognito still accepts. */
export const MAX_RESOURCE_SERVER_IDENTIFIER_LENGTH = MAX_SCOPE_LENGTH - LONGEST_SCOPE_SUFFIX.length;

/**
 * Cognito's rules for a resource-server identifier, and room for the scopes built from it.
 * Source: Cognito API Reference, CreateResourceServer `Identifier` (1-256, `[\x21\x23-\x5B\x5D-\x7E]+`).
 */
export const resourceServerIdentifierRule: Rule<string> = (value) => {
  if (value.length === 0 || !COGNITO_SCOPE_CHARACTERS.test(value)) return 'must be printable characters without spaces, quotes or backslashes';
  if (value.length > MAX_RESOURCE_SERVER_IDENTIFIER_LENGTH) {
    return `must be at most ${MAX_RESOURCE_SERVER_IDENTIFIER_LENGTH} characters, not ${value.length}: the scope "<identifier>${LONGEST_SCOPE_SUFFIX}" must fit Cognito's ${MAX_SCOPE_LENGTH}-character scope limit`;
  }
  return undefined;
};

/** S3's bucket naming rules. Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export const bucketNameRule: Rule<string> = (value) => {
  if (S3_BUCKET_NAME.test(value)) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    return 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit (S3 bucket naming rules)';
  }
  if (value.includes('..')) return 'must not contain ".." (S3 bucket naming rules)';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return 'must not look like an IP address (S3 bucket naming rules)';
  return 'must not use a prefix or suffix S3 reserves ("xn--", "sthree-", "amzn-s3-demo-", "-s3alias", "--ol-s3", "--x-s3", ".mrap")';
};

export const kmsKeyArnRule: Rule<string> = (value) => {
  if (KMS_KEY_ARN.test(value)) return undefined;
  if (/^arn:aws[a-z-]*:kms:[^:]*:\d{12}:alias\//.test(value)) {
    return 'must be the ARN of the key itself, not an alias: policies granting on an alias ARN grant nothing (every upload would be AccessDenied); use "arn:aws:kms:<region>:<account>:key/<key id>" (aws kms describe-key --key-id <alias> shows it)';
  }
  return 'must be the full ARN of a KMS key, e.g. "arn:aws:kms:eu-west-1:123456789012:key/…"; leave it out for SSE-S3 (AES256)';
};

/** The partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.includes('-gov-') ? 'aws-us-gov' : region.includes('-iso') ? (region.includes('-isob-') ? 'aws-iso-b' : 'aws-iso') : 'aws';
}

/**
 * A KMS key must live in the Region (and so the partition) of what it encrypts: S3 uses only
 * keys in the bucket's own Region. Source: S3 User Guide, "Specifying server-side encryption
 * with AWS KMS" ("the KMS key must be in the same Region as the bucket").
 */
export function kmsKeyLocationRule(region: string, what: string): Rule<string> {
  return (value) => {
    const match = KMS_KEY_ARN.exec(value);
    if (!match) return undefined; // kmsKeyArnRule reports the shape
    const [, partition, keyRegion] = match;
    if (keyRegion !== region) return `is a key in ${keyRegion}, but ${what} is in ${region}: S3 uses only keys of the bucket's own Region; create or replicate the key in ${region}`;
    if (partition !== partitionOf(region)) return `is in partition "${partition}", but ${region} belongs to "${partitionOf(region)}"`;
    return undefined;
  };
}

/** An IAM OIDC provider ARN: `arn:aws:iam::<account>:oidc-provider/<host>/…`. Source: IAM User Guide, "IAM ARNs". */
export const oidcProviderArnRule: Rule<string> = (value) =>
  /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[^\s]+$/.test(value)
    ? undefined
    : 'must be an IAM OIDC provider ARN such as "arn:aws:iam::123456789012:oidc-provider/tenant.eu.auth0.com/"';

export const dynamodbTableNameRule: Rule<string> = (value) =>
  DYNAMODB_TABLE_NAME.test(value) ? undefined : 'must be 3-255 characters of a-z, A-Z, 0-9, "_", "-" and "." (DynamoDB table names)';

/** Access-token lifetime for the given identity provider (see TOKEN_LIFETIME_SECONDS). */
export function tokenLifetimeRule(identityProvider: IdentityProvider): Rule<number> {
  const { min, max } = TOKEN_LIFETIME_SECONDS[identityProvider];
  return (value) =>
    Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `must be a whole number of seconds from ${min} to ${max} for ${identityProvider} access tokens`;
}

export const logRetentionRule: Rule<number> = (value) =>
  (LOG_RETENTION_DAYS as readonly number[]).includes(value)
    ? undefined
    : `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`;

export const apiRateLimitRule: Rule<number> = (value) =>
  Number.isFinite(value) && value > 0 && value <= API_THROTTLING.maxRateLimit
    ? undefined
    : `must be a number of requests per second greater than 0 and at most ${API_THROTTLING.maxRateLimit} (the account default)`;

export const apiBurstLimitRule: Rule<number> = wholeNumberRule('requests', 1, API_THROTTLING.maxBurstLimit);

export const sessionDurationRule: Rule<number> = (value) =>
  Number.isInteger(value) && value >= SESSION_DURATION_SECONDS.min && value <= SESSION_DURATION_SECONDS.max
    ? undefined
    : `must be a whole number of seconds from ${SESSION_DURATION_SECONDS.min} (the shortest role session STS issues) to ${SESSION_DURATION_SECONDS.max} (the longest a role allows)`;

export const utcTimestampRule: Rule<string> = (value) => {
  if (!UTC_TIMESTAMP.test(value)) return 'must be a UTC timestamp such as "2026-11-22T18:00:00Z" (IAM compares aws:TokenIssueTime with it)';
  if (Number.isNaN(Date.parse(value))) return 'must be a real date and time, e.g. "2026-11-22T18:00:00Z"';
  return undefined;
};
