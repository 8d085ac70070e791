import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import type { DynamodbTableItem } from '@cdktf/provider-aws/lib/dynamodb-table-item';
import { TerraformIterator, TerraformLocal, type IResolvable } from 'cdktf';
import { tokenLifetimeRule } from '../config/rules';
import { PERMISSION_TIERS } from '../config/types';
import { Construct } from 'constructs';
import { SettingChecks } from './construct-validation';
import { toJson } from './policies/document';
import { tierScopes } from './policies/s3-access';
import { vendingLambdaTrust } from './policies/server-trust';
import { EACH_KEY, FOR_KEY, eachLookup, forJoinedLookup, forObject, instanceAttribute } from './hcl';
import { checkServers, clientRoleMappings, serverEntries, serverResourceName, serverRoles, serversMap, sharedConfigurationFields, type ServerAccessBaseConfig } from './server-access';

export interface CognitoServerAccessConfig extends ServerAccessBaseConfig {
  /** The foundation's user pool the app clients belong to. */
  readonly userPoolId: string;
  /** The resource server's identifier; scopes are `<identifier>/write` etc. */
  readonly resourceServerIdentifier: string;
  /** ARN of the credential-vending Lambda's role, the only principal the server roles trust. */
  readonly vendingLambdaRoleArn: string;
  /** The client → role mapping table the Lambda reads. */
  readonly clientRolesTableName: string;
  /** Access-token validity of every app client, in seconds (Cognito allows 300–86400). */
  readonly accessTokenValiditySeconds: number;
  /** For the hosts' configuration. */
  readonly tokenEndpoint: string;
  readonly credentialVendingUrl: string;
  /**
   * The agent gateway's tools Lambda role (foundation output agent_tools_role_arn), trusted like
   * the vending Lambda's under SourceIdentity = the server's name.
   * @default undefined (no agent gateway)
   */
  readonly agentToolsRoleArn?: string;
}

/**
 * Server access through Cognito and the vending Lambda: per server an app client (client
 * credentials, the tier's scopes), a role only the Lambda can assume and only under the
 * server's own SourceIdentity, and the mapping item that tells the Lambda which role a client
 * gets (and whether it is enabled).
 */
export class CognitoServerAccess extends Construct {
  public readonly client: CognitoUserPoolClient;
  public readonly mapping: DynamodbTableItem;
  public readonly serverConfigurations: IResolvable;
  public readonly serverSecrets: IResolvable;

  public constructor(scope: Construct, id: string, config: CognitoServerAccessConfig) {
    super(scope, id);
    const suffix = config.shardSuffix ?? '';
    checkServers(new SettingChecks(`CognitoServerAccess ${this.node.path}`), config.servers, config.namePrefix, suffix)
      .follows('accessTokenValiditySeconds', config.accessTokenValiditySeconds, tokenLifetimeRule('cognito'), 'set token_lifetime_seconds in foundation.json to 300–86400 for Cognito')
      .throwIfAny();

    const { iterator, local } = serversMap(this, serverEntries(config), suffix);
    // Scopes follow from the tier: one small map, looked up per server, rather than a list in every entry.
    const scopesByTier = new TerraformLocal(this, 'tier_scopes', Object.fromEntries(PERMISSION_TIERS.map((tier) => [tier, tierScopes(config.resourceServerIdentifier, tier)])));
    scopesByTier.overrideLogicalId(`tier_scopes${suffix}`);

    this.client = new CognitoUserPoolClient(this, 'client', {
      forEach: iterator,
      name: serverResourceName(config.namePrefix),
      userPoolId: config.userPoolId,
      generateSecret: true,
      allowedOauthFlows: ['client_credentials'],
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthScopes: eachLookup(scopesByTier, 's3_permissions'),
      supportedIdentityProviders: ['COGNITO'],
      // No user sign-in flows: these clients only ever use client credentials.
      explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      accessTokenValidity: config.accessTokenValiditySeconds,
      tokenValidityUnits: [{ accessToken: 'seconds' }],
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
    });
    this.client.overrideLogicalId(`server${suffix}`);

    const trust = vendingLambdaTrust({ vendingRoleArn: config.vendingLambdaRoleArn, serverName: EACH_KEY, agentToolsRoleArn: config.agentToolsRoleArn });
    const { role } = serverRoles(this, iterator, config.namePrefix, toJson(trust), config.bucketAccount, suffix);

    this.mapping = clientRoleMappings(this, iterator, config.clientRolesTableName, instanceAttribute(this.client, 'id'), role, suffix);

    this.serverConfigurations = TerraformIterator.fromMap(local.asAnyMap).forExpressionForMap(FOR_KEY, forObject({
      ...sharedConfigurationFields(config, 'cognito', role, this.client, 'id'),
      token_endpoint: config.tokenEndpoint,
      credential_vending_url: config.credentialVendingUrl,
      scopes: forJoinedLookup(' ', scopesByTier, 's3_permissions'),
    }));
    this.serverSecrets = iterator.forExpressionForMap(FOR_KEY, instanceAttribute(this.client, 'client_secret', 'key'));
  }
}
