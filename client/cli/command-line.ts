import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readEnvFile } from '../config/env-file';
import type { Environment } from '../config/settings';
import { UsageError } from '../errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util` parseArgs, with its errors turned into a UsageError. */
export function parseCommandLine<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
}

/** What a subcommand needs to be found and to have its options checked. */
export interface SubcommandSpec {
  readonly name: string;
  readonly options: Options;
}

/**
 * Parses `<command> [options]` where options may come before or after the command: every
 * command's options are known to the parser, then an option the chosen command does not take is
 * refused by name. An option shared by several commands must have one type in all of them.
 */
export function parseSubcommandLine<C extends SubcommandSpec>(args: string[], common: Options, commands: readonly C[]) {
  const options: Options = { ...common };
  for (const command of commands) Object.assign(options, command.options);
  let parsed: ReturnType<typeof parseArgs<{ options: Options; allowPositionals: true; strict: true; tokens: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const [name, ...operands] = parsed.positionals;
  const command = commands.find((c) => c.name === name);
  if (command) {
    for (const token of parsed.tokens) {
      if (token.kind === 'option' && !(token.name in common) && !(token.name in command.options)) {
        throw new UsageError(`${command.name} takes no option ${token.rawName} (see --help)`);
      }
    }
  }
  return { name, command, operands, values: parsed.values as Readonly<Record<string, string | boolean | undefined>> };
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
