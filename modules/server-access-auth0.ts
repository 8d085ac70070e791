import { TerraformIterator, type IResolvable } from 'cdktf';
import { Construct } from 'constructs';
import { auth0DomainRule } from '../config/rules';
import { Client } from './auth0/client';
import { ClientCredentials } from './auth0/client-credentials';
import { ClientGrant } from './auth0/client-grant';
import { SettingChecks } from './construct-validation';
import { toJson } from './policies/document';
import { auth0WebIdentityTrust } from './policies/server-trust';
import { FOR_KEY, forEntriesWhere, forObject, instanceAttribute } from './hcl';
import { checkServers, serverEntry, serverRoles, serversMap, sharedConfigurationFields, type ServerAccessBaseConfig, serverResourceName } from './server-access';

export interface Auth0ServerAccessConfig extends ServerAccessBaseConfig {
  /** The Auth0 tenant's domain (token endpoint `https://<domain>/oauth/token`). */
  readonly auth0Domain: string;
  /** ARN of the foundation's IAM OIDC provider for the tenant. */
  readonly oidcProviderArn: string;
  /** The provider URL as IAM's condition keys spell it: no `https://`, trailing slash. */
  readonly oidcProviderUrl: string;
  /** The foundation API's identifier: the audience of every server's tokens. */
  readonly audience: string;
}

/**
 * Server access through Auth0: per server an M2M application with a client secret, a grant to
 * the foundation's API, and a role that the application's tokens, and only they, can assume
 * with `AssumeRoleWithWebIdentity`.
 */
export class Auth0ServerAccess extends Construct {
  public readonly client: Client;
  public readonly credentials: ClientCredentials;
  public readonly grant: ClientGrant;
  /** `server_configurations`: the values a host's configuration needs, by server. */
  public readonly serverConfigurations: IResolvable;
  /** `server_secrets`: each server's client secret (sensitive). */
  public readonly serverSecrets: IResolvable;

  public constructor(scope: Construct, id: string, config: Auth0ServerAccessConfig) {
    super(scope, id);
    checkServers(new SettingChecks(`Auth0ServerAccess ${this.node.path}`), config.servers, config.namePrefix)
      .follows('auth0Domain', config.auth0Domain, auth0DomainRule, 'set auth0_domain in foundation.json, e.g. "tenant.eu.auth0.com"')
      .throwIfAny();

    const { iterator, local } = serversMap(this, Object.fromEntries(config.servers.map((server) => [server.name, serverEntry(config, server)])));

    this.client = new Client(this, 'client', {
      forEach: iterator,
      name: serverResourceName(config.namePrefix, iterator),
      appType: 'non_interactive',
      grantTypes: ['client_credentials'],
    });
    this.client.overrideLogicalId('server');
    this.credentials = new ClientCredentials(this, 'credentials', {
      forEach: iterator,
      clientId: instanceAttribute(this.client, 'client_id'),
      authenticationMethod: 'client_secret_post',
    });
    this.credentials.overrideLogicalId('server');
    // Only enabled servers may obtain tokens for the API; a disabled server's role also denies everything.
    const enabledServers = TerraformIterator.fromMap(iterator.forExpressionForMap(FOR_KEY, forEntriesWhere('enabled')));
    this.grant = new ClientGrant(this, 'grant', {
      forEach: enabledServers,
      clientId: instanceAttribute(this.client, 'client_id'),
      audience: config.audience,
      scopes: [],
    });
    this.grant.overrideLogicalId('server');

    const trust = auth0WebIdentityTrust({
      oidcProviderArn: config.oidcProviderArn,
      oidcProviderUrl: config.oidcProviderUrl,
      audience: config.audience,
      clientId: instanceAttribute(this.client, 'client_id'),
    });
    const { role } = serverRoles(this, iterator, config.namePrefix, toJson(trust), config.bucketAccount);

    this.serverConfigurations = TerraformIterator.fromMap(local.asAnyMap).forExpressionForMap(FOR_KEY, forObject({
      ...sharedConfigurationFields(config, 'auth0', role, this.client, 'client_id'),
      token_endpoint: `https://${config.auth0Domain}/oauth/token`,
      audience: config.audience,
    }));
    this.serverSecrets = iterator.forExpressionForMap(FOR_KEY, instanceAttribute(this.credentials, 'client_secret', 'key'));
  }
}
