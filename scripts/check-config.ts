// `npm run check-config` (and the first step of `npm run synth`): validates $ENVIRONMENT's files
// and prints every problem once. cdktf prints whatever its app writes twice when the app fails
// (live as it streams, then again in its "Command output on stderr" summary), so the list is
// shown here, before cdktf runs.
import { join } from 'node:path';
import { ConfigError } from '../config/errors';
import { loadCheckedEnvironment } from '../stacks/checked-environment';

const environment = process.env.ENVIRONMENT ?? 'dev';
loadCheckedEnvironment(join(__dirname, '..'), environment, (text) => process.stderr.write(`${text}\n`)).then(
  () => process.stdout.write(`environments/${environment}: configuration valid\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
