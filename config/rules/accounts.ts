/**
 * Rules for foundation.json `bucket_account`: the upload bucket in another account of the
 * organization (DESIGN.md, "Cross-account bucket"). Shared by the schema and the constructs.
 */
import { AWS_ACCOUNT_ID, IAM_ROLE_ARN, KMS_KEY_ARN, ORGANIZATION_ID } from './patterns';
import type { Rule } from './values';

/**
 * Longest prefix a server may have when the bucket is in another account: the bucket policy
 * grants by the role tag `S3PathPrefix`, and tag values hold at most 256 characters.
 * Source: IAM User Guide, "Tagging IAM resources" (tag value length).
 */
export const MAX_TAGGED_PREFIX_LENGTH = 256;

export const accountIdRule: Rule<string> = (value) =>
  AWS_ACCOUNT_ID.test(value) ? undefined : 'must be a 12-digit AWS account id, e.g. "222233334444" (as a string, leading zeros kept)';

export const organizationIdRule: Rule<string> = (value) =>
  ORGANIZATION_ID.test(value)
    ? undefined
    : 'must be an AWS Organizations id: "o-" and 10-32 lowercase letters or digits, e.g. "o-abc123def4" (aws organizations describe-organization)';

/** The role Terraform assumes in the bucket's account: a role ARN, and in that very account. */
export function deployRoleArnRule(accountId: string | undefined): Rule<string> {
  return (value) => {
    const match = IAM_ROLE_ARN.exec(value);
    if (!match) return 'must be an IAM role ARN, e.g. "arn:aws:iam::222233334444:role/oidc-s3-bucket-deployer"';
    if (accountId !== undefined && match[1] !== accountId) {
      return `must be a role in the bucket account ${accountId} (this ARN names account ${match[1]}); create the deploy role there (docs/INSTALL.md, "The bucket in a log archive account")`;
    }
    return undefined;
  };
}

/** With the bucket in another account, its KMS key must be there too (the bucket's default encryption uses it). */
export function kmsKeyInBucketAccountRule(accountId: string): Rule<string> {
  return (value) => {
    if (!KMS_KEY_ARN.test(value)) return undefined; // kmsKeyArnRule reports the shape
    const keyAccount = value.split(':')[4];
    return keyAccount === accountId
      ? undefined
      : `must be a key in the bucket account ${accountId} (this ARN names account ${keyAccount}), as bucket_account puts the bucket there`;
  };
}

/** A server's prefix must fit the role tag the cross-account bucket policy grants by. */
export const taggedPrefixRule: Rule<string> = (value) =>
  value.length <= MAX_TAGGED_PREFIX_LENGTH
    ? undefined
    : `must be at most ${MAX_TAGGED_PREFIX_LENGTH} characters with bucket_account set: the bucket policy grants by the role tag S3PathPrefix, and tag values hold at most ${MAX_TAGGED_PREFIX_LENGTH}`;
