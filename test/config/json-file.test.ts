// The one reading path of the JSON configuration files: absent, unreadable, empty and malformed
// told apart; syntax errors with line, column and caret; duplicate keys at any depth refused.
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblems, type ConfigProblem } from '../../config/errors';
import { parseJsonText, readJsonFile } from '../../config/json-file';

const FILE = 'environments/dev/servers.json';

function parse(text: string): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const value = parseJsonText(text, FILE, problems);
  return { value, problems };
}

describe('duplicate keys', () => {
  test('a second server of the same name is refused, naming both lines (it would silently move web-01 from write to full)', () => {
    const text = '{\n  "servers": {\n    "web-01": { "s3_path_prefix": "logs/web-01/", "s3_permissions": "write" },\n    "web-01": { "s3_path_prefix": "logs/web-01b/", "s3_permissions": "full" }\n  }\n}\n';
    const { value, problems } = parse(text);
    expect(value).toBeUndefined();
    expect(problems).toEqual([
      {
        code: 'DUPLICATE_KEY',
        file: FILE,
        line: 4,
        column: 5,
        key: 'servers["web-01"]',
        value: 'web-01',
        rule: 'is given 2 times in one object (lines 3, 4); JSON would silently keep only the last',
        fix: 'keep one entry under this key and delete or rename the others',
        excerpt: '   4 |     "web-01": { "s3_path_prefix": "logs/web-01b/", "s3_permissions": "full" }\n     |     ^',
      },
    ]);
  });

  test.each([
    ['a top-level key', '{"servers": {}, "servers": {}}', 'servers', 'lines 1, 1'],
    ['a tag, nested three deep', '{"servers": {"a-1": {"s3_path_prefix": "a/", "tags": {"Team": "x",\n"Team": "y"}}}}', 'servers["a-1"].tags.Team', 'lines 1, 2'],
    ['a common tag', '{"servers": {}, "common_tags": {"Owner": "a", "Owner": "b", "Owner": "c"}}', 'common_tags.Owner', '3 times in one object (lines 1, 1, 1)'],
    ['a key inside an array element', '{"list": [{"a": 1, "a": 2}]}', 'list[0].a', 'lines 1, 1'],
  ])('%s', (_name, text, key, lines) => {
    const { problems } = parse(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'DUPLICATE_KEY', key });
    expect(problems[0]!.rule).toContain(lines);
  });

  test('keys equal only up to case are distinct JSON keys (IAM rules on tag case are checked elsewhere)', () => {
    expect(parse('{"a": 1, "A": 2}').problems).toEqual([]);
  });

  test('every duplicate of a file is listed, not only the first', () => {
    const { problems } = parse('{"a": 1, "a": 2, "b": {"c": 1, "c": 2}}');
    expect(problems.map((p) => p.key)).toEqual(['b.c', 'a']);
  });

  // Files without duplicates are read by JSON.parse alone, which is accepted only when the text's
  // members (colons outside strings) match the parsed keys: strings full of colons, quotes and
  // escapes must not hide a duplicate or invent one.
  test.each([
    ['colons and escaped quotes inside strings', '{"a": "x:\\":y", "a": "b:c"}', 'a'],
    ['a key that ends in an escaped backslash', '{"k\\\\": 1, "k\\\\": 2}', '["k\\\\"]'],
    ['a duplicate __proto__ key', '{"__proto__": {"x": 1}, "__proto__": 2}', '__proto__'],
    ['a duplicate inside an array of objects with string colons', '{"l": [{"u": "http://a:1/"}, {"u": "x", "u": "y"}]}', 'l[1].u'],
  ])('a duplicate is still found: %s', (_name, text, key) => {
    const { value, problems } = parse(text);
    expect(value).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'DUPLICATE_KEY', key });
  });

  test.each([
    ['colons, braces and escapes inside strings', '{"a": "x:{\\"b\\": 1}", "url": "https://h:443/p", "e": "\\\\"}', { a: 'x:{"b": 1}', url: 'https://h:443/p', e: '\\' }],
    ['nested objects and arrays', '{"s": {"w": {"t": {"k": "v"}}}, "l": [{"a": 1}, {"a": 2}]}', { s: { w: { t: { k: 'v' } } }, l: [{ a: 1 }, { a: 2 }] }],
    ['a __proto__ key once', '{"__proto__": {"x": 1}}', JSON.parse('{"__proto__": {"x": 1}}')],
  ])('a file without duplicates is read whole: %s', (_name, text, expected) => {
    const { value, problems } = parse(text);
    expect(problems).toEqual([]);
    expect(value).toEqual(expected);
  });
});

