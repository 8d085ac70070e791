/**
 * The one reading path of every JSON configuration file (foundation.json, servers.json, and the
 * tags inside them): absent, unreadable, empty and malformed files are told apart, syntax errors
 * carry line, column and a caret excerpt, and a key given twice in one object, at any depth, is
 * an error naming each occurrence's line (JSON.parse would silently keep the last one, which
 * could quietly change a server's access).
 *
 * Positions come from Microsoft's `jsonc-parser` (the parser behind VS Code's JSON support: a
 * parse tree with offsets, error codes, no dependencies). Deliberate choices: a UTF-8 byte order
 * mark is skipped (editors on Windows write one; it carries no data); comments and trailing
 * commas are refused, since the files are plain JSON that other tools (jq, Terraform) read too.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseTree, printParseErrorCode, type Node, type ParseError, type ParseErrorCode } from 'jsonc-parser';
import type { ConfigProblem } from './errors';
import { keyPath } from './zod-problems';

/** Line (1-based) and column (1-based, in characters) of `offset` in `text`. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The line holding `offset`, and a caret under its column: what an editor would show. */
export function caretExcerpt(text: string, offset: number): string {
  const { line, column } = position(text, offset);
  const content = text.split('\n')[line - 1] ?? '';
  const shown = content.length > 120 ? content.slice(Math.max(0, column - 60), column + 60) : content;
  const caretAt = content.length > 120 ? Math.min(column - 1, 59) : column - 1;
  return `${String(line).padStart(4)} | ${shown.replace(/\r$/, '')}\n     | ${' '.repeat(Math.max(0, caretAt))}^`;
}

function syntaxRule(error: ParseError, text: string): string {
  const at = text.slice(error.offset, error.offset + error.length);
  const before = text.slice(0, error.offset).trimEnd();
  if (printParseErrorCode(error.error) === 'InvalidCommentToken' || at.startsWith('//') || at.startsWith('/*')) {
    return 'is not valid JSON: comments are not allowed; remove the comment (document settings in docs/ or the commit message instead)';
  }
  if (before.endsWith(',') && (at === '}' || at === ']')) {
    return `is not valid JSON: a trailing comma before "${at}"; remove the comma after the last item`;
  }
  const found = at.length > 0 ? `found ${JSON.stringify(at.slice(0, 20))}` : 'found the end of the file';
  return `is not valid JSON: ${describeCode(error.error)}, ${found}`;
}

function describeCode(code: ParseErrorCode): string {
  const words: Readonly<Record<string, string>> = {
    PropertyNameExpected: 'expected a "quoted" key',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":" after a key',
    CommaExpected: 'expected "," between items',
    CloseBraceExpected: 'expected "}" to close the object',
    CloseBracketExpected: 'expected "]" to close the list',
    EndOfFileExpected: 'expected the end of the file after the top-level value',
    InvalidSymbol: 'unexpected character (strings need "double quotes"; true, false and null are lower case)',
    UnexpectedEndOfString: 'a string is not closed',
    InvalidEscapeCharacter: 'invalid escape in a string',
    InvalidCharacter: 'a control character inside a string',
  };
  const name = printParseErrorCode(code);
  return words[name] ?? name;
}

/** Every key that occurs more than once in one object, at any depth, with the line of each occurrence. */
function duplicateKeys(root: Node, text: string, file: string, problems: ConfigProblem[]): void {
  const visit = (node: Node, path: (string | number)[]) => {
    if (node.type === 'object') {
      const seen = new Map<string, Node[]>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (!keyNode) continue;
        const key = String(keyNode.value);
        seen.set(key, [...(seen.get(key) ?? []), keyNode]);
        if (valueNode) visit(valueNode, [...path, key]);
      }
      for (const [key, nodes] of seen) {
        if (nodes.length < 2) continue;
        const lines = nodes.map((n) => position(text, n.offset).line);
        const { line, column } = position(text, nodes[1]!.offset);
        problems.push({
          code: 'DUPLICATE_KEY',
          file,
          line,
          column,
          key: keyPath([...path, key]),
          value: key,
          rule: `is given ${nodes.length} times in one object (lines ${lines.join(', ')}); JSON would silently keep only the last`,
          fix: 'keep one entry under this key and delete or rename the others',
          excerpt: caretExcerpt(text, nodes[1]!.offset),
        });
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => visit(child, [...path, i]));
    }
  };
  visit(root, []);
}

