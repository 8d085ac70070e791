import { describeError, firstLine } from '../errors';

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

/** A warning sink that writes `<program>: warning: <message>` lines to stderr. */
export function warnTo(program: string): (message: string) => void {
  return (message) => process.stderr.write(`${program}: warning: ${message}\n`);
}
