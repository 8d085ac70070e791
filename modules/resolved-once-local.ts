/**
 * A Terraform local holding a large map of plain data (the servers map: one entry per server),
 * written into the stack's JSON as cdktf would write it, but resolved once instead of at each of
 * cdktf's passes over the stack.
 *
 * Why: cdktf resolves every element's value in full several times per synth (a preparing pass,
 * each element's own `toTerraform()`, the merged stack), creating contexts and testing every
 * string against its token patterns each time, and then writes the stack with
 * json-stable-stringify, which sorts and concatenates in JavaScript. With 5,000 servers the
 * passes were about 60 % of the app's per-server synth time and the writing another 15 %
 * (bench/synth.ts under `node --cpu-prof`). Here cdktf's passes see an empty map, and the real
 * value is put in place after them: plain strings, numbers and booleans are copied as they are,
 * and every value holding a token (the bucket ARN inside each server's policy) goes through
 * cdktf's own resolver. When the stack's synthesizer writes its file, the map is a placeholder
 * there, replaced afterwards by the map rendered with Node's own JSON.stringify in exactly
 * json-stable-stringify's form (sorted keys, two-space indent, its way of writing empty objects
 * and lists). The JSON is the same byte for byte (test/modules/resolved-once-local.test.ts).
 */
import { DefaultTokenResolver, StringConcat, TerraformLocal, TerraformStack, Token, Tokenization, type IResolvable, type IResolveContext, type IStackSynthesizer } from 'cdktf';
import type { Construct } from 'constructs';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STRING_TOKEN, plainString } from './token-markers';

type Plain = Readonly<Record<string, unknown>>;

/** What cdktf's synthesizer hands a stack's synthesizer (its `ISynthesisSession`, the parts used here). */
interface Session {
  readonly outdir: string;
  readonly manifest: { forStack(stack: TerraformStack): { readonly synthesizedStackPath: string } };
}

export class ResolvedOnceLocal extends TerraformLocal {
  /** The map as given; resolved when the stack is written. */
  public readonly value: Plain;

  /**
   * @param value a map of plain objects, strings, numbers and booleans; tokens may appear
   *   anywhere in it (they are resolved in the stack's scope when the stack is written).
   */
  public constructor(scope: Construct, id: string, value: Plain) {
    super(scope, id, {});
    this.value = value;
    StackWriter.of(TerraformStack.of(this)).locals.push(this);
  }

  /** HCL output (not what this app writes) takes the ordinary path, with the whole value. */
  public override toHclTerraform(): Record<string, unknown> {
    const hcl = super.toHclTerraform() as { locals: Record<string, { value: unknown }> };
    hcl.locals[this.friendlyUniqueId]!.value = this.value;
    return hcl;
  }
}

/**
 * The suffix a construct's blocks carry when they are built once and written once per shard
 * (writeOncePerShard): `_shard` and random hex, so that it occurs nowhere else in a stack.
 */
export const SHARD_TEMPLATE_SUFFIX = `_shard${randomBytes(8).toString('hex')}`;

/** One shard of a template's blocks: its suffix and the keys of the template's servers map it holds. */
export interface ShardKeys {
  readonly suffix: string;
  readonly keys: readonly string[];
}

/**
 * Writes the blocks of `template` once per shard. `template` is built once, with
 * SHARD_TEMPLATE_SUFFIX as its shard suffix, over every shard's servers; in the stack's JSON,
 * every block (resource, data source, local) whose name holds the suffix is written once per
 * shard, the suffix replaced by the shard's own in its name and in everything it holds, and a
 * ResolvedOnceLocal whose name holds it is split: each shard's copy holds the entries of its
 * `keys`. The JSON is the one a construct per shard would give (test/stacks/server-shards.test.ts).
 *
 * Why: the shards' blocks differ only in their suffix, and cdktf's passes over a block cost
 * the same whatever its for_each holds: with a construct per shard, 50 shards of 5,000 servers
 * took 200 ms (Auth0) and 420 ms (Cognito) more than one shard (`node --cpu-prof`, bench/synth.ts).
 */