/** The members of every object in `text` (valid JSON): each `:` outside a string starts one. */
function memberCount(text: string): number {
  let members = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) members++; // :
    else if (c === 0x22) {
      // A string: skip to its closing quote, past escaped characters.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    }
  }
  return members;
}

/** The keys of every object in a parsed JSON value. */
function keyCount(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) keys += keyCount(item);
    return keys;
  }
  for (const key of Object.keys(value)) keys += 1 + keyCount((value as Record<string, unknown>)[key]);
  return keys;
}

/**
 * The value of `body` when it is valid JSON with no key given twice in one object, else
 * undefined. JSON.parse keeps one member per key, so the parsed value has as many keys as the
 * text has members exactly when no key repeats. Several times cheaper than the parse tree
 * (a 5,000-server servers.json: about 10 ms against 75 ms), which is built only when needed
 * for positions.
 */
function parseWithoutDuplicates(body: string): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return keyCount(value) === memberCount(body) ? { value } : undefined;
}

/**
 * Parses JSON text. Pushes the first syntax error (the rest usually follow from it) or every
 * duplicate key; returns the value only when there is neither.
 */
export function parseJsonText(text: string, file: string, problems: ConfigProblem[]): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim().length === 0) {
    problems.push({ code: 'FILE_EMPTY', file, key: '', value: undefined, rule: 'is empty: it must hold one JSON object', fix: 'write the settings as a JSON object, at least {}' });
    return undefined;
  }
  const clean = parseWithoutDuplicates(body);
  if (clean) return clean.value;
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const error = errors[0] ?? { error: 2 as ParseErrorCode, offset: 0, length: 0 }; // 2: ValueExpected
    const { line, column } = position(body, error.offset);
    problems.push({ code: 'JSON_SYNTAX', file, line, column, key: '', value: undefined, rule: syntaxRule(error, body), excerpt: caretExcerpt(body, error.offset) });
    return undefined;
  }
  const before = problems.length;
  duplicateKeys(root, body, file, problems);
  if (problems.length > before) return undefined;
  return JSON.parse(body) as unknown;
}

/**
 * Reads a configuration file's text: undefined (with a problem) when it does not exist, is not a
 * file or cannot be read. `missingFix` says how to create it.
 */
export function readConfigText(path: string, file: string, problems: ConfigProblem[], missingFix: string): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      problems.push({ code: 'FILE_NOT_FOUND', file, key: '', value: undefined, rule: 'does not exist', fix: missingFix });
    } else {
      problems.push({ code: 'FILE_UNREADABLE', file, key: '', value: undefined, rule: `cannot be read (${code ?? String(error)})`, fix: 'check the path and its permissions' });
    }
    return undefined;
  }
  if (!stats.isFile()) {
    problems.push({ code: 'FILE_UNREADABLE', file, key: '', value: undefined, rule: 'is not a regular file', fix: 'replace it with the settings file' });
    return undefined;
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'EACCES' ? `permission denied; owner uid ${stats.uid}, mode ${(stats.mode & 0o777).toString(8)}` : (code ?? String(error));
    problems.push({ code: 'FILE_UNREADABLE', file, key: '', value: undefined, rule: `cannot be read (${detail})`, fix: 'make the file readable by the user running synth' });
    return undefined;
  }
}

/** Reads and parses a JSON configuration file: every problem pushed, the value returned only when there is none. */
export function readJsonFile(path: string, file: string, problems: ConfigProblem[], missingFix: string): unknown {
  const text = readConfigText(path, file, problems, missingFix);
  return text === undefined ? undefined : parseJsonText(text, file, problems);
}
