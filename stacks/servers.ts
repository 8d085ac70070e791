import { Fn, TerraformOutput, TerraformStack, type IResolvable } from 'cdktf';
import type { Construct } from 'constructs';
import { namePrefix, type EnvironmentConfig, type ServerSettings } from '../config/types';
import { Auth0Provider } from '../modules/auth0/provider';
import { Auth0ServerAccess } from '../modules/server-access-auth0';
import { CognitoServerAccess } from '../modules/server-access-cognito';
import { SHARD_TEMPLATE_SUFFIX, shardView, writeOncePerShard } from '../modules/resolved-once-local';
import { useAwsProvider } from './aws-provider';
import { foundationRemoteState, useS3Backend, type FoundationOutput } from './backend';
import { shardServers, type ServerShard } from './server-shards';

export interface ServersStackProps {
  /** The validated environment: its servers map and the foundation settings it builds on. */
  readonly config: EnvironmentConfig;
}

/**
 * The servers stack: the server-access construct's blocks once per shard of the servers map (one
 * shard unless servers.json sets `shards`; stacks/server-shards.ts), reading the foundation's outputs (the
 * contract between the stacks) through `terraform_remote_state`. Outputs `server_configurations`
 * and `server_secrets` over every shard, whose keys the host-config renderer relies on.
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
    const shards = shardServers(config.servers.servers, config.servers.shards);
    const base = {
      namePrefix: namePrefix(config),
      bucketArn: output('bucket_arn'),
      bucketName: output('bucket_name'),
      awsRegion: output('aws_region'),
      kmsKeyArn: settings.kmsKeyArn,
      // Present only with a bucket in another account: its account and organization, as the foundation deployed them.
      ...(settings.bucketAccount === undefined ? {} : { bucketAccount: { accountId: output('bucket_account_id'), organizationId: output('organization_id') } }),
    };

    let accesses: ServerAccessOutputs[];
    if (settings.identityProvider === 'auth0') {
      // No arguments: the provider reads AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET at plan time.
      new Auth0Provider(this, 'auth0');
      const vending = settings.auth0Exchange === 'vending';
      // What every shard shares is built once: each foundation output read makes a reference,
      // and cdktf captures the whole stack for every reference.
      const shared = {
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
      };
      const auth0 = perShard(shards, (id, servers, shardSuffix) => new Auth0ServerAccess(this, id, { ...shared, servers, shardSuffix }));
      accesses = auth0.accesses;
      // Direct mode has one shard (config/rules: directExchangeShardsRule).
      const oidcProviderArn = auth0.construct.oidcProviderArn;
      if (oidcProviderArn !== undefined) {
        new TerraformOutput(this, 'oidc_provider_arn', {
          value: oidcProviderArn,
          description: 'IAM OIDC provider the server roles trust (client ID list: the API identifier and every enabled server client)',
        });
      }
    } else {
      const shared = {
        ...base,
        userPoolId: output('cognito_user_pool_id'),
        resourceServerIdentifier: output('resource_server_identifier'),
        vendingLambdaRoleArn: output('credential_vending_lambda_role_arn'),
        clientRolesTableName: output('client_roles_table_name'),
        accessTokenValiditySeconds: settings.tokenLifetimeSeconds,
        tokenEndpoint: output('cognito_token_endpoint'),
        credentialVendingUrl: output('credential_vending_api_url'),
        agentToolsRoleArn: settings.agentGateway ? output('agent_tools_role_arn') : undefined,
      };
      accesses = perShard(shards, (id, servers, shardSuffix) => new CognitoServerAccess(this, id, { ...shared, servers, shardSuffix })).accesses;
    }
    // One map over every shard: the outputs' shape does not depend on how the servers are spread.
    const overShards = (maps: IResolvable[]): IResolvable => (maps.length === 1 ? maps[0]! : Fn.merge(maps));

    new TerraformOutput(this, 'server_configurations', {
      value: overShards(accesses.map((access) => access.serverConfigurations)),
      description: 'Per server: what its host configuration needs (role, client id, prefix, tier, bucket, region, token endpoint, audience or vending URL and scopes).',
    });
    new TerraformOutput(this, 'server_secrets', {
      value: overShards(accesses.map((access) => access.serverSecrets)),
      sensitive: true,
      description: "Per server: its OAuth client secret. Read with `cdktf output servers --outputs-file <f> --outputs-file-include-sensitive-outputs`.",
    });
  }
}

/** What the stack's outputs read from a server-access construct: its maps over the servers it holds. */
interface ServerAccessOutputs {
  readonly serverConfigurations: IResolvable;
  readonly serverSecrets: IResolvable;
}

/**
 * The server-access construct of the shards, and each shard's outputs. With one shard, the
 * construct itself. With more, one construct over every shard's servers, built with the template
 * suffix and written once per shard (modules/resolved-once-local.ts, writeOncePerShard): the
 * shards' blocks differ only in their suffix, and cdktf's passes over each block made every
 * shard cost milliseconds. Each shard's outputs are the construct's, read with its suffix.
 */
function perShard<T extends Construct & ServerAccessOutputs>(shards: readonly ServerShard<ServerSettings>[], make: (id: string, servers: readonly ServerSettings[], shardSuffix: string) => T): { construct: T; accesses: ServerAccessOutputs[] } {
  if (shards.length === 1) {
    const { suffix, servers } = shards[0]!;
    const construct = make(`server-access${suffix}`, servers, suffix);
    return { construct, accesses: [construct] };
  }
  const construct = make(`server-access${SHARD_TEMPLATE_SUFFIX}`, shards.flatMap((shard) => shard.servers), SHARD_TEMPLATE_SUFFIX);
  writeOncePerShard(construct, shards.map(({ suffix, servers }) => ({ suffix, keys: servers.map((server) => server.name) })));
  const accesses = shards.map(({ suffix }) => ({ serverConfigurations: shardView(construct.serverConfigurations, suffix), serverSecrets: shardView(construct.serverSecrets, suffix) }));
  return { construct, accesses };
}