export function writeOncePerShard(template: Construct, shards: readonly ShardKeys[]): void {
  const writer = StackWriter.of(TerraformStack.of(template));
  if (writer.shards !== undefined) throw new Error('writeOncePerShard: one template per stack');
  writer.shards = shards;
}

/**
 * `expression` (an expression of a template's construct, such as a `for` expression over its
 * servers map) as it reads in the shard `suffix`: resolved, with the template's suffix replaced.
 * Every shard's view of one expression shares one resolving per pass.
 */
export function shardView(expression: IResolvable, suffix: string): IResolvable {
  return new ShardView(expression, suffix);
}

class ShardView implements IResolvable {
  public readonly creationStack: string[] = [];

  public constructor(
    private readonly expression: IResolvable,
    private readonly suffix: string,
  ) {}

  public resolve(context: IResolveContext): unknown {
    let passes = resolvedTemplates.get(this.expression);
    if (passes === undefined) resolvedTemplates.set(this.expression, (passes = new Map()));
    const pass = `${context.preparing} ${context.suppressBraces}`;
    if (!passes.has(pass)) passes.set(pass, context.resolve(this.expression));
    return withSuffix(passes.get(pass), this.suffix);
  }

  public toString(): string {
    return Token.asString(this);
  }
}
const resolvedTemplates = new WeakMap<IResolvable, Map<string, unknown>>();

/** `value` with the template suffix replaced by `suffix` in every string and key. */
function withSuffix(value: unknown, suffix: string): unknown {
  if (typeof value === 'string') return value.includes(SHARD_TEMPLATE_SUFFIX) ? value.split(SHARD_TEMPLATE_SUFFIX).join(suffix) : value;
  if (Array.isArray(value)) return value.map((item) => withSuffix(item, suffix));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[withSuffix(key, suffix) as string] = withSuffix(item, suffix);
  return out;
}

/**
 * Takes out of `section` (`{ <type>: { <name>: block } }`, or locals' `{ <name>: value }`) every
 * block whose name holds the template suffix; returns the puts that write it once per shard.
 */
function takeTemplateBlocks(section: Record<string, unknown> | undefined, typed: boolean, shards: readonly ShardKeys[]): (() => void)[] {
  if (section === undefined) return [];
  const puts: (() => void)[] = [];
  for (const named of (typed ? Object.values(section) : [section]) as Record<string, unknown>[]) {
    for (const name of Object.keys(named)) {
      if (!name.includes(SHARD_TEMPLATE_SUFFIX)) continue;
      // The suffix is letters, digits and "_", inside names and strings only: replaced in the block's JSON text.
      const text = JSON.stringify({ [name]: named[name] });
      delete named[name];
      puts.push(() => {
        for (const { suffix } of shards) Object.assign(named, JSON.parse(text.split(SHARD_TEMPLATE_SUFFIX).join(suffix)));
      });
    }
  }
  return puts;
}
/**
 * One per stack, however many ResolvedOnceLocals it holds: the stack's JSON is assembled once
 * with every local's placeholder, and its file is read, filled in and written once.
 */
class StackWriter {
  private static readonly writers = new WeakMap<TerraformStack, StackWriter>();

  public static of(stack: TerraformStack): StackWriter {
    let writer = StackWriter.writers.get(stack);
    if (writer === undefined) StackWriter.writers.set(stack, (writer = new StackWriter(stack)));
    return writer;
  }

  public readonly locals: ResolvedOnceLocal[] = [];
  /** The shards a template's blocks are written for (writeOncePerShard). */
  public shards: readonly ShardKeys[] | undefined;
  /**
   * While the stack's synthesizer writes its file: by local name, the placeholder written
   * instead of its map, and how to write the map at a given indentation.
   */
  private writing: { readonly run: string; readonly deferred: Map<string, Deferred> } | undefined;

