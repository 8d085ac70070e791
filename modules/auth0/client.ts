import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclString, hclStringList } from './provider';

/**
 * `auth0_client` (an Auth0 application). Arguments as in provider 1.x
 * (internal/auth0/client/resource.go), only those this project sets (the others are left to
 * the provider's defaults and are not written here). Since 1.0 the client's secret and its token endpoint
 * authentication method are NOT arguments or attributes of `auth0_client`: they live on
 * `auth0_client_credentials` (see client-credentials.ts).
 */
export interface ClientConfig extends cdktf.TerraformMetaArguments {
  /** Name of the client (required). */
  readonly name: string;
  /** `native`, `spa`, `regular_web`, `non_interactive`, … (`non_interactive` for machine-to-machine). @default none */
  readonly appType?: string;
  /** Grant types the client may use, e.g. `["client_credentials"]`. @default computed by Auth0 */
  readonly grantTypes?: readonly string[];
}

export class Client extends Auth0Resource {
  public static readonly tfResourceType = 'auth0_client';

  private readonly config: ClientConfig;

  public constructor(scope: Construct, id: string, config: ClientConfig) {
    super(scope, id, Client.tfResourceType, config);
    this.config = config;
  }


  /** The OAuth client id (computed). The `sub` of its client-credentials tokens is `<client_id>@clients`. */
  public get clientId(): string {
    return this.getStringAttribute('client_id');
  }

  public get name(): string {
    return this.getStringAttribute('name');
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return {
      name: cdktf.stringToTerraform(c.name),
      app_type: cdktf.stringToTerraform(c.appType),
      grant_types: cdktf.listMapper(cdktf.stringToTerraform, false)(c.grantTypes),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return definedHclAttributes({
      name: hclString(c.name),
      app_type: hclString(c.appType),
      grant_types: hclStringList(c.grantTypes),
    });
  }
}
