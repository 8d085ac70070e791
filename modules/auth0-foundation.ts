import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, audienceRule, auth0DomainRule, defaultAudience, oidcProviderArnRule, tokenLifetimeRule } from '../config/rules';
import type { Auth0Provider } from './auth0/provider';
import { ResourceServer } from './auth0/resource-server';
import { SettingChecks } from './construct-validation';
import { clientRolesTable, CredentialVending } from './credential-vending';

/** The vending API for Auth0 tokens (`auth0_exchange: "vending"`): what it needs besides the API. */
export interface Auth0VendingConfig {
  /** `<project>-<env>`: names the table, function and API. */
  readonly namePrefix: string;
  /** Deletion protection on the mapping table. @default true */
  readonly deletionProtection?: boolean;
  /** CloudWatch Logs retention of the vending Lambda's and API's logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Vending API stage rate limit, requests/s. @default 10 */
  readonly throttlingRateLimit?: number;
  /** Vending API stage burst limit. @default 20 */
  readonly throttlingBurstLimit?: number;
  /** Pre-bundled vending Lambda code. @default bundled at synth time */
  readonly codeDirectory?: string;
}

export interface Auth0FoundationConfig {
  /** The deployment environment's name (`dev`, `prod`, …); part of the default audience. */
  readonly environment: string;
  /** The Auth0 tenant's domain, e.g. `tenant.eu.auth0.com` (no scheme, no path). */
  readonly auth0Domain: string;
  /** The API identifier, i.e. the `aud` of the servers' tokens. @default `https://s3-uploader.<environment>.<auth0Domain>` */
  readonly audience?: string;
  /** Lifetime of access tokens for this API, in seconds (Auth0 allows up to 30 days). @default 86400 */
  readonly tokenLifetimeSeconds?: number;
  /** Friendly name of the Auth0 API. @default `S3 uploader (<environment>)` */
  readonly apiName?: string;
  /**
   * An existing IAM OIDC provider for the tenant to trust instead of creating one: IAM allows one
   * provider per issuer URL per account, so a second environment on the same tenant and account
   * reuses the first one's. That provider must list this audience among its client ids.
   * @default undefined (create the provider)
   */
  readonly existingOidcProviderArn?: string;
  /** Audiences of other environments that reuse the provider created here. @default [] */
  readonly additionalAudiences?: readonly string[];
  /** The Auth0 provider to create the API with. @default the stack's default `auth0` provider */
  readonly provider?: Auth0Provider;
  /**
   * Given (`auth0_exchange: "vending"`), the credential-vending API and its mapping table, verifying
   * this tenant's tokens for this API. @default undefined (direct: hosts call STS themselves)
   */
  readonly vending?: Auth0VendingConfig;
}


/**
 * The Auth0 side of the federation: an API (resource server) whose access tokens servers obtain
 * with client credentials. In direct mode, the IAM OIDC provider that lets STS accept those tokens
 * is the servers stack's, because its client ID list holds the servers' client ids. In vending
 * mode, the credential-vending API and Lambda (as for Cognito) verify the tokens and assume the
 * server roles: no OIDC provider, no client ID list, no limit of 99 servers.
 */
export class Auth0Foundation extends Construct {
  public readonly resourceServer: ResourceServer;
  /** The API identifier: tokens' `aud`, and the first entry of the OIDC provider's client ID list. */
  public readonly audience: string;
  /** `<auth0Domain>/`: the OIDC provider URL without scheme, as IAM condition keys spell it (`<url>:aud`). */
  public readonly oidcProviderUrl: string;
  /** `https://<auth0Domain>/`: the `iss` of the tenant's tokens. */
  public readonly issuer: string;
  /** Vending mode only: the credential-vending API and its mapping table. */
  public readonly vending?: CredentialVending;
  public readonly clientRolesTable?: DynamodbTable;

  public constructor(scope: Construct, id: string, config: Auth0FoundationConfig) {
    super(scope, id);
    const tokenLifetime = config.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS.auth0;
    new SettingChecks(`Auth0Foundation ${this.node.path}`)
      .follows('auth0Domain', config.auth0Domain, auth0DomainRule, 'set auth0_domain to the tenant domain only')
      .follows('audience', config.audience, audienceRule, 'set audience to an https:// identifier, or omit it for the default')
      .follows('existingOidcProviderArn', config.existingOidcProviderArn, oidcProviderArnRule, 'set existing_oidc_provider_arn to the ARN of the tenant\'s provider, or omit it')
      .follows('tokenLifetimeSeconds', tokenLifetime, tokenLifetimeRule('auth0'), 'set token_lifetime_seconds to a whole number of seconds up to 2592000 (30 days)')
      .throwIfAny();

    this.audience = config.audience ?? defaultAudience(config.environment, config.auth0Domain);
    this.oidcProviderUrl = `${config.auth0Domain}/`;
    this.issuer = `https://${config.auth0Domain}/`;

    this.resourceServer = new ResourceServer(this, 'api', {
      provider: config.provider,
      name: config.apiName ?? `S3 uploader (${config.environment})`,
      identifier: this.audience,
      // STS verifies web-identity tokens against the issuer's published keys: an asymmetric algorithm is required.
      signingAlg: 'RS256',
      tokenLifetime,
      // Servers use client credentials only; a refresh token would outlive a revoked grant.
      allowOfflineAccess: false,
      skipConsentForVerifiableFirstPartyClients: true,
    });

    if (config.vending !== undefined) {
      const vending = config.vending;
      this.clientRolesTable = clientRolesTable(this, 'client-roles', vending.namePrefix, vending.deletionProtection ?? true);
      this.vending = new CredentialVending(this, 'credential-vending', {
        identityProvider: 'auth0',
        namePrefix: vending.namePrefix,
        clientRolesTableName: this.clientRolesTable.name,
        clientRolesTableArn: this.clientRolesTable.arn,
        tokenIssuer: this.issuer,
        resourceServerIdentifier: this.audience,
        logRetentionDays: vending.logRetentionDays,
        throttlingRateLimit: vending.throttlingRateLimit,
        throttlingBurstLimit: vending.throttlingBurstLimit,
        codeDirectory: vending.codeDirectory,
      });
    }
  }
}
