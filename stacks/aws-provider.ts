import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { TerraformStack } from 'cdktf';
import { namePrefix, type BucketAccount, type EnvironmentConfig } from '../config/types';

/**
 * The AWS provider of an environment's stacks: its region, and default tags on every resource
 * (Environment, Project, ManagedBy), which the operator's own `tags` override.
 */
export function useAwsProvider(stack: TerraformStack, config: EnvironmentConfig, tags: Readonly<Record<string, string>>): AwsProvider {
  return new AwsProvider(stack, 'aws', {
    region: config.foundation.awsRegion,
    defaultTags: [{ tags: { Environment: config.environment, Project: config.foundation.projectName, ManagedBy: 'cdktf', ...tags } }],
  });
}

/**
 * The AWS provider of the bucket's own account (foundation.json `bucket_account`): an alias,
 * `aws.bucket_account`, that assumes `deploy_role_arn` with a session named `<project>-<env>-deploy`
 * (shown in the bucket account's CloudTrail), and refuses to act in any account other than
 * `account_id` (`allowed_account_ids`), so a role ARN pointing elsewhere fails at plan time rather
 * than deploying the bucket into the wrong account. Same region and default tags as the stack's
 * default provider.
 */
export function useBucketAccountProvider(stack: TerraformStack, config: EnvironmentConfig, bucketAccount: BucketAccount, tags: Readonly<Record<string, string>>): AwsProvider {
  return new AwsProvider(stack, 'aws-bucket-account', {
    alias: 'bucket_account',
    region: config.foundation.awsRegion,
    allowedAccountIds: [bucketAccount.accountId],
    assumeRole: [{ roleArn: bucketAccount.deployRoleArn, sessionName: `${namePrefix(config)}-deploy` }],
    defaultTags: [{ tags: { Environment: config.environment, Project: config.foundation.projectName, ManagedBy: 'cdktf', ...tags } }],
  });
}
