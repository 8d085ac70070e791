import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { namePrefix, type EnvironmentConfig } from '../config/types';
import { AgentToolsRole } from '../modules/agent-tools-role';
import { Auth0Foundation } from '../modules/auth0-foundation';
import { Auth0Provider } from '../modules/auth0/provider';
import { CognitoFoundation } from '../modules/cognito-foundation';
import { bucketKeyPolicyStatement } from '../modules/policies/bucket';
import { UploadBucket } from '../modules/upload-bucket';
import { useAwsProvider, useBucketAccountProvider } from './aws-provider';
import { useS3Backend, type FoundationOutput } from './backend';

export interface FoundationStackProps {
  readonly config: EnvironmentConfig;
  /** Pre-bundled vending Lambda code (Cognito, and Auth0 in vending mode). @default bundled at synth time */
  readonly vendingCodeDirectory?: string;
}

/**
 * What every server shares: the upload bucket and the identity provider's side of the trust
 * (Auth0 API + IAM OIDC provider, or Cognito pool + credential-vending API). Its outputs are the
 * contract the servers stack reads through remote state.
 */
export class FoundationStack extends TerraformStack {
  public constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id);
    const { config } = props;
    const settings = config.foundation;
    const prefix = namePrefix(config);

    useS3Backend(this, config.backend, config.environment, 'foundation');

    useAwsProvider(this, config, settings.tags);

    // A bucket in another account of the organization: created there through an aliased provider,
    // granting this account's server roles (found by path and tags) across the boundary.
    const { bucketAccount } = settings;
    const crossAccount =
      bucketAccount === undefined
        ? {}
        : {
            provider: useBucketAccountProvider(this, config, bucketAccount, settings.tags),
            serverRoles: {
              accountId: new DataAwsCallerIdentity(this, 'deploying-account').accountId,
              roleNamePrefix: prefix,
              organizationId: bucketAccount.organizationId,
            },
          };

    const uploads = new UploadBucket(this, 'uploads', {
      bucketName: settings.bucketName,
      versioning: settings.bucketVersioning,
      objectExpirationDays: settings.objectExpirationDays,
      noncurrentVersionExpirationDays: settings.noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: settings.abortIncompleteMultipartUploadDays,
      kmsKeyArn: settings.kmsKeyArn,
      ...crossAccount,
    });

    const output = (name: FoundationOutput, value: string, description: string) =>
      new TerraformOutput(this, name, { value, description, staticId: true });

    output('identity_provider', settings.identityProvider, '"auth0" or "cognito": which half of the outputs below exists');
    output('aws_region', settings.awsRegion, 'Region of the bucket and of every regional resource');
    output('bucket_name', uploads.bucketName, 'The upload bucket');
    output('bucket_arn', uploads.bucketArn, 'ARN of the upload bucket');
    if (bucketAccount !== undefined && crossAccount.serverRoles !== undefined) {
      output('bucket_account_id', bucketAccount.accountId, 'The account that owns the upload bucket (bucket_account)');
      output('organization_id', bucketAccount.organizationId, 'The organization of both accounts: the boundary on both sides of bucket access');
      if (settings.kmsKeyArn !== undefined) {
        const statement = bucketKeyPolicyStatement({ bucketArn: uploads.bucketArn, region: settings.awsRegion, serverRoles: crossAccount.serverRoles });
        output('kms_key_policy_statement', JSON.stringify(statement), "The statement to add to the bucket KMS key's policy so this account's server roles may use it through S3");
      }
    }

    if (settings.agentGateway) {
      // Here rather than in the agent-gateway stack: the servers stack's role trust names it.
      const tools = new AgentToolsRole(this, 'agent-tools-role', { namePrefix: prefix });
      output('agent_tools_role_arn', tools.role.arn, 'Role of the agent gateway\'s tools Lambda (trusted by the Cognito server roles)');
      output('agent_tools_role_name', tools.role.name, 'Name of that role (the agent-gateway stack attaches its policy)');
    }

    if (settings.identityProvider === 'auth0') {
      // Credentials come from AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET at plan time, never from here.
      const auth0 = new Auth0Provider(this, 'auth0');
      const idp = new Auth0Foundation(this, 'auth0-foundation', {
        environment: config.environment,
        auth0Domain: settings.auth0Domain,
        audience: settings.audience,
        tokenLifetimeSeconds: settings.tokenLifetimeSeconds,
        existingOidcProviderArn: settings.existingOidcProviderArn,
        additionalAudiences: settings.additionalOidcAudiences,
        provider: auth0,
        vending:
          settings.auth0Exchange === 'vending'
            ? {
                namePrefix: prefix,
                deletionProtection: settings.deletionProtection,
                logRetentionDays: settings.logRetentionDays,
                throttlingRateLimit: settings.apiThrottlingRateLimit,
                throttlingBurstLimit: settings.apiThrottlingBurstLimit,
                codeDirectory: props.vendingCodeDirectory,
              }
            : undefined,
      });
      output('audience', idp.audience, 'Auth0 API identifier: the aud of server tokens');
      output('auth0_api_id', idp.resourceServer.id, 'Auth0 resource server id');
      if (idp.vending && idp.clientRolesTable) {
        output('credential_vending_api_url', idp.vending.credentialsUrl, 'Full URL of POST /credentials');
        output('credential_vending_lambda_role_arn', idp.vending.role.arn, 'Role the server roles trust for sts:AssumeRole');
        output('client_roles_table_name', idp.clientRolesTable.name, 'DynamoDB client_id -> role mapping table');
      } else {
        output('oidc_provider_url', idp.oidcProviderUrl, 'OIDC provider URL without https://, with trailing slash (IAM condition key prefix)');
      }
    } else {
      const idp = new CognitoFoundation(this, 'cognito-foundation', {
        namePrefix: prefix,
        region: settings.awsRegion,
        domainPrefix: settings.cognitoDomainPrefix,
        resourceServerIdentifier: settings.resourceServerIdentifier,
        deletionProtection: settings.deletionProtection,
        logRetentionDays: settings.logRetentionDays,
        throttlingRateLimit: settings.apiThrottlingRateLimit,
        throttlingBurstLimit: settings.apiThrottlingBurstLimit,
        vendingCodeDirectory: props.vendingCodeDirectory,
      });
      output('cognito_user_pool_id', idp.userPool.id, 'User pool holding one app client per server');
      output('cognito_domain', idp.domain.domain, 'Hosted domain prefix (<prefix>.auth.<region>.amazoncognito.com)');
      output('cognito_token_endpoint', idp.tokenEndpoint, 'OAuth 2.0 token endpoint for client credentials');
      output('resource_server_identifier', idp.resourceServer.identifier, 'Resource server identifier; scopes are <identifier>/<scope>');
      output('credential_vending_api_url', idp.vending.credentialsUrl, 'Full URL of POST /credentials');
      output('credential_vending_lambda_role_arn', idp.vending.role.arn, 'Role the server roles trust for sts:AssumeRole');
      output('client_roles_table_name', idp.clientRolesTable.name, 'DynamoDB client_id -> role mapping table');
    }
  }
}
