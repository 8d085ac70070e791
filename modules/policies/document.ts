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
 * `json` with every IAM policy variable (`${aws:…}`, `${s3:…}`, any `${<service>:…}`) escaped as
 * `$${…}`, so Terraform passes it through literally instead of reading it as an interpolation.
 * cdktf's own tokens (`${TfToken[…]}`) have no `:` after their name and are left alone.
 */
export function escapeTerraformTemplates(json: string): string {
  return json.replace(/\$\{(?=[a-z0-9-]+:)/gi, () => '$${');
}
