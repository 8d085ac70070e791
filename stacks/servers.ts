import { TerraformOutput, TerraformStack, type IResolvable } from 'cdktf';
import type { Construct } from 'constructs';
import { namePrefix, type EnvironmentConfig } from '../config/types';
import { Auth0Provider } from '../modules/auth0/provider';
import { Auth0ServerAccess } from '../modules/server-access-auth0';
import { CognitoServerAccess } from '../modules/server-access-cognito';
import { useAwsProvider } from './aws-provider';
import { foundationRemoteState, useS3Backend, type FoundationOutput } from './backend';

export interface ServersStackProps {
  /** The validated environment: its servers map and the foundation settings it builds on. */
  readonly config: EnvironmentConfig;
}

/**
 * The servers stack: one server-access construct over the whole servers map, reading the
 * foundation's outputs (the contract between the stacks) through `terraform_remote_state`.
 * Outputs `server_configurations` and `server_secrets`, whose keys the host-config renderer
 * relies on.
 */
export class ServersStack extends TerraformStack {
  public constructor(scope: Construct, id: string, props: ServersStackProps) {
    super(scope, id);
    const { config } = props;
    const settings = config.foundation;

    useS3Backend(this, config.backend, config.environment, 'servers');
    useAwsProvider(this, config, config.servers.commonTags);
    const foundation = foundationRemoteState(this, config.backend, config.environment);
    const output = (name: FoundationOutput) => foundation.getString(name);
    const base = {
      servers: config.servers.servers,
      namePrefix: namePrefix(config),
      bucketArn: output('bucket_arn'),
      bucketName: output('bucket_name'),
      awsRegion: output('aws_region'),
      kmsKeyArn: settings.kmsKeyArn,
      // Present only with a bucket in another account: its account and organization, as the foundation deployed them.
      ...(settings.bucketAccount === undefined ? {} : { bucketAccount: { accountId: output('bucket_account_id'), organizationId: output('organization_id') } }),
    };

    let access: { serverConfigurations: IResolvable; serverSecrets: IResolvable };
    if (settings.identityProvider === 'auth0') {
      // No arguments: the provider reads AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET at plan time.
      new Auth0Provider(this, 'auth0');
      const vending = settings.auth0Exchange === 'vending';
      const auth0 = new Auth0ServerAccess(this, 'server-access', {
        ...base,
        auth0Domain: settings.auth0Domain,
        audience: output('audience'),
        ...(vending
          ? {
              vending: {
                vendingLambdaRoleArn: output('credential_vending_lambda_role_arn'),
                clientRolesTableName: output('client_roles_table_name'),
                credentialVendingUrl: output('credential_vending_api_url'),
              },
            }
          : {
              oidcProviderUrl: output('oidc_provider_url'),
              existingOidcProviderArn: settings.existingOidcProviderArn,
              additionalAudiences: settings.additionalOidcAudiences,
            }),
      });
      if (auth0.oidcProviderArn !== undefined) {
        new TerraformOutput(this, 'oidc_provider_arn', {
          value: auth0.oidcProviderArn,
          description: 'IAM OIDC provider the server roles trust (client ID list: the API identifier and every enabled server client)',
        });
      }
      access = auth0;
    } else {
      access = new CognitoServerAccess(this, 'server-access', {
        ...base,
        userPoolId: output('cognito_user_pool_id'),
        resourceServerIdentifier: output('resource_server_identifier'),
        vendingLambdaRoleArn: output('credential_vending_lambda_role_arn'),
        clientRolesTableName: output('client_roles_table_name'),
        accessTokenValiditySeconds: settings.tokenLifetimeSeconds,
        tokenEndpoint: output('cognito_token_endpoint'),
        credentialVendingUrl: output('credential_vending_api_url'),
        agentToolsRoleArn: settings.agentGateway ? output('agent_tools_role_arn') : undefined,
      });
    }

    new TerraformOutput(this, 'server_configurations', {
      value: access.serverConfigurations,
      description: 'Per server: what its host configuration needs (role, client id, prefix, tier, bucket, region, token endpoint, audience or vending URL and scopes).',
    });
    new TerraformOutput(this, 'server_secrets', {
      value: access.serverSecrets,
      sensitive: true,
      description: "Per server: its OAuth client secret. Read with `cdktf output servers --outputs-file <f> --outputs-file-include-sensitive-outputs`.",
    });
  }
}
