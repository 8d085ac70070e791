// A running `oidc-credential-provider serve` (or any long-running bundle command) for the tests:
// started as a child, ready once it logs its URL, its stderr kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningCommand {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr (or rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export function startCommand(command: string, args: readonly string[], env: Record<string, string>): RunningCommand {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdout!.resume();
  // 'close', not 'exit': by then every byte of stderr has arrived.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in stderr within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
        const check = () => {
          const match = stderr.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`exited with ${child.exitCode} before ${pattern}:\n${stderr}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Starts `serve` from a bundle and waits for its URL. */
export async function startServe(node: string, bundle: string, args: readonly string[], env: Record<string, string>): Promise<{ serve: RunningCommand; url: string }> {
  const serve = startCommand(node, [bundle, 'serve', ...args], env);
  const [, url] = await serve.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
  return { serve, url: url! };
}
