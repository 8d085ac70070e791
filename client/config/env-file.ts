import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/**
 * Parses `KEY=VALUE` lines: blank lines and `#` comments are skipped, an optional `export `
 * prefix is allowed, and a value may be wrapped in single quotes (kept verbatim) or double
 * quotes (where a backslash escapes `"`, `\`, `$` and a backtick); an unquoted value ends at
 * ` #`. The same files work as systemd `EnvironmentFile=`s.
 */
export function parseEnvFile(text: string, source = 'env file'): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*(#|$)/.test(raw)) return;
    const match = LINE.exec(raw);
    if (!match) {
      throw new ConfigError(`${source}:${index + 1}`, 'is not a KEY=VALUE line');
    }
    const [, key, rawValue] = match as unknown as [string, string, string];
    values[key] = unquote(rawValue, `${source}:${index + 1}`);
  });
  return values;
}

function unquote(value: string, where: string): string {
  const quote = value[0];
  if (quote === "'") {
    const end = value.indexOf(quote, 1);
    if (end === -1) throw new ConfigError(where, "has an unterminated ' quote");
    return value.slice(1, end);
  }
  if (quote === '"') {
    // As in the shell and systemd: inside double quotes, a backslash escapes " \ $ and `.
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(value);
    if (!match) throw new ConfigError(where, 'has an unterminated " quote');
    return match[1]!.replace(/\\(["\\$`])/g, '$1');
  }
  return value.replace(/\s+#.*$/, '');
}

/** A value as an env-file line must hold it so that parseEnvFile gives it back unchanged. */
export function formatEnvValue(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('--env-file', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseEnvFile(text, path);
}
