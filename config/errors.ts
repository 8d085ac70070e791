/**
 * What a configuration problem is, and how the list of them reaches the operator: one line per
 * problem with file (and line), key path, value, rule and code, then the fix and where to read
 * more, in a file the operator has.
 */

/** Why a problem was raised; listed in docs/OPERATIONS.md's troubleshooting table. */
export type ConfigProblemCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_EMPTY'
  | 'JSON_SYNTAX'
  | 'HCL_SYNTAX'
  | 'DUPLICATE_KEY'
  | 'UNKNOWN_KEY'
  | 'INVALID_VALUE'
  | 'QUOTA_EXCEEDED'
  | 'QUOTA_NEAR'
  | 'SLOW_PLAN'
  | 'ENVIRONMENT_CLASH';

/** One thing wrong with the configuration: where it is, what it holds, and the rule it breaks. */
export interface ConfigProblem {
  /** @default "INVALID_VALUE" */
  readonly code?: ConfigProblemCode;
  /** Path relative to the repository, e.g. `environments/dev/servers.json`. */
  readonly file: string;
  /** 1-based line (and column) in the file, when known. */
  readonly line?: number;
  readonly column?: number;
  /** Dotted path inside the file, e.g. `servers["web-01"].s3_path_prefix`; empty for the whole file. */
  readonly key: string;
  /** The offending value as found (undefined when missing). */
  readonly value: unknown;
  /** What is wrong and what is allowed. */
  readonly rule: string;
  /** How to fix it, when the rule does not already say. */
  readonly fix?: string;
  /** The file's lines around the problem, with a caret. */
  readonly excerpt?: string;
  /** Where to read more: a README section or a `docs/` page. @default by file (docs/CONFIGURATION.md#…) */
  readonly docs?: string;
}

export type ConfigErrorCode = 'CONFIG_INVALID' | 'UNKNOWN_ENVIRONMENT';

/**
 * Stops synth before anything reaches Terraform. Holds every problem found, so that one run
 * shows the operator the whole list rather than one fix at a time.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(problems));
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** The page that documents a file's settings. */
export function docsFor(problem: ConfigProblem): string {
  if (problem.docs) return problem.docs;
  switch (problem.code) {
    case 'JSON_SYNTAX':
    case 'DUPLICATE_KEY':
    case 'FILE_EMPTY':
    case 'FILE_NOT_FOUND':
    case 'FILE_UNREADABLE':
      return 'docs/CONFIGURATION.md#how-the-files-are-read';
    case 'QUOTA_EXCEEDED':
    case 'QUOTA_NEAR':
      return 'docs/CONFIGURATION.md#quotas';
    default:
  }
  if (problem.file.endsWith('servers.json')) return 'docs/CONFIGURATION.md#serversjson';
  if (problem.file.endsWith('backend.hcl')) return 'docs/CONFIGURATION.md#backendhcl';
  if (problem.file.endsWith('foundation.json')) return 'docs/CONFIGURATION.md#foundationjson';
  return 'docs/CONFIGURATION.md';
}

/** One problem as the lines an operator reads. */
export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}${p.line === undefined ? '' : `:${p.line}${p.column === undefined ? '' : `:${p.column}`}`}`;
  const what = p.key ? `: ${p.key} = ${describeValue(p.value)}` : '';
  const lines = [`  - ${where}${what}: ${p.rule} [${p.code ?? 'INVALID_VALUE'}]`];
  if (p.excerpt) lines.push(...p.excerpt.split('\n').map((line) => `      ${line}`));
  if (p.fix) lines.push(`      fix: ${p.fix}`);
  lines.push(`      see ${docsFor(p)}`);
  return lines.join('\n');
}

export function formatProblems(problems: readonly ConfigProblem[], heading = 'Invalid configuration'): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return [`${heading} (${problems.length} ${noun}):`, ...problems.map(formatProblem)].join('\n');
}
