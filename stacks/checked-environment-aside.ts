/**
 * loadCheckedEnvironment (checked-environment.ts) on a worker thread, for the app's start: the
 * environment's files are read and checked on the second core while the main thread loads
 * cdktf and the provider bindings, which it must do first in any case.
 *
 * Why: with 5,000 servers, reading and checking servers.json (JSON with its duplicate-key check,
 * the schema, the naming and prefix rules, the quotas) is about 60 ms of the app's per-server
 * time, and loading the stacks' modules about 250 ms that no servers map changes (bench/synth.ts
 * under `node --cpu-prof`); side by side, the first is hidden behind the second. The result is
 * the same value (the configuration is plain data, copied between threads as structured clones)
 * or the same ConfigError, its problems and code intact. The worker runs a bundle of its code
 * (modules/bundle.ts cachedConfigWorkerBundle), built when its sources change.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError, type ConfigErrorCode, type ConfigProblem } from '../config/errors';
import type { EnvironmentConfig } from '../config/types';
import { cachedConfigWorkerBundle } from '../modules/bundle';

/** What the worker posts: the configuration or its problems, and the warnings to show either way. */
export type AsideResult = { readonly warnings: readonly string[] } & (
  | { readonly config: EnvironmentConfig }
  | { readonly configError: { readonly code: ConfigErrorCode; readonly problems: readonly ConfigProblem[] } }
  | { readonly failure: string }
);

/** What the worker is given (checked-environment.worker.ts). */
export interface AsideRequest {
  readonly rootDir: string;
  readonly environment: string;
}

/**
 * Starts checking `environment` under `rootDir` on a worker thread, at once. Resolves with the
 * configuration; rejects with a ConfigError listing every problem, as loadCheckedEnvironment
 * does, or an Error when the worker itself fails. Warnings go to `warn` before either.
 */
export function loadCheckedEnvironmentAside(rootDir: string, environment: string, warn: (text: string) => void): Promise<EnvironmentConfig> {
  const workerData: AsideRequest = { rootDir, environment };
  // No execArgv: the bundle is plain JavaScript, and the worker would otherwise inherit the app's
  // `--require tsx/cjs` and spend ~30 ms loading a TypeScript loader it never uses.
  const worker = new Worker(join(cachedConfigWorkerBundle(), 'index.js'), { workerData, execArgv: [] });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: AsideResult) => {
      for (const text of result.warnings) warn(text);
      if ('config' in result) resolve(result.config);
      else if ('configError' in result) reject(new ConfigError(result.configError.code, result.configError.problems));
      else reject(new Error(`checking environment ${environment}: ${result.failure}`));
    });
    worker.once('error', reject);
    // After a message this settles nothing: a promise settles once.
    worker.once('exit', (code) => reject(new Error(`checking environment ${environment}: the worker exited (code ${code}) without a result`)));
  });
}
