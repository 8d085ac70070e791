// The cdktf app: environment files -> validated config -> stacks. The only place that reads
// the process environment; everything below receives plain, validated values.
import { ConfigError } from './config/errors';
import { loadCheckedEnvironmentAside } from './stacks/checked-environment-aside';

// First, the environment is checked on a worker thread (stacks/checked-environment-aside.ts),
// while this thread loads the stacks' modules. Those are required below, not imported: imports
// run before any statement.
const environment = loadCheckedEnvironmentAside(__dirname, process.env.ENVIRONMENT ?? 'dev', (text) => process.stderr.write(`${text}\n`));
// Before cdktf and the provider bindings load (stacks/synth-process.ts says why).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./stacks/synth-process');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { synthesizeApp, ConstructConfigError } = require('./stacks/app') as typeof import('./stacks/app');

environment
  .then((config) => synthesizeApp(config, __dirname))
  .catch((error: unknown) => {
    // A configuration problem is the operator's to fix: show the list, not a stack trace.
    process.stderr.write(`${error instanceof ConfigError || error instanceof ConstructConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