  private constructor(stack: TerraformStack) {
    // The stack's JSON is assembled by its toTerraform(), which both `app.synth()` and
    // `Testing.synth()` call: the values are filled in there, after cdktf's own passes.
    const assemble = stack.toTerraform.bind(stack);
    stack.toTerraform = () => {
      const tf = assemble() as { locals?: Record<string, unknown>; resource?: Record<string, unknown>; data?: Record<string, unknown> };
      const locals: Record<string, unknown> = { ...tf.locals };
      // One cache of resolved tokens for every local: the shards' policies hold the same bucket ARN.
      const tokens = new Map<string, unknown>();
      for (const local of this.locals) {
        const name = local.friendlyUniqueId;
        const split = this.shards !== undefined && name.includes(SHARD_TEMPLATE_SUFFIX);
        if (split) delete locals[name];
        const parts = split ? splitByShard(local.value, this.shards!, name) : [[name, local.value] as const];
        for (const [partName, value] of parts) {
          const deferred = this.writing === undefined ? undefined : deferredWrite(stack, value, tokens);
          if (deferred !== undefined) {
            const placeholder = `resolved-once-local:${this.writing!.run}:${partName}`;
            this.writing!.deferred.set(partName, { placeholder, write: deferred });
            locals[partName] = placeholder;
          } else {
            this.writing?.deferred.delete(partName);
            locals[partName] = resolveLeaves(stack, value, { tokens, arrayIndexKeys: false });
          }
        }
      }
      tf.locals = locals;
      if (this.shards !== undefined) {
        const puts = [...takeTemplateBlocks(tf.resource, true, this.shards), ...takeTemplateBlocks(tf.data, true, this.shards), ...takeTemplateBlocks(tf.locals, false, this.shards)];
        const { locals: _split, ...blocks } = tf;
        if (JSON.stringify(blocks).includes(SHARD_TEMPLATE_SUFFIX)) throw new Error(`writeOncePerShard: the template suffix is left outside the template's blocks of stack ${stack.node.path}`);
        for (const put of puts) put();
      }
      return tf;
    };
    const synthesizer = stack.synthesizer;
    stack.synthesizer = {
      synthesize: (session: Session) => {
        const writing = { run: randomUUID(), deferred: new Map<string, Deferred>() };
        this.writing = writing;
        try {
          synthesizer.synthesize(session as never);
        } finally {
          this.writing = undefined;
        }
        // Not filled in: HCL output, or keys only cdktf's writer orders right.
        if (writing.deferred.size === 0) return;
        const file = join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath);
        writeFileSync(file, fillPlaceholders(readFileSync(file, 'utf8'), [...writing.deferred.values()], file));
      },
    } as IStackSynthesizer;
  }
}

/** A local written after cdktf's writer: its placeholder, and its map's JSON at an indentation. */
interface Deferred {
  readonly placeholder: string;
  readonly write: (indent: string) => string;
}

/**
 * How `value` is written into the stack's file at an indentation, or undefined when cdktf's
 * writer must write it (keys that are array indexes, "10" and "9", which the engine orders
 * itself). A map of plain data whose strings hold only string tokens (the servers map: the
 * bucket ARN inside each policy) is written as JSON.stringify writes it, with each token's
 * resolution spliced into the text: JSON escapes a string character by character, so that is
 * the text of the resolved map, without a resolved copy of it (5,000 servers: 26 ms to 8 ms).
 * Its strings are checked in that text, not one by one: JSON.stringify neither escapes nor
 * writes `$`, `{` or `TfToken[` (a key or string is always followed by `"`), so the text holds
 * a token, or a `${`, exactly where a string does (5,000 servers: the walk over the map took
 * 20-27 ms with its strings, under `performance.now()` laps in the app). The text is written
 * here, at the indentation of a local (LOCAL_INDENT), and again at fill time only if cdktf put
 * the placeholder elsewhere. Anything else is resolved by resolveLeaves and then written.
 */