describe('syntax errors give line, column, the text and a caret', () => {
  test.each([
    ['a trailing comma', '{\n  "servers": {},\n}', 3, 1, 'is not valid JSON: a trailing comma before "}"; remove the comma after the last item'],
    ['a trailing comma in a list', '{"a": [1, 2,]}', 1, 13, 'is not valid JSON: a trailing comma before "]"; remove the comma after the last item'],
    ['a // comment', '{\n  // my servers\n  "servers": {}\n}', 2, 3, 'is not valid JSON: comments are not allowed; remove the comment (document settings in docs/ or the commit message instead)'],
    ['a /* comment */', '{ /* x */ "servers": {} }', 1, 3, 'is not valid JSON: comments are not allowed; remove the comment (document settings in docs/ or the commit message instead)'],
    ['a single-quoted string', "{'servers': {}}", 1, 2, 'is not valid JSON: unexpected character (strings need "double quotes"; true, false and null are lower case), found "\'servers\'"'],
    ['a missing comma', '{"a": 1\n "b": 2}', 2, 2, 'is not valid JSON: expected "," between items, found "\\"b\\""'],
    ['an unclosed object', '{"a": {"b": 1}', 1, 15, 'is not valid JSON: expected "}" to close the object, found the end of the file'],
    ['True in capitals', '{"a": True}', 1, 7, 'is not valid JSON: unexpected character (strings need "double quotes"; true, false and null are lower case), found "True"'],
  ])('%s', (_name, text, line, column, rule) => {
    const { value, problems } = parse(text);
    expect(value).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', file: FILE, line, column, key: '', rule })]);
    expect(problems[0]!.excerpt).toMatch(new RegExp(`^ +${line} \\| .*\\n +\\| {${column}}\\^$`));
  });
});

describe('edge cases handled on purpose', () => {
  test('a UTF-8 byte order mark is skipped', () => {
    expect(parse('\uFEFF{"servers": {}}')).toEqual({ value: { servers: {} }, problems: [] });
  });

  test.each([['empty', ''], ['only whitespace', ' \n\t\n'], ['only a BOM', '\uFEFF']])('an %s file is FILE_EMPTY, not "missing" and not a syntax error', (_name, text) => {
    expect(parse(text).problems).toEqual([
      { code: 'FILE_EMPTY', file: FILE, key: '', value: undefined, rule: 'is empty: it must hold one JSON object', fix: 'write the settings as a JSON object, at least {}' },
    ]);
  });

  test('a very large file (5,000 servers, ~400 KB) parses and still finds one duplicate near the end', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => `    "host-${i}": { "s3_path_prefix": "hosts/${i}/", "tags": { "Team": "t${i % 7}" } }`);
    entries.push('    "host-17": { "s3_path_prefix": "hosts/x/" }');
    const text = `{\n  "servers": {\n${entries.join(',\n')}\n  }\n}\n`;
    expect(text.length).toBeGreaterThan(350_000);
    const { problems } = parse(text);
    expect(problems).toEqual([expect.objectContaining({ code: 'DUPLICATE_KEY', key: 'servers["host-17"]', line: 5003, rule: expect.stringContaining('(lines 20, 5003)') })]);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (name: string) => {
    const problems: ConfigProblem[] = [];
    const value = readJsonFile(join(dir, name), name, problems, 'copy it from environments/dev/');
    return { value, problems };
  };

  test('absent', () => {
    expect(read('absent.json').problems).toEqual([
      { code: 'FILE_NOT_FOUND', file: 'absent.json', key: '', value: undefined, rule: 'does not exist', fix: 'copy it from environments/dev/' },
    ]);
  });

  test('a directory where the file should be', () => {
    mkdirSync(join(dir, 'folder.json'));
    expect(read('folder.json').problems).toEqual([expect.objectContaining({ code: 'FILE_UNREADABLE', rule: 'is not a regular file' })]);
  });

  test('unreadable: permission denied, with owner and mode (skipped meaningfully as root, who can read anything)', () => {
    writeFileSync(join(dir, 'locked.json'), '{}');
    chmodSync(join(dir, 'locked.json'), 0o000);
    const { problems, value } = read('locked.json');
    if (process.getuid?.() === 0) {
      expect(value).toEqual({});
    } else {
      expect(problems).toEqual([expect.objectContaining({ code: 'FILE_UNREADABLE', rule: expect.stringMatching(/^cannot be read \(permission denied; owner uid \d+, mode 0\)$/) })]);
    }
  });

  test('the formatted list names file:line:column, key, value, rule, code, excerpt, fix and docs, once each', () => {
    const problems = parse('{"servers": {"a-1": {}, "a-1": {}}}').problems;
    const text = formatProblems(problems);
    expect(text).toBe(
      [
        'Invalid configuration (1 problem):',
        '  - environments/dev/servers.json:1:25: servers["a-1"] = "a-1": is given 2 times in one object (lines 1, 1); JSON would silently keep only the last [DUPLICATE_KEY]',
        '         1 | {"servers": {"a-1": {}, "a-1": {}}}',
        '           |                         ^',
        '      fix: keep one entry under this key and delete or rename the others',
        '      see docs/CONFIGURATION.md#how-the-files-are-read',
      ].join('\n'),
    );
  });
});
