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
      tf.locals = { ...tf.locals, [this.friendlyUniqueId]: resolveLeaves(stack, this.value, new Map()) };
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
function resolveLeaves(scope: TerraformStack, value: unknown, tokens: Map<string, unknown>): unknown {
  switch (typeof value) {
    case 'boolean':
    case 'undefined':
      return value;
    case 'string':
      return plainString(value) ? value : spliceTokens(scope, value, tokens);
    case 'number':
      // A number token is a double near ±1e289 (cdktf's marker bits in the exponent).
      return Math.abs(value) < 1e280 || !Token.isUnresolved(value) ? value : resolveWithCdktf(scope, value);
    case 'object': {
      if (value === null) return value;
      // A plain object that is not itself a token (one with a resolve() method); its keys are checked below.
      if (Object.getPrototypeOf(value) !== Object.prototype || typeof (value as { resolve?: unknown }).resolve === 'function') break;
      const object = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key in object) {
        if (!plainString(key)) return resolveWithCdktf(scope, value);
        const resolved = resolveLeaves(scope, object[key], tokens);
        if (resolved !== undefined) out[key] = resolved;
      }
      return out;
    }
  }
  return resolveWithCdktf(scope, value);
}

const TOKEN_START = '${TfToken[';

/** `literal${TfToken[A]}literal…` with each distinct token resolved once; anything unusual goes to cdktf whole. */
function spliceTokens(scope: TerraformStack, value: string, tokens: Map<string, unknown>): unknown {
  let out = '';
  let position = 0;
  for (;;) {
    const start = value.indexOf(TOKEN_START, position);
    const literal = start === -1 ? value.slice(position) : value.slice(position, start);
    // Terraform's own `${…}` (which cdktf escapes), a number token, a list or map marker: cdktf's path.
    if (!plainString(literal) || literal.includes('${')) return resolveWithCdktf(scope, value);
    if (start === -1) return out + literal;
    const end = value.indexOf(']}', start);
    if (end === -1) return resolveWithCdktf(scope, value);
    const marker = value.slice(start, end + 2);
    let resolved = tokens.get(marker);
    if (resolved === undefined) {
      STRING_TOKEN.lastIndex = 0;
      if (marker.replace(STRING_TOKEN, '') !== '') return resolveWithCdktf(scope, value);
      resolved = resolveWithCdktf(scope, marker);
      tokens.set(marker, resolved);
    }
    // A string that is one token alone becomes whatever the token stands for.
    if (start === 0 && end + 2 === value.length) return resolved;
    // A token that stands for something other than a string is concatenated by cdktf's own rules.
    if (typeof resolved !== 'string') return resolveWithCdktf(scope, value);
    out += literal + resolved;
    position = end + 2;
  }
}

function resolveWithCdktf(scope: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}
