import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from '../config/types';

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
