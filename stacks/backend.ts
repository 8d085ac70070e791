import { DataTerraformRemoteStateS3, S3Backend, type TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { stateKey, type BackendConfig } from '../config/types';

function backendSettings(backend: BackendConfig, key: string) {
  return {
    bucket: backend.bucket,
    region: backend.region,
    key,
    encrypt: backend.encrypt,
    dynamodbTable: backend.dynamodbTable,
    kmsKeyId: backend.kmsKeyId,
    profile: backend.profile,
  };
}

/** Keeps `stack`'s state at `<env>/<stack>/terraform.tfstate` in the shared state bucket. */
export function useS3Backend(stack: TerraformStack, backend: BackendConfig, environment: string, stackName: string): S3Backend {
  const s3 = new S3Backend(stack, backendSettings(backend, stateKey(environment, stackName)));
  // cdktf 0.21's S3BackendConfig predates S3-native locking (Terraform >= 1.10).
  if (backend.useLockfile !== undefined) s3.addOverride('use_lockfile', backend.useLockfile);
  return s3;
}

/**
 * The foundation stack's outputs (DESIGN.md, Stacks), read by the servers stack through remote
 * state: one list, so the name written and the name read cannot drift apart.
 */
export const FOUNDATION_OUTPUTS = [
  'identity_provider',
  'aws_region',
  'bucket_name',
  'bucket_arn',
  'oidc_provider_arn',
  'oidc_provider_url',
  'audience',
  'auth0_api_id',
  'cognito_user_pool_id',
  'cognito_domain',
  'cognito_token_endpoint',
  'resource_server_identifier',
  'credential_vending_api_url',
  'credential_vending_lambda_role_arn',
  'client_roles_table_name',
  // Only with foundation.json bucket_account (the bucket in another account of the organization).
  'bucket_account_id',
  'organization_id',
  'kms_key_policy_statement',
  // Only with foundation.json agent_gateway.
  'agent_tools_role_arn',
  'agent_tools_role_name',
] as const;
export type FoundationOutput = (typeof FOUNDATION_OUTPUTS)[number];

/** The foundation stack's outputs, read by the servers stack: the contract between the two. */
export function foundationRemoteState(scope: Construct, backend: BackendConfig, environment: string): DataTerraformRemoteStateS3 {
  return new DataTerraformRemoteStateS3(scope, 'foundation', backendSettings(backend, stateKey(environment, 'foundation')));
}

/** The servers stack's outputs (server_configurations), read by the agent-gateway stack. */
export function serversRemoteState(scope: Construct, backend: BackendConfig, environment: string): DataTerraformRemoteStateS3 {
  return new DataTerraformRemoteStateS3(scope, 'servers', backendSettings(backend, stateKey(environment, 'servers')));
}
