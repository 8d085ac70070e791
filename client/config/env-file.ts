import { ConfigError } from '../errors';
import { readTextFile } from '../storage/file-access';

const KEY = /[A-Za-z_][A-Za-z0-9_]*/y;
const SAFE_UNQUOTED = /^[\w@%+=:,./-]*$/;

/**
 * Parses `KEY=VALUE` lines, the format systemd's `EnvironmentFile=` reads too:
 * - blank lines and `#` comment lines are skipped; an optional `export ` prefix is allowed;
 * - a value may be single-quoted (kept verbatim) or double-quoted (a backslash escapes `"`, `\`,
 *   `$` and a backtick; any other backslash is kept). Quoted values may span lines, which is how
 *   a value holding a newline or carriage return is written;
 * - after a closing quote only blanks and a `# comment` may follow (`K="a"b` is an error, never
 *   silently `a`); an unquoted value ends at the line's end or at ` #`, blanks trimmed;
 * - a key set twice is an error naming both lines (the later one would otherwise win silently).
 * Errors are ConfigErrors (CONFIG_INVALID) whose variable is `<source>:<line>`.
 */
export function parseEnvFile(text: string, source = 'env file'): Record<string, string> {
  const values: Record<string, string> = {};
  const firstLine = new Map<string, number>();
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark from a Windows editor
  let line = 1;
  const where = (l = line) => `${source}:${l}`;
  const restOfLine = () => {
    const end = text.indexOf('\n', at);
    return text.slice(at, end === -1 ? text.length : end).replace(/\r$/, '');
  };
  const skipToNextLine = () => {
    const end = text.indexOf('\n', at);
    at = end === -1 ? text.length : end + 1;
    line += 1;
  };
  while (at < text.length) {
    const rest = restOfLine();
    if (/^\s*(#|$)/.test(rest)) {
      skipToNextLine();
      continue;
    }
    const head = /^\s*(?:export\s+)?/.exec(rest)![0];
    KEY.lastIndex = at + head.length;
    const keyMatch = KEY.exec(text);
    const afterKey = keyMatch ? text.slice(KEY.lastIndex).match(/^[ \t]*=[ \t]*/) : null;
    if (!keyMatch || !afterKey) throw new ConfigError(where(), 'is not a KEY=VALUE line');
    const key = keyMatch[0];
    const keyLine = line;
    at = KEY.lastIndex + afterKey[0].length;
    let value: string;
    const quote = text[at];
    if (quote === "'" || quote === '"') {
      const parsed = quote === "'" ? readSingleQuoted(text, at) : readDoubleQuoted(text, at);
      if (!parsed) throw new ConfigError(where(keyLine), `has an unterminated ${quote} quote`);
      value = parsed.value;
      line += countNewlines(text, at, parsed.end);
      at = parsed.end;
      const trailing = restOfLine();
      if (!/^\s*(#.*)?$/.test(trailing)) {
        throw new ConfigError(where(), `has text after the closing ${quote} quote of ${key} ("${trailing.trim().slice(0, 40)}"): quote the whole value`);
      }
    } else {
      value = restOfLine().replace(/\s+#.*$/, '').replace(/\s+$/, '');
    }
    const previous = firstLine.get(key);
    if (previous !== undefined) {
      throw new ConfigError(where(keyLine), `sets ${key} again (first set on line ${previous}); keep one`);
    }
    firstLine.set(key, keyLine);
    values[key] = value;
    skipToNextLine();
  }
  return values;
}

function readSingleQuoted(text: string, start: number): { value: string; end: number } | undefined {
  const close = text.indexOf("'", start + 1);
  return close === -1 ? undefined : { value: text.slice(start + 1, close), end: close + 1 };
}

/** As in the shell and systemd: inside double quotes, a backslash escapes " \ $ and `. */
function readDoubleQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
      value += text[i + 1];
      i += 1;
    } else {
      value += c;
    }
  }
  return undefined;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * A value as an env-file line must hold it so that parseEnvFile (and systemd) give it back
 * unchanged: bare when it is plain, else double-quoted with `"`, `\`, `$` and backticks escaped;
 * newlines and carriage returns stay literal inside the quotes.
 */
export function formatEnvValue(value: string): string {
  return SAFE_UNQUOTED.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** Reads and parses an env file; FILE_NOT_FOUND / FILE_UNREADABLE when it cannot be read. */
export function readEnvFile(path: string): Record<string, string> {
  return parseEnvFile(readTextFile(path, '--env-file'), path);
}
