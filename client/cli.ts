import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readEnvFile } from './env-file';
import { UsageError, describeError, firstLine } from './errors';
import type { Environment } from './config';

/**
 * Runs an entry point: errors become exactly one line on stderr and exit code 1, never a stack
 * trace (which could carry a request, and so a secret).
 */
export function runMain(program: string, main: () => Promise<number>): void {
  const fail = (error: unknown) => {
    process.stderr.write(`${program}: ${describeError(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // The bundles are built for Node 20+; the SDK's multi-line notice about its own future Node
  // support would only clutter every credential_process call, so it is off unless asked for.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Other process warnings stay, as one line each.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => process.stderr.write(`${program}: warning: ${firstLine(warning.message)}\n`));
  main().then((code) => {
    process.exitCode = code;
  }, fail);
}

/** `node:util` parseArgs, with its errors turned into a UsageError. */
export function parseCommandLine<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
}

/**
 * The environment with `--env-file` applied. The file's values win over inherited ones (an
 * explicit file is the host's configuration) and are put into process.env too, so the AWS SDK
 * sees settings such as AWS_REGION or AWS_ENDPOINT_URL_STS made there.
 */
export function applyEnvFile(envFile: string | undefined): Environment {
  if (envFile) Object.assign(process.env, readEnvFile(envFile));
  return process.env;
}

export function warnTo(program: string): (message: string) => void {
  return (message) => process.stderr.write(`${program}: warning: ${message}\n`);
}

/** An AbortSignal fired by SIGTERM or SIGINT, for the daemons' clean exit. */
export function terminationSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}
