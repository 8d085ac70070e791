/**
 * IAM policy documents as plain data. The builders in this folder are pure functions that
 * return these shapes, so a test can evaluate exactly the document that gets deployed.
 */

export type Effect = 'Allow' | 'Deny';

/** One value or a list of them, as IAM accepts both. */
export type OneOrMany<T> = T | readonly T[];

/** `{ "<operator>": { "<condition key>": value | [values] } }`, e.g. `{ StringEquals: { "aws:SourceAccount": "123" } }`. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, OneOrMany<string> | boolean>>>>;

/** `"*"`, or `{ AWS | Service | Federated: principal(s) }`. */
export type Principal = '*' | Readonly<Partial<Record<'AWS' | 'Service' | 'Federated', OneOrMany<string>>>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: Effect;
  readonly Principal?: Principal;
  readonly NotPrincipal?: Principal;
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

/** A document with the only policy language version that supports variables and conditions fully. */
export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The JSON that goes into a Terraform `policy`/`assume_role_policy` argument. Values may hold
 * Terraform tokens (`${aws_s3_bucket.x.arn}`); cdktf resolves them inside the string.
 */
export function toJson(document: PolicyDocument): string {
  return JSON.stringify(document);
}

/**
 * `toJson(build(value))` for many values, with the document built and written once. `build` must
 * use `value` only inside strings (a Resource, a condition value), never to decide the
 * document's shape: JSON.stringify writes a string character by character, so the text for any
 * value is the template's text with the value, JSON-escaped, in the marker's places. The marker
 * holds NUL characters, which no validated setting and no cdktf token contains.
 *
 * Why: the servers' inline policies differ only in their prefix (and tier). Built and
 * written per server, they were about 45 ms of a 5,000-server synth (the constructs' and the
 * quota check's, `node --cpu-prof`); from a template, about 2 ms.
 */
export function jsonTemplate(build: (value: string) => PolicyDocument): (value: string) => string {
  const parts = toJson(build(TEMPLATE_MARKER)).split(ESCAPED_TEMPLATE_MARKER);
  // A validated prefix needs no escaping, and JSON.stringify would write it as it is.
  return (value) => parts.join(NEEDS_JSON_ESCAPE.test(value) ? JSON.stringify(value).slice(1, -1) : value);
}

/** What JSON.stringify escapes inside a string: `"`, `\\`, control characters and (when unpaired) surrogates. */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

// Literals (no call at load time), so that bundles which import this module without jsonTemplate (the vending Lambda) leave them out.
const TEMPLATE_MARKER = '\u0000value\u0000';
/** TEMPLATE_MARKER as JSON writes it inside a string. */
const ESCAPED_TEMPLATE_MARKER = '\\u0000value\\u0000';

/**
 * `json` with every IAM policy variable (`${aws:…}`, `${s3:…}`, any `${<service>:…}`) escaped as
 * `$${…}`, so Terraform passes it through literally instead of reading it as an interpolation.
 * cdktf's own tokens (`${TfToken[…]}`) have no `:` after their name and are left alone.
 */
export function escapeTerraformTemplates(json: string): string {
  return json.replace(/\$\{(?=[a-z0-9-]+:)/gi, () => '$${');
}
