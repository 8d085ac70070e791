/**
 * The one place where raw HCL is written: the expressions cdktf offers nothing typed for (a
 * sibling instance's attribute inside `for_each`, a field of the current entry inside a `for`
 * expression, a lookup in a local keyed by such a field). Every Terraform identifier they use
 * comes from an object (a resource's or local's own logical id) or from the `ServerEntry` type,
 * so no two strings have to agree. OpenTofu's `validate` (verify:terraform) checks every
 * expression built here against the real providers.
 */
import { MapTerraformIterator, ref, Token, type IResolvable, type TerraformLocal, type TerraformResource } from 'cdktf';
import type { ServerEntry } from './server-access';

/** A field of one server's entry of `local.servers`. */
export type EntryField = keyof ServerEntry & string;

/** How the current server is named: `each.key` inside a resource, `key` inside a `for` expression. */
export type IterationKey = 'each.key' | 'key';

/**
 * `<resource>[<key>].<attribute>`: the same server's instance of a sibling resource that
 * iterates over the same map. (cdktf's own attribute getters render a splat, `x.*.attr`, for a
 * resource with `for_each`, which is not what a per-server reference needs.)
 */
export function instanceAttribute(resource: TerraformResource, attribute: string, key: IterationKey = 'each.key'): string {
  return Token.asString(ref(`${resource.terraformResourceType}.${resource.friendlyUniqueId}[${key}].${attribute}`));
}

/** `key`: the server's name inside a `for` expression over `local.servers`. */
export const FOR_KEY: IResolvable = ref('key');

/** `val.<field>`: a field of the current entry inside a `for` expression over `local.servers` (one reference per field, shared by every shard). */
export function forField(field: EntryField): IResolvable {
  let value = forFields.get(field);
  if (value === undefined) forFields.set(field, (value = ref(`val.${field}`)));
  return value;
}
const forFields = new Map<EntryField, IResolvable>();

/** `val if val.<field>`: the entries whose boolean `field` is true, as a `for` expression's value and filter. */
export function forEntriesWhere(field: EntryField): IResolvable {
  return ref(`val if val.${field}`);
}

/** `local.<local>[each.value.<field>]`: inside a resource, the value `local` holds for this entry's `field`. */
export function eachLookup(local: TerraformLocal, field: EntryField): string[] {
  return Token.asList(ref(`local.${local.friendlyUniqueId}[each.value.${field}]`));
}

/** `join("<separator>", local.<local>[val.<field>])`: inside a `for` expression, the list `local` holds for the entry's `field`, joined. */
export function forJoinedLookup(separator: string, local: TerraformLocal, field: EntryField): IResolvable {
  return ref(`join(${JSON.stringify(separator)}, local.${local.friendlyUniqueId}[val.${field}])`);
}

/**
 * `each.key`: the current server's name inside a resource that iterates over a servers map.
 *
 * Why not `iterator.key`: cdktf's iterator renders `each.key` (and `each.value`) through a lazy
 * value that creates a new reference each time it is resolved, and every reference captures the
 * whole JavaScript stack (cdktf's Intrinsic). That is per attribute, per resolving pass, per
 * shard: with 50 shards, two thirds of the app's synth time (`node --cpu-prof`, bench/synth.ts).
 * These are created once; they render exactly what the iterator renders.
 */
export const EACH_KEY: string = Token.asString(ref('each.key'));

/** `each.value.<field>` as a string, number, boolean or string map: typed access to the current entry (created once per field; see EACH_KEY). */
export const eachField = {
  string: (field: EntryField): string => Token.asString(eachValue(field)),
  number: (field: EntryField): number => Token.asNumber(eachValue(field)),
  boolean: (field: EntryField): IResolvable => eachValue(field),
  stringMap: (field: EntryField): Record<string, string> => Token.asStringMap(eachValue(field)),
};

const eachValues = new Map<EntryField, IResolvable>();
function eachValue(field: EntryField): IResolvable {
  let value = eachValues.get(field);
  if (value === undefined) eachValues.set(field, (value = ref(`each.value.${field}`)));
  return value;
}

/**
 * An HCL object `{ k = v, … }` as the value of a `for` expression. cdktf renders a plain object
 * there as one, though its signature admits only a single expression, hence the cast.
 */
export function forObject(values: Readonly<Record<string, unknown>>): IResolvable {
  return values as unknown as IResolvable;
}

/**
 * A map iterator whose `for_each` expression is made once. cdktf's makes a new token (and
 * captures the whole stack for it) each time a resource's meta-arguments are read: per resource,
 * per resolving pass, per shard (a third of the per-shard synth time, `node --cpu-prof`).
 */
export class OnceMapIterator extends MapTerraformIterator {
  private forEachExpression: unknown;

  /** @param map the map to iterate over (a local's `asAnyMap`, or a `for` expression over one) */
  public constructor(map: unknown) {
    super(map as Record<string, unknown>);
  }

  /** @internal what cdktf writes as the resource's `for_each` */
  public override _getForEachExpression(): unknown {
    return (this.forEachExpression ??= super._getForEachExpression());
  }
}
