/**
 * The adapter between zod and the operator's problem list: a zod issue becomes a ConfigProblem
 * naming the file, the key path as an operator would look it up, the value found there and the
 * rule (with a "did you mean" for unknown keys). Knows nothing of this project's settings.
 */
import { z } from 'zod';
import type { ConfigProblem } from './errors';
import type { Rule } from './rules/values';

/** `servers["web-01"].s3_path_prefix`: the path of a value, written as an operator would look it up. */
export function keyPath(path: readonly (string | number)[]): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)
          ? `${i === 0 ? '' : '.'}${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length]!;
  };
  const best = candidates
    .map((candidate) => ({ candidate, d: distance(word, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

function knownKeys(schema: z.ZodTypeAny): string[] {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodRecord || inner instanceof z.ZodEffects) {
    inner = inner instanceof z.ZodRecord ? inner.valueSchema : inner instanceof z.ZodEffects ? inner.innerType() : inner._def.innerType;
  }
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function schemaAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): z.ZodTypeAny {
  let node = schema;
  for (const segment of path) {
    while (node instanceof z.ZodDefault || node instanceof z.ZodOptional || node instanceof z.ZodEffects) {
      node = node instanceof z.ZodEffects ? node.innerType() : node._def.innerType;
    }
    if (node instanceof z.ZodObject) node = node.shape[segment as string] ?? node;
    else if (node instanceof z.ZodRecord) node = node.valueSchema;
  }
  return node;
}

/** The keys of a zod object shape (through defaults, optionals and refinements). */
export function shapeKeys(schema: z.ZodTypeAny): string[] {
  return knownKeys(schema);
}

/** A zod refinement that reports a rule function's verdict as the issue message. */
export function followsRule<T>(rule: Rule<T>): (value: T, context: z.RefinementCtx) => void {
  return (value, context) => {
    const broken = rule(value);
    if (broken !== undefined) context.addIssue({ code: z.ZodIssueCode.custom, message: broken });
  };
}

/** Parses `raw` with `schema`; on failure, one problem per issue (one per unknown key). */
export function parseWithProblems<T extends z.ZodTypeAny>(
  schema: T,
  raw: unknown,
  file: string,
  problems: ConfigProblem[],
): z.output<T> | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = knownKeys(schemaAt(schema, issue.path));
      for (const key of issue.keys) {
        const suggestion = closest(key, allowed);
        problems.push({
          code: 'UNKNOWN_KEY',
          file,
          key: keyPath([...issue.path, key]),
          value: valueAt(raw, [...issue.path, key]),
          rule: `is not a known setting${suggestion ? `; did you mean "${suggestion}"?` : ''} (allowed: ${allowed.join(', ')})`,
        });
      }
    } else {
      problems.push({ file, key: keyPath(issue.path), value: valueAt(raw, issue.path), rule: issue.message });
    }
  }
  return undefined;
}
