// The worker of checked-environment-aside.ts: checks one environment and posts the result. Run as
// a bundle (modules/bundle.ts cachedConfigWorkerBundle).
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../config/errors';
import type { AsideRequest, AsideResult } from './checked-environment-aside';
import { loadCheckedEnvironment } from './checked-environment';

const { rootDir, environment } = workerData as AsideRequest;
const warnings: string[] = [];
const post = (result: AsideResult) => parentPort!.postMessage(result);
loadCheckedEnvironment(rootDir, environment, (text) => warnings.push(text)).then(
  (config) => post({ warnings, config }),
  (error: unknown) =>
    post(
      error instanceof ConfigError
        ? { warnings, configError: { code: error.code, problems: error.problems } }
        : { warnings, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    ),
);
