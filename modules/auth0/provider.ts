/**
 * Hand-written cdktf bindings for the `auth0/auth0` Terraform provider, 1.x.
 *
 * `cdktf get` cannot run where this project is built and no prebuilt package exists, so these
 * files mirror the shape of cdktf's generated bindings (static `tfResourceType`, snake_case
 * attributes from `synthesizeAttributes()`, computed attributes read with `getStringAttribute`)
 * and cover only the arguments this project uses. Every argument here exists, with the same
 * optionality, from provider v1.0.0 through the latest 1.x (checked against
 * github.com/auth0/terraform-provider-auth0, internal/provider/provider.go and
 * internal/auth0/{resourceserver,client}/*.go).
 *
 * The constraint admits the release `npm run verify:terraform` validates against (1.55.0, whose
 * schema tools/terraform-provider-auth0-standin transcribes) and later 1.x, and excludes known-broken
 * releases: 1.0.0–1.1.0 fail client grants with `scopes = []` (auth0/terraform-provider-auth0#884,
 * fixed in 1.1.1) and 1.39.0 sends `allow_all_scopes` on every grant (#1466, fixed in 1.39.1).
 */
import * as cdktf from 'cdktf';
import type { Construct } from 'constructs';

/** The generator metadata every Auth0 binding reports; it becomes `required_providers.auth0`. */
export const AUTH0_GENERATOR_METADATA: cdktf.TerraformProviderGeneratorMetadata = {
  providerName: 'auth0',
  providerVersionConstraint: '~> 1.55',
};

/**
 * What every Auth0 resource binding shares: the `auth0` provider's generator metadata and the
 * Terraform meta-arguments (provider, depends_on, count, for_each, lifecycle, …), as generated
 * bindings pass them.
 */
export abstract class Auth0Resource extends cdktf.TerraformResource {
  protected constructor(scope: Construct, id: string, terraformResourceType: string, config: cdktf.TerraformMetaArguments) {
    super(scope, id, {
      terraformResourceType,
      terraformGeneratorMetadata: AUTH0_GENERATOR_METADATA,
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
  }

  /** The resource's Terraform id. */
  public get id(): string {
    return this.getStringAttribute('id');
  }
}

/** One HCL attribute as cdktf's generated `synthesizeHclAttributes()` describes it. */
interface HclAttribute {
  readonly value: unknown;
  readonly isBlock: boolean;
  readonly type: 'simple' | 'list' | 'map';
  readonly storageClassType: string;
}

/** Drops unset attributes, as the generated bindings do. */
export function definedHclAttributes(attributes: Record<string, HclAttribute>): Record<string, HclAttribute> {
  return Object.fromEntries(Object.entries(attributes).filter(([, attribute]) => attribute.value !== undefined));
}

export function hclString(value: string | undefined): HclAttribute {
  return { value: cdktf.stringToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'string' };
}

export function hclNumber(value: number | undefined): HclAttribute {
  return { value: cdktf.numberToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'number' };
}

export function hclBoolean(value: boolean | cdktf.IResolvable | undefined): HclAttribute {
  return { value: cdktf.booleanToHclTerraform(value), isBlock: false, type: 'simple', storageClassType: 'boolean' };
}

export function hclStringList(value: readonly string[] | undefined): HclAttribute {
  return {
    value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(value),
    isBlock: false,
    type: 'list',
    storageClassType: 'stringList',
  };
}

/**
 * Provider settings: none but the alias. The provider reads `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`,
 * `AUTH0_CLIENT_SECRET` (or `AUTH0_API_TOKEN`) and `AUTH0_AUDIENCE` from the environment at plan
 * time, which is how this project keeps credentials out of synthesized JSON; its other settings
 * are not written here because nothing sets them.
 */
export interface Auth0ProviderConfig {
  /** Alias for using several Auth0 provider configurations. @default none */
  readonly alias?: string;
}

export class Auth0Provider extends cdktf.TerraformProvider {
  public static readonly tfResourceType = 'auth0';

  private _alias?: string;

  public constructor(scope: Construct, id: string, config: Auth0ProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: Auth0Provider.tfResourceType,
      terraformGeneratorMetadata: AUTH0_GENERATOR_METADATA,
      terraformProviderSource: 'auth0/auth0',
    });
    this._alias = config.alias;
  }

  public override get alias(): string | undefined {
    return this._alias;
  }

  public override set alias(value: string | undefined) {
    this._alias = value;
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return {
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    return definedHclAttributes({
      alias: hclString(this._alias),
    });
  }
}
