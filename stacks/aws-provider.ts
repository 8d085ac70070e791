import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../config/types';

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
