/** One thing wrong with the configuration: where it is, what it holds, and the rule it breaks. */
export interface ConfigProblem {
  /** Path relative to the repository, e.g. `environments/dev/servers.json`. */
  readonly file: string;
  /** Dotted path inside the file, e.g. `servers["web-01"].s3_path_prefix`; empty for the whole file. */
  readonly key: string;
  /** The offending value as found (undefined when missing). */
  readonly value: unknown;
  /** What is allowed, and how to fix it. */
  readonly rule: string;
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
  if (value === undefined) return '(missing)';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  const lines = problems.map(
    (p) => `  - ${p.file}${p.key ? `: ${p.key}` : ''} = ${describeValue(p.value)}: ${p.rule}`,
  );
  return [`Invalid configuration (${problems.length} ${noun}):`, ...lines].join('\n');
}
