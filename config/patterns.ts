/**
 * The AWS and Auth0 naming rules as patterns, shared by the schema (which reports to operators
 * by file and key) and the constructs (which check whatever props they are given), so the two
 * can never disagree on what is valid.
 */

export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** A bare DNS host name, e.g. an Auth0 tenant domain: no scheme, path or trailing dot. */
export const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Every S3 general-purpose bucket naming rule, reserved prefixes and suffixes included. */
export const S3_BUCKET_NAME = /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(?:-s3alias|--ol-s3|--x-s3|\.mrap)$)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_+=.@-]+$/;

/** A Cognito hosted-domain prefix, without the words Cognito reserves. */
export const COGNITO_DOMAIN_PREFIX = /^(?!.*(?:aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
