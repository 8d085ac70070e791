import type { DynamodbTableItem } from '@cdktf/provider-aws/lib/dynamodb-table-item';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { Fn, TerraformIterator, Token, type IResolvable } from 'cdktf';
import { Construct } from 'constructs';
import { auth0DomainRule, directExchangeServersRule } from '../config/rules';
import { Client } from './auth0/client';
import { ClientCredentials } from './auth0/client-credentials';
import { ClientGrant } from './auth0/client-grant';
import { SettingChecks } from './construct-validation';
import { toJson } from './policies/document';
import { auth0WebIdentityTrust, vendingLambdaTrust } from './policies/server-trust';
import { EACH_KEY, FOR_KEY, OnceMapIterator, forEntriesWhere, forObject, instanceAttribute } from './hcl';
import { checkServers, clientRoleMappings, serverEntries, serverRoles, serversMap, sharedConfigurationFields, type ServerAccessBaseConfig, serverResourceName } from './server-access';

export interface Auth0ServerAccessConfig extends ServerAccessBaseConfig {
  /** The Auth0 tenant's domain (token endpoint `https://<domain>/oauth/token`). */
  readonly auth0Domain: string;
  /** Direct mode: the provider URL as IAM's condition keys spell it (no `https://`, trailing slash). Unused in vending mode. */
  readonly oidcProviderUrl?: string;
  /**
   * Direct mode: reuse this IAM OIDC provider (another environment's, same tenant and account:
   * IAM allows one per issuer) instead of creating one. Its owner must list this environment's
   * audience (`additional_oidc_audiences`) and, for STS's azp reading, its client ids.
   * @default undefined (create the provider here)
   */
  readonly existingOidcProviderArn?: string;
  /** Direct mode: audiences of environments that reuse this stack's provider, added to its client ID list. @default [] */
  readonly additionalAudiences?: readonly string[];
  /** The foundation API's identifier: the audience of every server's tokens. */
  readonly audience: string;
  /**
   * Given (`auth0_exchange: "vending"`), the foundation's credential-vending API trades the
   * servers' tokens: roles trust its Lambda role as Cognito's do, each server gets a mapping item,
   * and there is no OIDC provider. @default undefined (direct mode)
   */
  readonly vending?: Auth0ServerVendingConfig;
}

export interface Auth0ServerVendingConfig {
  /** ARN of the credential-vending Lambda's role, the only principal the server roles trust. */
  readonly vendingLambdaRoleArn: string;
  /** The client → role mapping table the Lambda reads. */
  readonly clientRolesTableName: string;
  /** For the hosts' configuration (`CREDENTIAL_VENDING_URL`). */
  readonly credentialVendingUrl: string;
}

/**
 * Server access through Auth0: per server an M2M application with a client secret, a grant to
 * the foundation's API, and a role.
 * - Direct mode: the role trusts the application's tokens, and only they, for
 *   `AssumeRoleWithWebIdentity`; the stack holds the tenant's IAM OIDC provider, whose client ID
 *   list is the API identifier plus every enabled server's client id.
 * - Vending mode: the role trusts only the vending Lambda's role (under the server's own
 *   SourceIdentity), and a mapping item tells the Lambda which role the client gets.
 *
 * The provider lives here rather than in the foundation because its client ID list is made of
 * this stack's client ids: whichever claim STS matches against the list (`aud` = the API
 * identifier, or `azp` = the client id; see docs/IMPLEMENTATION.md), both are on it. The AWS
 * provider has no resource for one list entry, so the stack that owns the list owns the provider.
 */
export class Auth0ServerAccess extends Construct {
  public readonly client: Client;
  public readonly credentials: ClientCredentials;
  public readonly grant: ClientGrant;
  /** Direct mode: the tenant's IAM OIDC provider (one per issuer per account), unless an existing one is reused. */
  public readonly oidcProvider?: IamOpenidConnectProvider;
  /** Direct mode: ARN of the provider the roles trust (created here, or the existing one). */
  public readonly oidcProviderArn?: string;
  /** Vending mode: the mapping items. */
  public readonly mapping?: DynamodbTableItem;
  /** `server_configurations`: the values a host's configuration needs, by server. */
  public readonly serverConfigurations: IResolvable;
  /** `server_secrets`: each server's client secret (sensitive). */
  public readonly serverSecrets: IResolvable;

