import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclString } from './provider';

/**
 * `auth0_client_credentials`: how a client authenticates at the token endpoint, and (since
 * provider 1.0, when it moved off `auth0_client`) where its `client_secret` lives
 * (internal/auth0/client/resource_credentials*.go).
 */
export interface ClientCredentialsConfig extends cdktf.TerraformMetaArguments {
  /** The client to configure (ForceNew). */
  readonly clientId: string;
  /**
   * `none`, `client_secret_post`, `client_secret_basic`, `private_key_jwt`, … Required here:
   * the provider made it optional only in 1.7.0, and these bindings are kept valid for every 1.x.
   */
  readonly authenticationMethod: string;
}

export class ClientCredentials extends Auth0Resource {
  public static readonly tfResourceType = 'auth0_client_credentials';

  private readonly config: ClientCredentialsConfig;

  public constructor(scope: Construct, id: string, config: ClientCredentialsConfig) {
    super(scope, id, ClientCredentials.tfResourceType, config);
    this.config = config;
  }


  public get clientId(): string {
    return this.getStringAttribute('client_id');
  }

  public get authenticationMethod(): string {
    return this.getStringAttribute('authentication_method');
  }

  /**
   * The client secret (computed, sensitive in the provider's schema). Empty unless the Terraform
   * client holds `read:client_keys` or `read:client_credentials`. Expose it only through
   * sensitive outputs.
   */
  public get clientSecret(): string {
    return this.getStringAttribute('client_secret');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return {
      client_id: cdktf.stringToTerraform(this.config.clientId),
      authentication_method: cdktf.stringToTerraform(this.config.authenticationMethod),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    return definedHclAttributes({
      client_id: hclString(this.config.clientId),
      authentication_method: hclString(this.config.authenticationMethod),
    });
  }
}
