/**
 * oidc-credential-provider: AWS credentials for a host outside AWS, from its OAuth 2.0 client.
 * Each subcommand lives in `client/commands/`; this file only dispatches to them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { applyEnvFile, parseSubcommandLine } from '../cli/command-line';
import { runMain, warnTo } from '../cli/run-main';
import { terminationSignal } from '../cli/termination-signal';
import type { Command, CommandSpec } from '../commands/command';
import { CREDENTIAL_DAEMON, DOCTOR, GET_CREDENTIALS, SERVE, TOKEN_DAEMON } from '../commands/specs';
import { UsageError } from '../errors';

const PROGRAM = 'oidc-credential-provider';

/** A subcommand whose code is loaded only when it runs. */
interface LazyCommand extends CommandSpec {
  load(): Command;
}

/**
 * Every subcommand, in the order the usage text lists them. Each is `require`d when it runs (the
 * bundle initializes a module at its first require; `require` rather than `import()`, as in
 * credential-provider, for the test runner's CommonJS transform): a warm-cache get-credentials
 * loaded node:http, tls, https and assert for serve and doctor, 18 ms of its 41 ms in Node.
 */
const COMMANDS: readonly LazyCommand[] = [
  { ...GET_CREDENTIALS, load: () => (require('../commands/get-credentials') as typeof import('../commands/get-credentials')).getCredentials },
  { ...CREDENTIAL_DAEMON, load: () => (require('../commands/credential-daemon') as typeof import('../commands/credential-daemon')).credentialDaemon },
  { ...TOKEN_DAEMON, load: () => (require('../commands/token-daemon') as typeof import('../commands/token-daemon')).tokenDaemon },
  { ...SERVE, load: () => (require('../commands/serve') as typeof import('../commands/serve')).serve },
  { ...DOCTOR, load: () => (require('../commands/doctor') as typeof import('../commands/doctor')).doctor },
];

/** Options every subcommand takes. */
const COMMON_OPTIONS = {
  'env-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const NAMES = COMMANDS.map((c) => c.name);
const LIST = `${NAMES.slice(0, -1).join(', ')} or ${NAMES[NAMES.length - 1]}`;

const USAGE = `usage: ${PROGRAM} <command> [--env-file FILE]

commands:
${COMMANDS.map((c) => c.usage).join('\n')}

configuration: OIDC_IDP_TYPE, OIDC_TOKEN_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET(_FILE),
OIDC_AUDIENCE + OIDC_ROLE_ARN + AWS_REGION (auth0) or CREDENTIAL_VENDING_URL [+ OIDC_SCOPES]
(cognito), OIDC_CACHE_DIR, OIDC_REFRESH_MARGIN_SECONDS, OIDC_SESSION_DURATION_SECONDS,
OIDC_HTTP_TIMEOUT_SECONDS; --env-file reads KEY=VALUE lines that override the environment.
`;

async function main(args: string[]): Promise<number> {
  const { name, command, operands, values } = parseSubcommandLine(args, COMMON_OPTIONS, COMMANDS);
  if (values.help || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!name) throw new UsageError(`a command is required: ${LIST} (see --help)`);
  if (operands.length > 0) throw new UsageError(`unexpected argument "${operands[0]}" (see --help)`);
  if (!command) throw new UsageError(`unknown command "${name}": use ${LIST} (see --help)`);
  const env = applyEnvFile(values['env-file'] as string | undefined);
  return command.load().run({ env, options: values, warn: warnTo(PROGRAM), signal: terminationSignal });
}

runMain(PROGRAM, () => main(process.argv.slice(2)));
