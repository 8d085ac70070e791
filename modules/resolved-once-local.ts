/**
 * A Terraform local holding a large map of plain data (the servers map: one entry per server),
 * written into the stack's JSON as cdktf would write it, but resolved once instead of at each of
 * cdktf's passes over the stack.
 *
 * Why: cdktf resolves every element's value in full several times per synth (a preparing pass,
 * each element's own `toTerraform()`, the merged stack), creating contexts and testing every
 * string against its token patterns each time. With 5,000 servers that was about 60 % of the
 * app's per-server synth time (bench/synth.ts under `node --cpu-prof`). Here cdktf's passes see
 * an empty map, and the real value is put in place after them: plain strings, numbers and
 * booleans are copied as they are, and every value holding a token (the bucket ARN inside each
 * server's policy) goes through cdktf's own resolver, so the JSON is the same byte for byte.
 */
import { DefaultTokenResolver, StringConcat, TerraformLocal, TerraformStack, Token, Tokenization } from 'cdktf';
import type { Construct } from 'constructs';
import { STRING_TOKEN, plainString } from './token-markers';

type Plain = Readonly<Record<string, unknown>>;

export class ResolvedOnceLocal extends TerraformLocal {
  private readonly value: Plain;

  /**
   * @param value a map of plain objects, strings, numbers and booleans; tokens may appear
   *   anywhere in it (they are resolved in the stack's scope when the stack is written).
   */
  public constructor(scope: Construct, id: string, value: Plain) {
    super(scope, id, {});
    this.value = value;
    // The stack's JSON is assembled by its toTerraform(), which both `app.synth()` and
    // `Testing.synth()` call: the value is filled in there, after cdktf's own passes.
    const stack = TerraformStack.of(this);
    const assemble = stack.toTerraform.bind(stack);
    stack.toTerraform = () => {
      const tf = assemble() as { locals?: Record<string, unknown> };
      tf.locals = { ...tf.locals, [this.friendlyUniqueId]: resolveLeaves(stack, this.value) };
      return tf;
    };
  }

  /** HCL output (not what this app writes) takes the ordinary path, with the whole value. */
  public override toHclTerraform(): Record<string, unknown> {
    const hcl = super.toHclTerraform() as { locals: Record<string, { value: unknown }> };
    hcl.locals[this.friendlyUniqueId]!.value = this.value;
    return hcl;
  }
}

/**
 * `value` as cdktf's resolver would return it: plain objects are walked here (dropping
 * undefined members, as cdktf does); strings and numbers without a token are kept; a string
 * whose only `${` are string tokens has each distinct token resolved once, by cdktf, and
 * spliced in (the same bucket ARN token sits in every server's policy); anything else (a number
 * token, a list, a string with Terraform's own `${…}`) is handed to cdktf's resolver whole.
 */
function resolveLeaves(scope: TerraformStack, value: unknown, tokens = new Map<string, unknown>()): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'string') return plainString(value) ? value : spliceTokens(scope, value, tokens);
  if (typeof value === 'number' && !Token.isUnresolved(value)) return value;
  // A plain object that is not itself a token (one with a resolve() method); its keys are checked below.
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && typeof (value as { resolve?: unknown }).resolve !== 'function') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (!plainString(key)) return resolveWithCdktf(scope, value);
      const resolved = resolveLeaves(scope, member, tokens);
      if (resolved !== undefined) out[key] = resolved;
    }
    return out;
  }
  return resolveWithCdktf(scope, value);
}

function spliceTokens(scope: TerraformStack, value: string, tokens: Map<string, unknown>): unknown {
  // "literal${TfToken[A]}literal${TfToken[B]}…": pieces after the first start with a token's name.
  const pieces = value.split('${TfToken[');
  const literals = [pieces[0]!];
  const markers: string[] = [];
  for (let i = 1; i < pieces.length; i++) {
    const end = pieces[i]!.indexOf(']}');
    markers.push(`\${TfToken[${pieces[i]!.slice(0, end + 2)}`);
    literals.push(pieces[i]!.slice(end + 2));
  }
  // Anything beyond plain string tokens (Terraform's own `${…}`, which cdktf escapes; a number
  // token; a list or map marker; a malformed marker) takes cdktf's own path.
  const simple =
    markers.length > 0 &&
    markers.every((marker) => marker.length > 13 && marker.replace(STRING_TOKEN, '') === '') &&
    literals.every((literal) => plainString(literal) && !literal.includes('${'));
  if (!simple) return resolveWithCdktf(scope, value);
  const resolved = markers.map((marker) => {
    if (!tokens.has(marker)) tokens.set(marker, resolveWithCdktf(scope, marker));
    return tokens.get(marker);
  });
  if (markers.length === 1 && literals[0] === '' && literals[1] === '') return resolved[0];
  // A token that stands for something other than a string is concatenated by cdktf's own rules.
  if (resolved.some((part) => typeof part !== 'string')) return resolveWithCdktf(scope, value);
  let out = literals[0]!;
  for (let i = 0; i < resolved.length; i++) out += (resolved[i] as string) + literals[i + 1]!;
  return out;
}

function resolveWithCdktf(scope: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}
