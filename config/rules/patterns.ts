/**
 * The AWS and Auth0 naming rules as patterns. Only the rule functions of this folder use them
 * directly; the schema (which reports to operators by file and key) and the constructs (which
 * check whatever props they are given) both go through those functions, so the two can never
 * disagree on what is valid.
 */

/** A commercial, GovCloud or ISO region code, e.g. `eu-west-1`, `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** A bare DNS host name, e.g. an Auth0 tenant domain: no scheme, path or trailing dot. */
export const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Every S3 general-purpose bucket naming rule, reserved prefixes and suffixes included.
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export const S3_BUCKET_NAME = /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(?:-s3alias|--ol-s3|--x-s3|\.mrap)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * A KMS key ARN, in any partition (`arn:aws:`, `arn:aws-us-gov:`, `arn:aws-cn:`): only the key
 * itself, never an alias. IAM matches a policy's Resource against the key's ARN, so a grant on an
 * alias ARN grants nothing (KMS User Guide, "Using aliases to control access to KMS keys").
 */
export const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * A DynamoDB table name: 3-255 characters of `a-z A-Z 0-9 _ - .`. Source: DynamoDB API
 * Reference, CreateTable, `TableName`.
 */
export const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * A Cognito hosted-domain prefix, without the words Cognito reserves.
 * Source: Cognito API Reference, CreateUserPoolDomain, `Domain` (pattern `^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`).
 */
export const COGNITO_DOMAIN_PREFIX = /^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Characters of a Cognito resource-server identifier and of an OAuth scope: printable ASCII
 * without space, `"` and `\`. Source: Cognito API Reference, CreateResourceServer `Identifier`
 * and CreateUserPoolClient `AllowedOAuthScopes` (pattern `[\x21\x23-\x5B\x5D-\x7E]+`).
 */
export const COGNITO_SCOPE_CHARACTERS = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * An Auth0 API identifier used as the tokens' `aud` and as the IAM OIDC provider's client id:
 * `https://` followed by printable ASCII without space, `"`, `\`, `<` or `>` (characters that
 * would need escaping in a URL or a policy condition).
 */
export const AUDIENCE = /^https:\/\/[\x21\x23-\x3b\x3d\x3f-\x5b\x5d-\x7e]+$/;

export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,14}[a-z0-9]$/;
/** Lower case only: IAM role names are unique regardless of case, so `Web-01` would clash with `web-01`. */
export const SERVER_NAME = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
export const PREFIX_CHARACTERS = /^[A-Za-z0-9._\-/]+$/;
export const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A 12-digit AWS account id. Source: AWS Organizations API Reference, Account `Id` (pattern `^\d{12}$`). */
export const AWS_ACCOUNT_ID = /^\d{12}$/;
/** An AWS Organizations id. Source: AWS Organizations API Reference, Organization `Id` (pattern `^o-[a-z0-9]{10,32}$`). */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/**
 * An IAM role ARN in any partition, its account captured: `arn:aws:iam::<account>:role/<path><name>`.
 * Source: IAM User Guide, "IAM identifiers" (role names: 1-64 of `[\w+=,.@-]`; paths `/…/`).
 */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;
