// The cdktf app: environment files -> validated config -> stacks. The only place that reads
// the process environment; everything below receives plain, validated values.
import './stacks/synth-process';
import { ConfigError } from './config/errors';
import { loadCheckedEnvironmentAside } from './stacks/checked-environment-aside';

// Started before the stacks' modules load (below, not with the imports above, which run first):
// the environment is checked on a worker thread meanwhile (stacks/checked-environment-aside.ts).
const environment = loadCheckedEnvironmentAside(__dirname, process.env.ENVIRONMENT ?? 'dev', (text) => process.stderr.write(`${text}\n`));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { synthesizeApp, ConstructConfigError } = require('./stacks/app') as typeof import('./stacks/app');

environment
  .then((config) => synthesizeApp(config, __dirname))
  .catch((error: unknown) => {
    // A configuration problem is the operator's to fix: show the list, not a stack trace.
    process.stderr.write(`${error instanceof ConfigError || error instanceof ConstructConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
