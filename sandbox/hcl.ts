/**
 * The part of Terraform's expression language that synthesized cdktf JSON uses: string
 * templates (`"a-${each.key}"`), references with attribute and index steps, function calls, object
 * and tuple constructors, `for` expressions, conditionals and the usual operators. The sandbox
 * evaluates the synthesized stacks with it, so what it enforces is what `cdktf synth` wrote, not a
 * second copy of the rules.
 *
 * Not covered (the stacks do not use them; an expression that does fails with `HclError` naming
 * it): splats (`x[*]`, `x.*`), `%{…}` template directives, heredocs, `...` grouping in `for`.
 * Reference: https://developer.hashicorp.com/terraform/language/expressions
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export class HclError extends Error {
  constructor(message: string, readonly expression: string) {
    super(`${message} in \${${expression}}`);
    this.name = 'HclError';
  }
}

/** A value the evaluator resolves one step at a time (resources, data sources): nothing is computed until referenced. */
export interface LazyValue {
  readonly lazy: true;
  /** The attribute or element `step`, or undefined when there is none. */
  get(step: string | number): unknown;
  /** The whole value, for when the expression uses it as a value (`for_each = local.x`, `jsonencode(x)`). */
  value(): unknown;
}

/** What names resolve to: `local`, `each`, `data`, `var`, resource types, `for` variables, … */
export type Scope = (name: string) => unknown;

export function isLazy(value: unknown): value is LazyValue {
  return typeof value === 'object' && value !== null && (value as { lazy?: unknown }).lazy === true;
}

function materialize(value: unknown): unknown {
  return isLazy(value) ? value.value() : value;
}

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; parts: Array<string | Node> }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: string };

type Node =
  | { type: 'lit'; value: unknown }
  | { type: 'template'; parts: Array<string | Node> }
  | { type: 'ref'; name: string }
  | { type: 'attr'; target: Node; name: string }
  | { type: 'index'; target: Node; index: Node }
  | { type: 'call'; name: string; args: Node[] }
  | { type: 'tuple'; items: Node[] }
  | { type: 'object'; items: Array<[Node, Node]> }
  | { type: 'for'; kind: 'tuple' | 'object'; keyVar?: string; valueVar: string; collection: Node; key?: Node; value: Node; cond?: Node }
  | { type: 'unary'; op: string; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'cond'; test: Node; then: Node; otherwise: Node };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '=>', '...', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '.', ',', '=', '(', ')', '[', ']', '{', '}'];

/** Reads one `${…}` expression starting at `start` (just after `${`); returns the parsed node and the index after the closing `}`. */
function parseInterpolation(text: string, start: number): { node: Node; end: number } {
  const lexer = new Lexer(text, start);
  const parser = new Parser(lexer, text.slice(start));
  const node = parser.expression();
  const close = lexer.next();
  if (!close || close.kind !== 'op' || close.value !== '}') throw new HclError('expected } after the expression', text.slice(start));
  return { node, end: lexer.position };
}

/** Splits a template string into literal parts and interpolations (`$${` is a literal `${`). */
function parseTemplate(text: string, from = 0, terminator?: string): { parts: Array<string | Node>; end: number } {
  const parts: Array<string | Node> = [];
  let literal = '';
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (terminator !== undefined && c === terminator) {
      if (literal) parts.push(literal);
      return { parts, end: i + 1 };
    }
    if (terminator !== undefined && c === '\\') {
      const next = text[i + 1];
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (next === 'u') {
        literal += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        literal += escapes[next ?? ''] ?? next ?? '';
        i += 2;
      }
      continue;
    }
    if (c === '$' && text[i + 1] === '$' && text[i + 2] === '{') {
      literal += '${';
      i += 3;
      continue;
    }
    if (c === '%' && text[i + 1] === '{') throw new HclError('template directives (%{…}) are not supported', text);
    if (c === '$' && text[i + 1] === '{') {
      if (literal) parts.push(literal);
      literal = '';
      const { node, end } = parseInterpolation(text, i + 2);
      parts.push(node);
      i = end;
      continue;
    }
    literal += c;
    i += 1;
  }
  if (terminator !== undefined) throw new HclError('unterminated string', text.slice(from));
  if (literal) parts.push(literal);
  return { parts, end: i };
}

class Lexer {
  private peeked: Token | undefined;
  constructor(
    private readonly text: string,
    public position: number,
  ) {}

  peek(): Token | undefined {
    if (!this.peeked) this.peeked = this.read();
    return this.peeked;
  }

