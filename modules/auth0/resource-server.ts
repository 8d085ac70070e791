import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclBoolean, hclNumber, hclString } from './provider';

/**
 * `auth0_resource_server` (an Auth0 API). Arguments as in provider 1.x
 * (internal/auth0/resourceserver/resource.go); scopes are managed by the separate
 * `auth0_resource_server_scopes` resource in 1.x and are not an argument here.
 */
export interface ResourceServerConfig extends cdktf.TerraformMetaArguments {
  /** The API identifier, used as the `audience` of token requests. Cannot change once set (ForceNew). */
  readonly identifier: string;
  /** Friendly name; no `<` or `>`. @default computed by Auth0 */
  readonly name?: string;
  /** `HS256`, `RS256` or `PS256`. @default computed by Auth0 (RS256) */
  readonly signingAlg?: string;
  /** Secret for HS256, at least 16 characters. @default computed by Auth0 */
  readonly signingSecret?: string;
  /** Whether refresh tokens can be issued for this API. @default computed by Auth0 */
  readonly allowOfflineAccess?: boolean | cdktf.IResolvable;
  /** Seconds that access tokens from the token endpoint stay valid. @default computed by Auth0 (86400) */
  readonly tokenLifetime?: number;
  /** Seconds that tokens from implicit or hybrid flows stay valid. @default computed by Auth0 */
  readonly tokenLifetimeForWeb?: number;
  /** Skip user consent for first-party clients. @default computed by Auth0 */
  readonly skipConsentForVerifiableFirstPartyClients?: boolean | cdktf.IResolvable;
  /** URL of a JWKS for token introspection. @default none */
  readonly verificationLocation?: string;
  /** Enforce RBAC policies. @default computed by Auth0 */
  readonly enforcePolicies?: boolean | cdktf.IResolvable;
  /** `access_token`, `access_token_authz`, `rfc9068_profile` or `rfc9068_profile_authz`. @default computed by Auth0 */
  readonly tokenDialect?: string;
}

export class ResourceServer extends Auth0Resource {
  public static readonly tfResourceType = 'auth0_resource_server';

  private readonly config: ResourceServerConfig;

  public constructor(scope: Construct, id: string, config: ResourceServerConfig) {
    super(scope, id, ResourceServer.tfResourceType, config);
    this.config = config;
  }


  public get identifier(): string {
    return this.getStringAttribute('identifier');
  }

  public get name(): string {
    return this.getStringAttribute('name');
  }

  public get signingAlg(): string {
    return this.getStringAttribute('signing_alg');
  }

  public get tokenLifetime(): number {
    return this.getNumberAttribute('token_lifetime');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return {
      identifier: cdktf.stringToTerraform(c.identifier),
      name: cdktf.stringToTerraform(c.name),
      signing_alg: cdktf.stringToTerraform(c.signingAlg),
      signing_secret: cdktf.stringToTerraform(c.signingSecret),
      allow_offline_access: cdktf.booleanToTerraform(c.allowOfflineAccess),
      token_lifetime: cdktf.numberToTerraform(c.tokenLifetime),
      token_lifetime_for_web: cdktf.numberToTerraform(c.tokenLifetimeForWeb),
      skip_consent_for_verifiable_first_party_clients: cdktf.booleanToTerraform(c.skipConsentForVerifiableFirstPartyClients),
      verification_location: cdktf.stringToTerraform(c.verificationLocation),
      enforce_policies: cdktf.booleanToTerraform(c.enforcePolicies),
      token_dialect: cdktf.stringToTerraform(c.tokenDialect),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return definedHclAttributes({
      identifier: hclString(c.identifier),
      name: hclString(c.name),
      signing_alg: hclString(c.signingAlg),
      signing_secret: hclString(c.signingSecret),
      allow_offline_access: hclBoolean(c.allowOfflineAccess),
      token_lifetime: hclNumber(c.tokenLifetime),
      token_lifetime_for_web: hclNumber(c.tokenLifetimeForWeb),
      skip_consent_for_verifiable_first_party_clients: hclBoolean(c.skipConsentForVerifiableFirstPartyClients),
      verification_location: hclString(c.verificationLocation),
      enforce_policies: hclBoolean(c.enforcePolicies),
      token_dialect: hclString(c.tokenDialect),
    });
  }
}
