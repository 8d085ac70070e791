// stacks/v8-code-cache.ts: modules compiled through the cache behave as Node's own, an entry is
// used only for the file as it was when written, and data V8 refuses is replaced.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeCache } from '../../stacks/v8-code-cache';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'oidc-s3-code-cache-'));
  mkdirSync(join(root, 'pkg'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Loads `filename` as Node would, compiled through `cache`, in a module of its own. */
function load(cache: CodeCache, filename: string): unknown {
  const module = new Module(filename);
  module.filename = filename;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(join(filename, '..'));
  cache.compile(module, readFileSync(filename, 'utf8'), filename);
  return module.exports;
}

function entries(directory: string): string[] {
  return existsSync(directory) ? readdirSync(directory).filter((name) => !name.endsWith('.tmp')) : [];
}

test('a module gets exports, module, __filename, __dirname and a require that resolves relative to it', () => {
  const directory = join(root, 'cache');
  writeFileSync(join(root, 'pkg', 'helper.js'), 'module.exports = { twice: (n) => 2 * n };');
  const main = join(root, 'pkg', 'main.js');
  writeFileSync(
    main,
    "const { twice } = require('./helper');\nexports.value = twice(21);\nexports.where = [__filename, __dirname];\nexports.resolved = require.resolve('./helper');\nexports.self = this === module.exports;\nexports.cached = Object.keys(require.cache).includes(require.resolve('./helper'));",
  );
  expect(load(new CodeCache(directory), main)).toEqual({ value: 42, where: [main, join(root, 'pkg')], resolved: join(root, 'pkg', 'helper.js'), self: true, cached: true });
});

/** Loads `file` through a CodeCache in a new Node process (as a synth would) and returns its exports; the cache is saved at its exit. */
function loadInProcess(directory: string, file: string): unknown {
  const script = `const { CodeCache } = require(${JSON.stringify(join(__dirname, '../../stacks/v8-code-cache.ts'))});
const Module = require('node:module');
const module_ = new Module(${JSON.stringify(file)});
module_.filename = ${JSON.stringify(file)};
new CodeCache(${JSON.stringify(directory)}).compile(module_, require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'), ${JSON.stringify(file)});
process.stdout.write(JSON.stringify(module_.exports));`;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: join(__dirname, '../..'), encoding: 'utf8' })) as unknown;
}

test('code is cached when the process exits and used by the next while the file is unchanged', () => {
  const directory = join(root, 'cache');
  const file = join(root, 'pkg', 'value.js');
  writeFileSync(file, 'module.exports = [function value() { return "first"; }()];');
  expect(loadInProcess(directory, file)).toEqual(['first']);
  const [entry] = entries(directory);
  const written = readFileSync(join(directory, entry!));
  // The stamp the entry is checked by (size and modification time), then V8's data.
  expect(written.toString('latin1', 0, written.indexOf(10))).toMatch(/^\d+ \d+(\.\d+)?$/);
  expect(written.length).toBeGreaterThan(written.indexOf(10) + 100);
  const { ino } = statSync(join(directory, entry!));
  expect(loadInProcess(directory, file)).toEqual(['first']);
  // A hit is not written again (each write is a new file renamed into place).
  expect(statSync(join(directory, entry!)).ino).toBe(ino);
});

test('a file changed to a source of the same length is compiled again, not run from the old entry', () => {
  const directory = join(root, 'cache');
  const file = join(root, 'pkg', 'value.js');
  writeFileSync(file, 'module.exports = "A";');
  utimesSync(file, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
  const first = new CodeCache(directory);
  expect(load(first, file)).toBe('A');
  first.save();
  // Same length: V8's own check of cached data would accept the old entry.
  writeFileSync(file, 'module.exports = "B";');
  utimesSync(file, new Date('2026-01-02T00:00:00Z'), new Date('2026-01-02T00:00:00Z'));
  const second = new CodeCache(directory);
  expect(load(second, file)).toBe('B');
  second.save();
  expect(load(new CodeCache(directory), file)).toBe('B');
});

test('an entry V8 refuses (not its data) is ignored and replaced', () => {
  const directory = join(root, 'cache');
  const file = join(root, 'pkg', 'value.js');
  writeFileSync(file, 'module.exports = 7 * 6;');
  expect(loadInProcess(directory, file)).toBe(42);
  const [entry] = entries(directory);
  const written = readFileSync(join(directory, entry!));
  const stampEnd = written.indexOf(10) + 1;
  writeFileSync(join(directory, entry!), Buffer.concat([written.subarray(0, stampEnd), Buffer.from('not V8 code cache data at all')]));
  expect(loadInProcess(directory, file)).toBe(42);
  const rewritten = readFileSync(join(directory, entry!));
  expect(rewritten.subarray(0, stampEnd).equals(written.subarray(0, stampEnd))).toBe(true);
  expect(rewritten.subarray(stampEnd).toString('latin1')).not.toContain('not V8');
  expect(rewritten.length).toBeGreaterThan(stampEnd + 100);
});

test('a file with a #! line (an executable package entry) loads as under Node', () => {
  const file = join(root, 'pkg', 'cli.js');
  writeFileSync(file, '#!/usr/bin/env node\nmodule.exports = "ran";');
  expect(load(new CodeCache(join(root, 'cache')), file)).toBe('ran');
});

test('a cache directory that cannot be written costs nothing but the cache', () => {
  const blocked = join(root, 'file-not-directory');
  writeFileSync(blocked, '');
  const file = join(root, 'pkg', 'value.js');
  writeFileSync(file, 'module.exports = "still loads";');
  const cache = new CodeCache(join(blocked, 'cache'));
  expect(load(cache, file)).toBe('still loads');
  expect(() => cache.save()).not.toThrow();
});

test('an error in the module propagates as Node\'s would, with the file and line', () => {
  const file = join(root, 'pkg', 'broken.js');
  writeFileSync(file, '\nthrow new TypeError("broken on purpose");');
  let thrown: unknown;
  try {
    load(new CodeCache(join(root, 'cache')), file);
  } catch (error) {
    thrown = error;
  }
  // Thrown in Node's main context, not jest's: compared by name.
  expect((thrown as Error).constructor.name).toBe('TypeError');
  expect((thrown as Error).message).toBe('broken on purpose');
  expect((thrown as Error).stack).toContain(`${file}:2`);
});