function deferredWrite(scope: TerraformStack, value: unknown, tokens: Map<string, unknown>): Deferred['write'] | undefined {
  const plain = plainSorted(value);
  if (plain !== NOT_PLAIN) {
    const text = stableJson(plain, LOCAL_INDENT);
    const markers = new Set<string>();
    // Anything but string tokens in a string (a number or list token, Terraform's own `${…}`, "e+") is cdktf's to write.
    const spliced = stringTokensOnly(text, markers) ? resolvedAsJson(scope, markers, tokens) : undefined;
    if (spliced !== undefined) {
      // replaceAll with a function: no `$` patterns in the replacement, and 5 to 8 times faster than split and join here.
      const splice = (json: string) => spliced.reduce((written, [marker, resolved]) => written.replaceAll(marker, () => resolved), json);
      const atLocalIndent = splice(text);
      return (indent) => (indent === LOCAL_INDENT ? atLocalIndent : splice(stableJson(plain, indent)));
    }
  }
  const state: ResolveState = { tokens, arrayIndexKeys: false };
  const resolved = resolveLeaves(scope, value, state);
  return state.arrayIndexKeys ? undefined : (indent) => stableJson(resolved, indent);
}

/**
 * Each string token of `markers` with its resolution as JSON writes it inside a string, or
 * undefined when one stands for something other than a string (cdktf's writer must then write it).
 */
function resolvedAsJson(scope: TerraformStack, markers: ReadonlySet<string>, tokens: Map<string, unknown>): [string, string][] | undefined {
  const spliced: [string, string][] = [];
  for (const marker of markers) {
    const resolved = resolveOnce(scope, marker, tokens);
    if (typeof resolved !== 'string') return undefined;
    spliced.push([marker, JSON.stringify(resolved).slice(1, -1)]);
  }
  return spliced;
}

/** `marker` (one token) resolved by cdktf, once per stack write: `tokens` keeps every resolution. */
function resolveOnce(scope: TerraformStack, marker: string, tokens: Map<string, unknown>): unknown {
  let resolved = tokens.get(marker);
  if (resolved === undefined) tokens.set(marker, (resolved = resolveWithCdktf(scope, marker)));
  return resolved;
}

/** Where cdktf's writer puts a local's value: `{ "locals": { "<name>": <value> } }`, two levels of two spaces. */
const LOCAL_INDENT = '    ';

const NOT_PLAIN = Symbol('not plain');

/**
 * `value` with every object's keys in sorted order (the same objects where they already are),
 * when it is plain data: objects, strings, booleans, null and numbers that are not tokens; keys
 * without tokens that are not array indexes. NOT_PLAIN otherwise. Strings are not looked into:
 * the caller checks them in the written text (stringTokensOnly).
 */
function plainSorted(value: unknown): unknown {
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Math.abs(value) < 1e280 ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return value;
      if (Object.getPrototypeOf(value) !== Object.prototype || typeof (value as { resolve?: unknown }).resolve === 'function') return NOT_PLAIN;
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object);
      let sorted = true;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (!plainString(key) || (key.charCodeAt(0) <= 0x39 && ARRAY_INDEX.test(key))) return NOT_PLAIN;
        if (i > 0 && keys[i - 1]! > key) sorted = false;
      }
      if (!sorted) keys.sort();
      let out: Record<string, unknown> | undefined = sorted ? undefined : {};
      for (let i = 0; i < keys.length; i++) {
        const original = object[keys[i]!];
        const item = plainSorted(original);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        if (out === undefined && item !== original) {
          out = {};
          for (let j = 0; j < i; j++) out[keys[j]!] = object[keys[j]!];
        }
        if (out !== undefined) out[keys[i]!] = item;
      }
      return out ?? object;
    }
  }
  return NOT_PLAIN;
}

/**
 * True when every `${` of `value` (a string, or the JSON text of plain data) starts a string
 * token (`${TfToken[…]}`), each then added to `markers`, and nothing else in it is a token (no
 * list or map marker, no number written into it, "…e+289"). Checked in place: the servers map's
 * text holds the same marker thousands of times (one per policy).
 */
