import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';
import { Auth0Resource, definedHclAttributes, hclBoolean, hclNumber, hclString, hclStringList } from './provider';

/** The `jwt_configuration` block (MaxItems 1) of `auth0_client`. */
export interface ClientJwtConfiguration {
  /** `HS256`, `RS256` or `PS256`. @default the tenant's default */
  readonly alg?: string;
  /** Seconds the JWT stays valid. @default computed by Auth0 */
  readonly lifetimeInSeconds?: number;
  /** Whether the client secret is Base64-encoded (ForceNew). @default computed by Auth0 */
  readonly secretEncoded?: boolean | cdktf.IResolvable;
  /** Scopes included in JWTs. @default none */
  readonly scopes?: Readonly<Record<string, string>>;
}

export function clientJwtConfigurationToTerraform(struct?: ClientJwtConfiguration | cdktf.IResolvable): unknown {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) return struct;
  const block = struct as ClientJwtConfiguration;
  return {
    alg: cdktf.stringToTerraform(block.alg),
    lifetime_in_seconds: cdktf.numberToTerraform(block.lifetimeInSeconds),
    secret_encoded: cdktf.booleanToTerraform(block.secretEncoded),
    scopes: cdktf.hashMapper(cdktf.stringToTerraform)(block.scopes),
  };
}

function clientJwtConfigurationToHclTerraform(struct?: ClientJwtConfiguration | cdktf.IResolvable): unknown {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) return struct;
  const block = struct as ClientJwtConfiguration;
  return definedHclAttributes({
    alg: hclString(block.alg),
    lifetime_in_seconds: hclNumber(block.lifetimeInSeconds),
    secret_encoded: hclBoolean(block.secretEncoded),
    scopes: { value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(block.scopes), isBlock: false, type: 'map', storageClassType: 'stringMap' },
  });
}

/**
 * `auth0_client` (an Auth0 application). Arguments as in provider 1.x
 * (internal/auth0/client/resource.go). Since 1.0 the client's secret and its token endpoint
 * authentication method are NOT arguments or attributes of `auth0_client`: they live on
 * `auth0_client_credentials` (see client-credentials.ts).
 */
export interface ClientConfig extends cdktf.TerraformMetaArguments {
  /** Name of the client (required). */
  readonly name: string;
  /** Purpose of the client, at most 140 characters. @default none */
  readonly description?: string;
  /** `native`, `spa`, `regular_web`, `non_interactive`, … (`non_interactive` for machine-to-machine). @default none */
  readonly appType?: string;
  /** Grant types the client may use, e.g. `["client_credentials"]`. @default computed by Auth0 */
  readonly grantTypes?: readonly string[];
  /** Whether the client is first-party. @default computed by Auth0 (true) */
  readonly isFirstParty?: boolean | cdktf.IResolvable;
  /** Strict OIDC conformance. @default computed by Auth0 */
  readonly oidcConformant?: boolean | cdktf.IResolvable;
  /** String metadata on the client. @default none */
  readonly clientMetadata?: Readonly<Record<string, string>>;
  /** JWT settings. @default computed by Auth0 */
  readonly jwtConfiguration?: ClientJwtConfiguration;
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
      description: cdktf.stringToTerraform(c.description),
      app_type: cdktf.stringToTerraform(c.appType),
      grant_types: cdktf.listMapper(cdktf.stringToTerraform, false)(c.grantTypes),
      is_first_party: cdktf.booleanToTerraform(c.isFirstParty),
      oidc_conformant: cdktf.booleanToTerraform(c.oidcConformant),
      client_metadata: cdktf.hashMapper(cdktf.stringToTerraform)(c.clientMetadata),
      jwt_configuration: cdktf.listMapper(clientJwtConfigurationToTerraform, true)(
        c.jwtConfiguration === undefined ? undefined : [c.jwtConfiguration],
      ),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return definedHclAttributes({
      name: hclString(c.name),
      description: hclString(c.description),
      app_type: hclString(c.appType),
      grant_types: hclStringList(c.grantTypes),
      is_first_party: hclBoolean(c.isFirstParty),
      oidc_conformant: hclBoolean(c.oidcConformant),
      client_metadata: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(c.clientMetadata),
        isBlock: false,
        type: 'map',
        storageClassType: 'stringMap',
      },
      jwt_configuration: {
        value: cdktf.listMapperHcl(clientJwtConfigurationToHclTerraform, true)(
          c.jwtConfiguration === undefined ? undefined : [c.jwtConfiguration],
        ),
        isBlock: true,
        type: 'list',
        storageClassType: 'ClientJwtConfigurationList',
      },
    });
  }
}
