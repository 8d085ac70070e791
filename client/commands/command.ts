import type { ParseArgsConfig } from 'node:util';
import type { Environment } from '../config/settings';

/** Option values as `node:util` parseArgs gives them. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What every subcommand of `oidc-credential-provider` is handed. */
export interface CommandContext {
  /** The environment with `--env-file` applied. */
  readonly env: Environment;
  /** This command's options (see `Command.options`), parsed. */
  readonly options: OptionValues;
  /** Writes one `oidc-credential-provider: warning: …` line to stderr. */
  readonly warn: (message: string) => void;
  /** Aborted on SIGTERM/SIGINT (created on first use, so one-shot commands keep default signal handling). */
  readonly signal: () => AbortSignal;
}

/** What the command line knows of a subcommand: its name, its lines of the usage text, and the options it accepts beyond the common ones (`--env-file`, `--help`). */
export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
}

/** One subcommand and what it does. It returns the exit code. */
export interface Command extends CommandSpec {
  run(context: CommandContext): Promise<number>;
}