function stringTokensOnly(value: string, markers: Set<string>): boolean {
  if (value.includes('e+')) return false;
  // Each marker is looked for past the token before it.
  let marker = value.indexOf(TOKEN_MARK);
  let position = 0;
  for (;;) {
    const start = value.indexOf('${', position);
    if (start === -1) return marker === -1;
    // Terraform's own `${…}`, or a list or map marker before this token: cdktf's path.
    if (marker !== start + 2) return false;
    // A token seen before (the same bucket ARN in every policy) is recognised in place, without a copy.
    let token: string | undefined;
    if (markers.size <= FEW_MARKERS) {
      for (const known of markers) {
        if (value.startsWith(known, start)) {
          token = known;
          break;
        }
      }
    }
    if (token === undefined) {
      const end = value.indexOf(']}', start);
      if (end === -1) return false;
      token = value.slice(start, end + 2);
      if (!markers.has(token)) {
        STRING_TOKEN.lastIndex = 0;
        if (token.replace(STRING_TOKEN, '') !== '') return false;
        markers.add(token);
      }
    }
    position = start + token.length;
    marker = value.indexOf(TOKEN_MARK, position);
  }
}

const TOKEN_MARK = 'TfToken[';
/** Up to this many distinct tokens, each is looked for among those seen before; beyond, copied and looked up. */
const FEW_MARKERS = 8;

/** A template's servers map split by shard, each part named with its shard's suffix (plainSorted sorts each part's keys). */
function splitByShard(map: Readonly<Record<string, unknown>>, shards: readonly ShardKeys[], name: string): (readonly [string, Record<string, unknown>])[] {
  const partOf = new Map<string, Record<string, unknown>>();
  const parts = shards.map(({ suffix, keys }) => {
    const part: Record<string, unknown> = {};
    for (const key of keys) partOf.set(key, part);
    return [withSuffix(name, suffix) as string, part] as const;
  });
  for (const key of Object.keys(map)) {
    const part = partOf.get(key);
    if (part === undefined) throw new Error(`writeOncePerShard: ${JSON.stringify(key)} of local ${name} is in no shard`);
    part[key] = map[key];
  }
  return parts;
}

/**
 * `text` (the stack's JSON as cdktf wrote it) with each placeholder string replaced by its map,
 * written at the placeholder's indentation. Throws when a placeholder is not there exactly once.
 */
function fillPlaceholders(text: string, deferred: readonly Deferred[], file: string): string {
  // One pass over the text for every placeholder: they share their start, `"resolved-once-local:<run>:`.
  const byPlaceholder = new Map(deferred.map((entry) => [JSON.stringify(entry.placeholder), entry]));
  const common = deferred[0]!.placeholder.slice(0, deferred[0]!.placeholder.lastIndexOf(':') + 1);
  const start = JSON.stringify(common).slice(0, -1);
  const parts: string[] = [];
  const seen = new Set<string>();
  let position = 0;
  for (let at = text.indexOf(start); at !== -1; at = text.indexOf(start, at + 1)) {
    const quoted = text.slice(at, text.indexOf('"', at + start.length) + 1);
    const entry = byPlaceholder.get(quoted);
    if (entry === undefined || seen.has(quoted)) throw new Error(`ResolvedOnceLocal: ${quoted} is not a placeholder of ${file}, or is there twice`);
    seen.add(quoted);
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const indent = /^ */.exec(text.slice(lineStart, at))![0];
    parts.push(text.slice(position, at), entry.write(indent));
    position = at + quoted.length;
  }
  if (seen.size !== byPlaceholder.size) throw new Error(`ResolvedOnceLocal: ${[...byPlaceholder.keys()].filter((quoted) => !seen.has(quoted)).join(', ')} not in ${file}`);
  parts.push(text.slice(position));
  return parts.join('');
}

/**
 * `value` as cdktf's resolver would return it: plain objects are walked here (dropping
 * undefined members, as cdktf does); strings and numbers without a token are kept; a string
 * whose only `${` are string tokens has each distinct token resolved once, by cdktf, and
 * spliced in (the same bucket ARN token sits in every server's policy); anything else (a number
 * token, a list, a string with Terraform's own `${…}`) is handed to cdktf's resolver whole.
 */
