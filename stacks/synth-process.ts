// Required by main.ts before cdktf and the provider bindings load: what running the app
// under `node --require tsx/cjs` costs that synth does not need (bench/synth.ts, measured with
// `node --cpu-prof`: before any of this, about half the CPU of a 10-server synth).
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { CACHE_ROOT } from '../modules/bundle';
import { CodeCache } from './v8-code-cache';

// tsx turns on Node's source-map support so that stack traces point into the TypeScript. Node
// then parses the inline source map of every module it loads afterwards, and cdktf captures a
// full stack trace for every token it creates, each mapped through those maps. Synth reports
// configuration problems as lists, never as stack traces, so they are off for the app; tests
// and scripts run under tsx keep them.
process.setSourceMapsEnabled(false);

const codeCache = new CodeCache(join(CACHE_ROOT, 'v8-code-cache', `${process.version}-${process.arch}`));

// tsx's `.js` loader reads every JavaScript file and, when its text mentions "import" or
// "export" (every compiled CommonJS file does: `exports.`), runs an ES module lexer over it to
// decide whether to transform it. The packages synth loads from node_modules (cdktf, the AWS
// provider bindings, constructs, zod) are CommonJS: they are compiled as Node itself would, with
// V8's code cache (v8-code-cache.ts). A file that is an ES module fails to compile, before any
// of it runs, and goes to tsx; one that calls `import()` compiles without the cache (a vm.Script
// would need an experimental Node option to import).
const ESM_SYNTAX = /Cannot use import statement|Unexpected token 'export'|import\.meta|await is only valid/;
type JsLoader = (module: NodeJS.Module, filename: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, JsLoader> })._extensions;
const tsxJs = extensions['.js']!;
extensions['.js'] = (module, filename) => {
  if (!filename.includes('/node_modules/')) return tsxJs(module, filename);
  const source = readFileSync(filename, 'utf8');
  try {
    if (source.includes('import(')) (module as unknown as { _compile(source: string, filename: string): void })._compile(source, filename);
    else codeCache.compile(module, source, filename);
  } catch (error) {
    if (!(error instanceof SyntaxError && ESM_SYNTAX.test(error.message))) throw error;
    tsxJs(module, filename);
  }
};

// cdktf's index loads all of cdktf, and two of its parts bring packages this app's synth never
// calls: archiver (with readable-stream, async, glob, lodash: 248 of the 480 modules a 10-server
// synth loaded) zips a directory asset, and does so in a Node process of its own (cdktf 0.21
// lib/private/fs.js archiveSync runs that file as a script; modules/lambda-code-asset.ts zips
// once per bundle); semver checks a Terraform binary's version. Each is loaded when first used.
const cdktfLib = dirname(require.resolve('cdktf'));
loadWhenUsed('archiver', join(cdktfLib, 'private', 'fs.js'));
loadWhenUsed('semver', join(cdktfLib, 'validations', 'validate-binary-version.js'));

/** A module's exports, as the stand-in forwards to them. */
type Loaded = ((...args: unknown[]) => unknown) & Record<PropertyKey, unknown>;

/**
 * Puts in Node's module cache, for `request` as `requiredBy` resolves it, a stand-in that loads
 * the module at its first use (a call, `new`, or reading a member) and forwards to it from then
 * on; later requires get the module itself.
 */
function loadWhenUsed(request: string, requiredBy: string): void {
  const filename = require.resolve(request, { paths: [dirname(requiredBy)] });
  let loaded: Loaded | undefined;
  const load = (): Loaded => {
    if (loaded === undefined) {
      delete require.cache[filename];
      loaded = require(filename) as Loaded;
    }
    return loaded;
  };
  const standIn = new Module(filename);
  standIn.filename = filename;
  standIn.loaded = true;
  standIn.exports = new Proxy(function standInTarget() {}, {
    apply: (_target, self, args) => Reflect.apply(load(), self, args),
    construct: (_target, args) => Reflect.construct(load(), args),
    get: (_target, key) => load()[key],
    has: (_target, key) => key in load(),
  });
  require.cache[filename] = standIn;
}
