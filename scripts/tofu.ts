/**
 * `npm run -s tofu -- <args>`: the pinned OpenTofu with the project's CLI configuration (providers
 * from the project-built mirror only), building what is missing first. It runs in the directory
 * npm was started from, so `-chdir=` and relative paths mean what they say there.
 */
import { spawn } from 'node:child_process';
import { ensureTools, tofuEnv, ToolsError } from './tools';

async function main(): Promise<number> {
  const tools = await ensureTools();
  const child = spawn(tools.tofu, process.argv.slice(2), { cwd: process.env.INIT_CWD ?? process.cwd(), env: tofuEnv(tools), stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof ToolsError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