  public constructor(scope: Construct, id: string, config: Auth0ServerAccessConfig) {
    super(scope, id);
    const direct = config.vending === undefined;
    const suffix = config.shardSuffix ?? '';
    checkServers(new SettingChecks(`Auth0ServerAccess ${this.node.path}`), config.servers, config.namePrefix, suffix)
      .follows('auth0Domain', config.auth0Domain, auth0DomainRule, 'set auth0_domain in foundation.json, e.g. "tenant.eu.auth0.com"')
      .require(!direct || (config.oidcProviderUrl ?? '').length > 0, 'oidcProviderUrl', config.oidcProviderUrl, 'the provider URL without https://, e.g. tenant.eu.auth0.com/', 'pass the foundation output oidc_provider_url')
      .follows(
        'servers (enabled)',
        config.servers.filter((server) => server.enabled).length,
        (enabled) => (direct ? directExchangeServersRule(enabled) : undefined),
        'see docs/IMPLEMENTATION.md, "Auth0 exchange: two readings, two modes"',
      )
      .require(!direct || suffix === '', 'shardSuffix', suffix, '"" in direct mode: the OIDC provider lists every enabled client, so one construct holds all servers', 'use one shard with auth0_exchange "direct"')
      .throwIfAny();

    const { iterator, local } = serversMap(this, serverEntries(config), suffix);

    this.client = new Client(this, 'client', {
      forEach: iterator,
      name: serverResourceName(config.namePrefix),
      appType: 'non_interactive',
      grantTypes: ['client_credentials'],
    });
    this.client.overrideLogicalId(`server${suffix}`);
    this.credentials = new ClientCredentials(this, 'credentials', {
      forEach: iterator,
      clientId: instanceAttribute(this.client, 'client_id'),
      authenticationMethod: 'client_secret_post',
    });
    this.credentials.overrideLogicalId(`server${suffix}`);
    // Only enabled servers may obtain tokens for the API; a disabled server's role also denies everything.
    const enabledServers = new OnceMapIterator(iterator.forExpressionForMap(FOR_KEY, forEntriesWhere('enabled')));
    this.grant = new ClientGrant(this, 'grant', {
      forEach: enabledServers,
      clientId: instanceAttribute(this.client, 'client_id'),
      audience: config.audience,
      scopes: [],
    });
    this.grant.overrideLogicalId(`server${suffix}`);

    let trust;
    if (config.vending === undefined) {
      if (config.existingOidcProviderArn !== undefined) {
        this.oidcProviderArn = config.existingOidcProviderArn;
      } else {
        // thumbprint_list is optional since AWS provider 5.81 (this project uses 6.x): IAM trusts the
        // IdP's certificate through its own root CAs, so no thumbprint is pinned here.
        this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc-provider', {
          url: `https://${config.auth0Domain}/`,
          clientIdList: Token.asList(
            Fn.concat([[config.audience, ...(config.additionalAudiences ?? [])], enabledServers.forExpressionForList(instanceAttribute(this.client, 'client_id', 'key'))]),
          ),
        });
        this.oidcProvider.overrideLogicalId('tenant');
        this.oidcProviderArn = this.oidcProvider.arn;
      }
      trust = auth0WebIdentityTrust({
        oidcProviderArn: this.oidcProviderArn,
        oidcProviderUrl: config.oidcProviderUrl ?? '',
        audience: config.audience,
        clientId: instanceAttribute(this.client, 'client_id'),
      });
    } else {
      trust = vendingLambdaTrust({ vendingRoleArn: config.vending.vendingLambdaRoleArn, serverName: EACH_KEY });
    }
    const { role } = serverRoles(this, iterator, config.namePrefix, toJson(trust), config.bucketAccount, suffix);
    if (config.vending !== undefined) {
      this.mapping = clientRoleMappings(this, iterator, config.vending.clientRolesTableName, instanceAttribute(this.client, 'client_id'), role, suffix);
    }

    this.serverConfigurations = TerraformIterator.fromMap(local.asAnyMap).forExpressionForMap(FOR_KEY, forObject({
      ...sharedConfigurationFields(config, 'auth0', role, this.client, 'client_id'),
      token_endpoint: `https://${config.auth0Domain}/oauth/token`,
      audience: config.audience,
      ...(config.vending === undefined ? {} : { credential_vending_url: config.vending.credentialVendingUrl }),
    }));
    this.serverSecrets = iterator.forExpressionForMap(FOR_KEY, instanceAttribute(this.credentials, 'client_secret', 'key'));
  }
}
