/**
 * oidc-credential-provider: AWS credentials for a host outside AWS, from its OAuth 2.0 client.
 * Each subcommand lives in `client/commands/`; this file only dispatches to them.
 */
import { applyEnvFile, parseSubcommandLine } from '../cli/command-line';
import { runMain, warnTo } from '../cli/run-main';
import { terminationSignal } from '../cli/termination-signal';
import type { Command } from '../commands/command';
import { credentialDaemon } from '../commands/credential-daemon';
import { doctor } from '../commands/doctor';
import { getCredentials } from '../commands/get-credentials';
import { serve } from '../commands/serve';
import { tokenDaemon } from '../commands/token-daemon';
import { UsageError } from '../errors';

const PROGRAM = 'oidc-credential-provider';

/** Every subcommand, in the order the usage text lists them. */
const COMMANDS: readonly Command[] = [getCredentials, credentialDaemon, tokenDaemon, serve, doctor];

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
  return command.run({ env, options: values, warn: warnTo(PROGRAM), signal: terminationSignal });
}

runMain(PROGRAM, () => main(process.argv.slice(2)));
