import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclString, hclStringList } from './provider';

/**
 * `auth0_client_grant`: lets a client obtain client-credentials tokens for an API
 * (internal/auth0/client/resource_grant.go).
 */
export interface ClientGrantConfig extends cdktf.TerraformMetaArguments {
  /** The client being granted access (ForceNew). Required here: `default_for` grants are out of scope. */
  readonly clientId: string;
  /** The API identifier (audience) of the grant (ForceNew). */
  readonly audience: string;
  /**
   * Scopes granted; may be empty. Required here: the provider made it optional only in 1.39.0,
   * and these bindings are kept valid for every 1.x.
   */
  readonly scopes: readonly string[];
}

export class ClientGrant extends Auth0Resource {
  public static readonly tfResourceType = 'auth0_client_grant';

  private readonly config: ClientGrantConfig;

  public constructor(scope: Construct, id: string, config: ClientGrantConfig) {
    super(scope, id, ClientGrant.tfResourceType, config);
    this.config = config;
  }


  public get clientId(): string {
    return this.getStringAttribute('client_id');
  }

  public get audience(): string {
    return this.getStringAttribute('audience');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return {
      client_id: cdktf.stringToTerraform(this.config.clientId),
      audience: cdktf.stringToTerraform(this.config.audience),
      scopes: cdktf.listMapper(cdktf.stringToTerraform, false)(this.config.scopes),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    return definedHclAttributes({
      client_id: hclString(this.config.clientId),
      audience: hclString(this.config.audience),
      scopes: hclStringList(this.config.scopes),
    });
  }
}