interface ResolveState {
  /** Each distinct token, resolved once. */
  readonly tokens: Map<string, unknown>;
  /** A key that is an array index ("0", "10"): objects then keep such keys first, in numeric order. */
  arrayIndexKeys: boolean;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function resolveLeaves(scope: TerraformStack, value: unknown, state: ResolveState): unknown {
  switch (typeof value) {
    case 'boolean':
    case 'undefined':
      return value;
    case 'string':
      return plainString(value) ? value : spliceTokens(scope, value, state.tokens);
    case 'number':
      // A number token is a double near ±1e289 (cdktf's marker bits in the exponent).
      return Math.abs(value) < 1e280 || !Token.isUnresolved(value) ? value : resolveWithCdktf(scope, value);
    case 'object': {
      if (value === null) return value;
      // A plain object that is not itself a token (one with a resolve() method); its keys are checked below.
      if (Object.getPrototypeOf(value) !== Object.prototype || typeof (value as { resolve?: unknown }).resolve === 'function') break;
      const object = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // Sorted, as the stack's writer orders them.
      for (const key of Object.keys(object).sort()) {
        if (!plainString(key)) return resolveWithCdktf(scope, value);
        if (ARRAY_INDEX.test(key)) state.arrayIndexKeys = true;
        const resolved = resolveLeaves(scope, object[key], state);
        if (resolved !== undefined) out[key] = resolved;
      }
      return out;
    }
  }
  return resolveWithCdktf(scope, value);
}

/**
 * `value` (plain JSON data whose objects hold their keys in sorted order) as cdktf's writer,
 * json-stable-stringify with `{ space: 2 }`, writes it inside the stack's file, its lines after
 * the first indented by `indent`: JSON.stringify's form, except that an empty object or list
 * spans two lines, its closing bracket at the indentation of its opening line. JSON.stringify
 * puts every value on a line of its own and a string never ends a line in a bracket, so a line
 * ending in `{}` or `[]` (and a comma) is always an empty object or list. The value is written
 * nested as deep as `indent` says, so its lines come out indented.
 */
function stableJson(value: unknown, indent: string): string {
  let text: string;
  if (indent.length % 2 === 0) {
    let nested = value;
    for (let depth = 0; depth < indent.length / 2; depth++) nested = { a: nested };
    const whole = JSON.stringify(nested, null, 2);
    // `{\n  "a": ` per level before the value, `\n}` at each level's indentation after it.
    let before = 0;
    for (let depth = 1; depth <= indent.length / 2; depth++) before += 2 + 2 * depth + 5;
    text = whole.slice(before, whole.length - (indent.length / 2) * 2 - indent.length * (indent.length / 2 - 1) / 2);
  } else {
    text = JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
  }
  return expandEmpty(expandEmpty(text, '{}', indent), '[]', indent);
}

/**
 * `text` with each `empty` (`{}` or `[]`) that ends a line, before an optional comma, written
 * over two lines, the closing bracket at the indentation of its line (`indent` on the first).
 * Found with indexOf rather than a pattern: with 5,000 servers, `/\{\}(?=,?$)|…/gm` took 9–13 ms
 * over the 3 MB of text, indexOf 2–4 ms (each once in a fresh process, as synth runs them).
 */
function expandEmpty(text: string, empty: '{}' | '[]', indent: string): string {
  const parts: string[] = [];
  let position = 0;
  for (let at = text.indexOf(empty); at !== -1; at = text.indexOf(empty, at + 2)) {
    const after = at + 2;
    const next = text.charCodeAt(after);
    const endsLine = after === text.length || next === NEWLINE || (next === COMMA && (after + 1 === text.length || text.charCodeAt(after + 1) === NEWLINE));
    if (!endsLine) continue;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    let indented = lineStart;
    while (text.charCodeAt(indented) === SPACE) indented += 1;
    parts.push(text.slice(position, at + 1), '\n', lineStart === 0 ? indent : ' '.repeat(indented - lineStart));
    position = at + 1;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(position));
  return parts.join('');
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const SPACE = 0x20;

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
    if (!tokens.has(marker)) {
      STRING_TOKEN.lastIndex = 0;
      if (marker.replace(STRING_TOKEN, '') !== '') return resolveWithCdktf(scope, value);
    }
    const resolved = resolveOnce(scope, marker, tokens);
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
