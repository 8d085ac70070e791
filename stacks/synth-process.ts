// Imported first by main.ts, before cdktf and the provider bindings load: two costs of running
// the app under `node --require tsx/cjs` that synth does not need (bench/synth.ts, measured with
// `node --cpu-prof`: together about half the CPU of a 10-server synth).
import { readFileSync } from 'node:fs';
import Module from 'node:module';

// tsx turns on Node's source-map support so that stack traces point into the TypeScript. Node
// then parses the inline source map of every module it loads afterwards, and cdktf captures a
// full stack trace for every token it creates, each mapped through those maps. Synth reports
// configuration problems as lists, never as stack traces, so they are off for the app; tests
// and scripts run under tsx keep them.
process.setSourceMapsEnabled(false);

// tsx's `.js` loader reads every JavaScript file and, when its text mentions "import" or
// "export" (every compiled CommonJS file does: `exports.`), runs an ES module lexer over it to
// decide whether to transform it. The packages synth loads from node_modules (cdktf, the AWS
// provider bindings, constructs, zod) are CommonJS: they are compiled as Node itself would. A
// file that is an ES module fails to compile, before any of it runs, and goes to tsx.
const ESM_SYNTAX = /Cannot use import statement|Unexpected token 'export'|import\.meta|await is only valid/;
type JsLoader = (module: NodeJS.Module, filename: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, JsLoader> })._extensions;
const tsxJs = extensions['.js']!;
extensions['.js'] = (module, filename) => {
  if (!filename.includes('/node_modules/')) return tsxJs(module, filename);
  try {
    (module as unknown as { _compile(source: string, filename: string): void })._compile(readFileSync(filename, 'utf8'), filename);
  } catch (error) {
    if (!(error instanceof SyntaxError && ESM_SYNTAX.test(error.message))) throw error;
    tsxJs(module, filename);
  }
};