  next(): Token | undefined {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private read(): Token | undefined {
    const { text } = this;
    while (this.position < text.length && /\s/.test(text[this.position]!)) this.position += 1;
    if (this.position >= text.length) return undefined;
    const rest = text.slice(this.position);
    const number = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return { kind: 'num', value: Number(number[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ident) {
      this.position += ident[0].length;
      return { kind: 'ident', value: ident[0] };
    }
    if (rest[0] === '"') {
      const { parts, end } = parseTemplate(text, this.position + 1, '"');
      this.position = end;
      return { kind: 'str', parts };
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw new HclError(`unexpected character ${JSON.stringify(rest[0])}`, text);
    this.position += op.length;
    return { kind: 'op', value: op };
  }
}

class Parser {
  constructor(
    private readonly lexer: Lexer,
    private readonly source: string,
  ) {}

  private fail(message: string): never {
    throw new HclError(message, this.source.slice(0, 200));
  }

  private isOp(value: string): boolean {
    const t = this.lexer.peek();
    return t?.kind === 'op' && t.value === value;
  }

  private expect(value: string): void {
    const t = this.lexer.next();
    if (t?.kind !== 'op' || t.value !== value) this.fail(`expected ${value}`);
  }

  expression(): Node {
    const test = this.binary(0);
    if (this.isOp('?')) {
      this.lexer.next();
      const then = this.expression();
      this.expect(':');
      const otherwise = this.expression();
      return { type: 'cond', test, then, otherwise };
    }
    return test;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.lexer.peek();
      if (t?.kind !== 'op' || !Parser.LEVELS[level]!.includes(t.value)) return left;
      this.lexer.next();
      left = { type: 'binary', op: t.value, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.lexer.next() as { value: string }).value;
      return { type: 'unary', op, operand: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.lexer.next();
        const t = this.lexer.next();
        if (t?.kind === 'ident') node = { type: 'attr', target: node, name: t.value };
        else if (t?.kind === 'num') node = { type: 'index', target: node, index: { type: 'lit', value: t.value } };
        else this.fail('splat expressions (.*) are not supported');
      } else if (this.isOp('[')) {
        this.lexer.next();
        if (this.isOp('*')) this.fail('splat expressions ([*]) are not supported');
        const index = this.expression();
        this.expect(']');
        node = { type: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const t = this.lexer.next();
    if (!t) return this.fail('unexpected end of expression');
    if (t.kind === 'num') return { type: 'lit', value: t.value };
    if (t.kind === 'str') return { type: 'template', parts: t.parts };
    if (t.kind === 'ident') {
      if (t.value === 'true' || t.value === 'false') return { type: 'lit', value: t.value === 'true' };
      if (t.value === 'null') return { type: 'lit', value: null };
      if (this.isOp('(')) {
        this.lexer.next();
        const args: Node[] = [];
        while (!this.isOp(')')) {
          args.push(this.expression());
          if (this.isOp('...')) this.fail('argument expansion (...) is not supported');
          if (this.isOp(',')) this.lexer.next();
        }
        this.lexer.next();
        return { type: 'call', name: t.value, args };
      }
      return { type: 'ref', name: t.value };
    }
    if (t.value === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (t.value === '[') return this.isFor() ? this.forExpression('tuple') : this.tuple();
    if (t.value === '{') return this.isFor() ? this.forExpression('object') : this.object();
    return this.fail(`unexpected ${t.value}`);
  }

  private isFor(): boolean {
    const t = this.lexer.peek();
    return t?.kind === 'ident' && t.value === 'for';
  }

  private identifier(): string {
    const t = this.lexer.next();
    if (t?.kind !== 'ident') this.fail('expected a name');
    return t.value;
  }

  private forExpression(kind: 'tuple' | 'object'): Node {
    this.lexer.next(); // for
    let keyVar: string | undefined;
    let valueVar = this.identifier();
    if (this.isOp(',')) {
      this.lexer.next();
      keyVar = valueVar;
      valueVar = this.identifier();
    }
    if (this.identifier() !== 'in') this.fail('expected in');
    const collection = this.expression();
    this.expect(':');
    let key: Node | undefined;
    let value = this.expression();
    if (kind === 'object') {
      this.expect('=>');
      key = value;
      value = this.expression();
      if (this.isOp('...')) this.fail('grouping (...) in for expressions is not supported');
    }
    let cond: Node | undefined;
    const t = this.lexer.peek();
    if (t?.kind === 'ident' && t.value === 'if') {
      this.lexer.next();
      cond = this.expression();
    }
    this.expect(kind === 'tuple' ? ']' : '}');
    return { type: 'for', kind, keyVar, valueVar, collection, key, value, cond };
  }

  private tuple(): Node {
    const items: Node[] = [];
    while (!this.isOp(']')) {
      items.push(this.expression());
      if (this.isOp(',')) this.lexer.next();
    }
    this.lexer.next();
    return { type: 'tuple', items };
  }

  private object(): Node {
    const items: Array<[Node, Node]> = [];
    while (!this.isOp('}')) {
      const t = this.lexer.peek();
      // A bare name as a key is the name itself, not a reference.
      let key: Node;
      if (t?.kind === 'ident') {
        this.lexer.next();
        key = { type: 'lit', value: t.value };
      } else {
        key = this.expression();
      }
      if (this.isOp('=') || this.isOp(':')) this.lexer.next();
      else this.fail('expected = in object');
      items.push([key, this.expression()]);
      if (this.isOp(',')) this.lexer.next();
    }
    this.lexer.next();
    return { type: 'object', items };
  }
}

function toText(value: unknown, expression: string): string {
  const v = materialize(value);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) throw new HclError('null value in a string template', expression);
  throw new HclError(`cannot use a ${Array.isArray(v) ? 'list' : 'map'} in a string template`, expression);
}

function entries(collection: unknown, expression: string): Array<[string | number, unknown]> {
  const v = materialize(collection);
  if (Array.isArray(v)) return v.map((item, i) => [i, item]);
  if (v !== null && typeof v === 'object') return Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  throw new HclError('a for expression needs a list or a map', expression);
}

function stepInto(target: unknown, step: string | number, expression: string): unknown {
  if (isLazy(target)) {
    const value = target.get(step);
    if (value === undefined) throw new HclError(`no attribute or element ${JSON.stringify(step)}`, expression);
    return value;
  }
  if (target !== null && typeof target === 'object') {
    const value = (target as Record<string, unknown>)[String(step)];
    if (value === undefined) throw new HclError(`no attribute or element ${JSON.stringify(step)}`, expression);
    return value;
  }
  throw new HclError(`cannot take ${JSON.stringify(step)} of ${JSON.stringify(target)}`, expression);
}

function deepMaterialize(value: unknown): unknown {
  const v = materialize(value);
  if (Array.isArray(v)) return v.map(deepMaterialize);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, deepMaterialize(inner)]));
  return v;
}

/** A file named relative to the stack's directory (`path.module`, which the scope provides). */
function stackFile(path: unknown, scope: Scope): Buffer {
  const base = (materialize(scope('path')) as { module?: string } | undefined)?.module ?? '.';
  return readFileSync(isAbsolute(String(path)) ? String(path) : join(base, String(path)));
}

const FUNCTIONS: Record<string, (args: unknown[], scope: Scope) => unknown> = {
  filebase64sha256: ([path], scope) => createHash('sha256').update(stackFile(path, scope)).digest('base64'),
  filesha256: ([path], scope) => createHash('sha256').update(stackFile(path, scope)).digest('hex'),
  file: ([path], scope) => stackFile(path, scope).toString('utf8'),
  base64encode: ([text]) => Buffer.from(String(text), 'utf8').toString('base64'),
  base64decode: ([text]) => Buffer.from(String(text), 'base64').toString('utf8'),
  sha256: ([text]) => createHash('sha256').update(String(text)).digest('hex'),
  max: (args) => Math.max(...args.map(Number)),
  min: (args) => Math.min(...args.map(Number)),
  merge: (args) => Object.assign({}, ...args.map((a) => materialize(a) ?? {})),
  concat: (args) => args.flatMap((a) => materialize(a) as unknown[]),
  jsonencode: ([a]) => JSON.stringify(deepMaterialize(a)),
  jsondecode: ([a]) => JSON.parse(String(a)),
  tostring: ([a]) => (typeof a === 'string' ? a : JSON.stringify(a)),
  tonumber: ([a]) => Number(a),
  tolist: ([a]) => [...(materialize(a) as unknown[])],
  toset: ([a]) => [...new Set(materialize(a) as unknown[])].sort(),
  tomap: ([a]) => materialize(a),
  join: ([sep, list]) => (materialize(list) as unknown[]).join(String(sep)),
  split: ([sep, text]) => String(text).split(String(sep)),
  lower: ([a]) => String(a).toLowerCase(),
  upper: ([a]) => String(a).toUpperCase(),
  replace: ([text, search, replacement]) => String(text).split(String(search)).join(String(replacement)),
  length: ([a]) => {
    const v = materialize(a);
    return typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : Object.keys(v as object).length;
  },
  keys: ([a]) => Object.keys(materialize(a) as object).sort(),
  values: ([a]) => entries(a, 'values').map(([, v]) => v),
  contains: ([list, item]) => (materialize(list) as unknown[]).includes(item),
  lookup: ([map, key, fallback]) => (materialize(map) as Record<string, unknown>)[String(key)] ?? fallback,
  coalesce: (args) => args.find((a) => a !== null && a !== undefined && a !== ''),
  trimsuffix: ([text, suffix]) => (String(text).endsWith(String(suffix)) ? String(text).slice(0, -String(suffix).length) : text),
  trimprefix: ([text, prefix]) => (String(text).startsWith(String(prefix)) ? String(text).slice(String(prefix).length) : text),
};

function evaluateNode(node: Node, scope: Scope, expression: string): unknown {
  const ev = (n: Node, s: Scope = scope) => evaluateNode(n, s, expression);
  switch (node.type) {
    case 'lit':
      return node.value;
    case 'template':
      if (node.parts.length === 1 && typeof node.parts[0] !== 'string') return toText(ev(node.parts[0]!), expression);
      return node.parts.map((p) => (typeof p === 'string' ? p : toText(ev(p), expression))).join('');
    case 'ref': {
      const value = scope(node.name);
      if (value === undefined) throw new HclError(`unknown name ${node.name}`, expression);
      return value;
    }
    case 'attr':
      return stepInto(ev(node.target), node.name, expression);
    case 'index': {
      const index = materialize(ev(node.index));
      if (typeof index !== 'string' && typeof index !== 'number') throw new HclError('an index must be a string or a number', expression);
      return stepInto(ev(node.target), index, expression);
    }
    case 'call': {
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new HclError(`function ${node.name} is not supported`, expression);
      return fn(node.args.map((a) => materialize(ev(a))), scope);
    }
    case 'tuple':
      return node.items.map((item) => ev(item));
    case 'object':
      return Object.fromEntries(node.items.map(([k, v]) => [toText(ev(k), expression), ev(v)]));
    case 'for': {
      const result: Array<[unknown, unknown]> = [];
      for (const [key, value] of entries(ev(node.collection), expression)) {
        const inner: Scope = (name) => (name === node.valueVar ? value : name === node.keyVar ? key : scope(name));
        if (node.cond !== undefined && materialize(ev(node.cond, inner)) !== true) continue;
        result.push([node.key === undefined ? undefined : toText(ev(node.key, inner), expression), ev(node.value, inner)]);
      }
      return node.kind === 'tuple' ? result.map(([, v]) => v) : Object.fromEntries(result);
    }
    case 'unary': {
      const v = materialize(ev(node.operand));
      return node.op === '!' ? !v : -Number(v);
    }
    case 'binary': {
      const l = materialize(ev(node.left));
      if (node.op === '&&') return l === true && materialize(ev(node.right)) === true;
      if (node.op === '||') return l === true || materialize(ev(node.right)) === true;
      const r = materialize(ev(node.right));
      switch (node.op) {
        case '==':
          return JSON.stringify(deepMaterialize(l)) === JSON.stringify(deepMaterialize(r));
        case '!=':
          return JSON.stringify(deepMaterialize(l)) !== JSON.stringify(deepMaterialize(r));
        case '<':
          return Number(l) < Number(r);
        case '>':
          return Number(l) > Number(r);
        case '<=':
          return Number(l) <= Number(r);
        case '>=':
          return Number(l) >= Number(r);
        case '+':
          return Number(l) + Number(r);
        case '-':
          return Number(l) - Number(r);
        case '*':
          return Number(l) * Number(r);
        case '/':
          return Number(l) / Number(r);
        default:
          return Number(l) % Number(r);
      }
    }
    case 'cond':
      return materialize(ev(node.test)) === true ? ev(node.then) : ev(node.otherwise);
  }
}

const parsed = new Map<string, Array<string | Node>>();

/**
 * Evaluates a string as Terraform reads a JSON string value: a template. A string that is one
 * interpolation and nothing else (`"${local.servers}"`) yields the value itself (map, list,
 * number); anything else yields a string.
 */
export function evaluateTemplate(text: string, scope: Scope): unknown {
  if (!text.includes('${')) return text.replace(/\$\$\{/g, '${');
  let parts = parsed.get(text);
  if (!parts) {
    parts = parseTemplate(text).parts;
    parsed.set(text, parts);
  }
  if (parts.length === 1 && typeof parts[0] !== 'string') return materialize(evaluateNode(parts[0]!, scope, text));
  return parts.map((p) => (typeof p === 'string' ? p : toText(evaluateNode(p, scope, text), text))).join('');
}

/** Every string (and object key) in a JSON value evaluated as a template; numbers, booleans and null kept. */
export function evaluateDeep(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return evaluateTemplate(value, scope);
  if (Array.isArray(value)) return value.map((item) => evaluateDeep(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [String(evaluateTemplate(k, scope)), evaluateDeep(v, scope)]));
  }
  return value;
}

/** A fully materialized copy of a value (lazy parts resolved). */
export function resolved(value: unknown): unknown {
  return deepMaterialize(value);
}
