import type { ConfigProblem } from '../config/errors';
import { formatProblems } from '../config/errors';
import { loadEnvironment } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import { checkQuotas } from './quotas';

/**
 * One environment, validated as synth needs it: every file's problems, then the checks that
 * measure what the stacks would build (quotas). Throws a ConfigError listing all problems;
 * warnings (near a quota) go to `warn`, formatted as a list.
 */
export function loadCheckedEnvironment(rootDir: string, environment: string, warn: (text: string) => void): Promise<EnvironmentConfig> {
  return loadEnvironment({
    rootDir,
    environment,
    checks: [checkQuotas],
    onWarnings: (warnings: readonly ConfigProblem[]) => warn(formatProblems(warnings, 'Configuration warnings')),
  });
}
