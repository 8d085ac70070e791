import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclBoolean, hclNumber, hclString } from './provider';

/**
 * `auth0_resource_server` (an Auth0 API). Arguments as in provider 1.x
 * (internal/auth0/resourceserver/resource.go), only those this project sets; scopes are managed by the separate
 * `auth0_resource_server_scopes` resource in 1.x and are not an argument here.
 */
export interface ResourceServerConfig extends cdktf.TerraformMetaArguments {
  /** The API identifier, used as the `audience` of token requests. Cannot change once set (ForceNew). */
  readonly identifier: string;
  /** Friendly name; no `<` or `>`. @default computed by Auth0 */
  readonly name?: string;
  /** `HS256`, `RS256` or `PS256`. @default computed by Auth0 (RS256) */
  readonly signingAlg?: string;
  /** Whether refresh tokens can be issued for this API. @default computed by Auth0 */
  readonly allowOfflineAccess?: boolean | cdktf.IResolvable;
  /** Seconds that access tokens from the token endpoint stay valid. @default computed by Auth0 (86400) */
  readonly tokenLifetime?: number;
  /** Skip user consent for first-party clients. @default computed by Auth0 */
  readonly skipConsentForVerifiableFirstPartyClients?: boolean | cdktf.IResolvable;
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
      allow_offline_access: cdktf.booleanToTerraform(c.allowOfflineAccess),
      token_lifetime: cdktf.numberToTerraform(c.tokenLifetime),
      skip_consent_for_verifiable_first_party_clients: cdktf.booleanToTerraform(c.skipConsentForVerifiableFirstPartyClients),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return definedHclAttributes({
      identifier: hclString(c.identifier),
      name: hclString(c.name),
      signing_alg: hclString(c.signingAlg),
      allow_offline_access: hclBoolean(c.allowOfflineAccess),
      token_lifetime: hclNumber(c.tokenLifetime),
      skip_consent_for_verifiable_first_party_clients: hclBoolean(c.skipConsentForVerifiableFirstPartyClients),
    });
  }
}
