import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { TerraformStack } from 'cdktf';
import { namePrefix, type BucketAccount, type EnvironmentConfig } from '../config/types';

/**
 * The `hashicorp/aws` versions a stack admits. `@cdktf/provider-aws` 21.22.1 pins exactly 6.25.0
 * (the schema its bindings were generated from); `npm run verify:terraform` validates and plans
 * with a newer 6.x built from source (tools/README.md says which and why 6.25.0 itself cannot be
 * built here), so the constraint admits both: 6.25.0 and every later 6.x.
 */
export const AWS_PROVIDER_CONSTRAINT = '~> 6.25';

/** Sets the stack's `required_providers.aws.version` to AWS_PROVIDER_CONSTRAINT. */
export function admitValidatedAwsProvider(stack: TerraformStack): void {
  stack.addOverride('terraform.required_providers.aws.version', AWS_PROVIDER_CONSTRAINT);
}

/**
 * The AWS provider of an environment's stacks: its region, and default tags on every resource
 * (Environment, Project, ManagedBy), which the operator's own `tags` override.
 */
export function useAwsProvider(stack: TerraformStack, config: EnvironmentConfig, tags: Readonly<Record<string, string>>): AwsProvider {
  admitValidatedAwsProvider(stack);
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
