import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { BuildOptions } from 'esbuild';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

/** Where the repository's TypeScript sources live, relative to this file. */
export const REPO_ROOT = join(__dirname, '..');

/** Where synth keeps what it builds once and reuses: bundles, their zips, V8's code cache. */
export const CACHE_ROOT = join(REPO_ROOT, 'node_modules/.cache/oidc-s3');

/** The credential-vending handler's entry point, bundled for the nodejs22.x runtime. */
export const VENDING_LAMBDA_ENTRY = join(REPO_ROOT, 'lambda/credential-vending/handler.ts');

/** esbuild, loaded only when something is bundled: a synth that hits the cache never pays for it. */
function esbuild(): typeof import('esbuild') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('esbuild') as typeof import('esbuild');
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
  // The SDK's optional CRT back ends are never used here, and bowser (33 KiB) only parses a
  // browser's user agent: @aws-sdk/core imports it dynamically on its browser path alone.
  external: ['aws-crt', '@aws-sdk/signature-v4-crt', 'bowser'],
};

/**
 * Bundles the vending Lambda into `<outdir>/index.js` (handler `index.handler`).
 * Synchronous so that a construct can call it while the app synthesizes.
 */
export function bundleVendingLambda(outdir: string): string {
  const outfile = join(outdir, 'index.js');
  esbuild().buildSync({ ...common, entryPoints: [VENDING_LAMBDA_ENTRY], outfile, target: 'node22' });
  return outfile;
}

/**
 * The repository's own source files `entries` import, directly or not (the entries included),
 * sorted: what a bundle of them is built from besides node_modules. Follows relative specifiers
 * of `import … from`, `export … from`, `import()` and `require()`, resolved as esbuild resolves
 * them for these sources (`<path>.ts`, `<path>/index.ts`, or the path itself). A few
 * milliseconds, where asking esbuild for its inputs would cost the bundle the cache saves.
 */
export function sourceClosure(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]*)['"]/gm;
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(specifiers)) {
      const base = join(dirname(file), specifier!);
      const resolved = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
      if (resolved && !seen.has(resolved)) pending.push(resolved);
    }
  }
  return [...seen].sort();
}

/**
 * A bundle (a Lambda's, the config worker's) built once per version of its sources: a directory
 * holding `index.js`, under CACHE_ROOT, named `<name>-<hash>` after everything that goes into it (every
 * source the entry imports, the policies it shares with the stacks included; the lock file;
 * esbuild's version; this file). Synth then costs a hash of a few files instead of a bundle, and
 * the asset path is stable from run to run. Built aside and renamed into place, so a concurrent
 * synth never sees half a bundle.
 */
function cachedBundle(name: string, entry: string, build: (outdir: string) => void, cacheRoot: string): string {
  const inputs = [...sourceClosure([entry]), join(REPO_ROOT, 'package-lock.json'), __filename];
  const hash = createHash('sha256').update(name).update(readFileSync(require.resolve('esbuild/package.json')));
  for (const file of inputs) hash.update(file.slice(REPO_ROOT.length)).update(existsSync(file) ? readFileSync(file) : '');
  const directory = join(cacheRoot, `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(directory, 'index.js'))) {
    mkdirSync(cacheRoot, { recursive: true });
    const staging = mkdtempSync(`${directory}.tmp-`);
    build(staging);
    try {
      renameSync(staging, directory);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another synth got there first
    }
  }
  return directory;
}

/** The vending Lambda's bundle directory (cachedBundle). */
export function cachedVendingLambdaBundle(cacheRoot = CACHE_ROOT): string {
  return cachedBundle('vending-lambda', VENDING_LAMBDA_ENTRY, bundleVendingLambda, cacheRoot);
}

/** The agent gateway's Lambdas (stacks/agent-gateway.ts): entry points, bundled like the vending Lambda. */
export const AGENT_LAMBDA_ENTRIES = {
  'agent-tools': join(REPO_ROOT, 'lambda/agent-tools/handler.ts'),
  'agent-interceptor': join(REPO_ROOT, 'lambda/agent-interceptor/handler.ts'),
} as const;

export type AgentLambdaName = keyof typeof AGENT_LAMBDA_ENTRIES;

/** Bundles one agent Lambda into `<outdir>/index.js` (handler `index.handler`), for nodejs22.x. */
export function bundleAgentLambda(name: AgentLambdaName, outdir: string): string {
  const outfile = join(outdir, 'index.js');
  esbuild().buildSync({ ...common, entryPoints: [AGENT_LAMBDA_ENTRIES[name]], outfile, target: 'node22' });
  return outfile;
}

/** An agent Lambda's bundle directory (cachedBundle). */
export function cachedAgentLambdaBundle(name: AgentLambdaName, cacheRoot = CACHE_ROOT): string {
  return cachedBundle(name, AGENT_LAMBDA_ENTRIES[name], (outdir) => bundleAgentLambda(name, outdir), cacheRoot);
}

/**
 * The worker that checks an environment beside the app's start (stacks/checked-environment-aside.ts),
 * bundled: one file for Node to compile, where running its TypeScript under tsx cost the worker
 * about 150 ms of loading (tsx itself and 50 modules) before it read a file. zod and jsonc-parser
 * go in the bundle; the HCL parser (WebAssembly, loaded only when backend.hcl changed) stays a package.
 */
export const CONFIG_WORKER_ENTRY = join(REPO_ROOT, 'stacks/checked-environment.worker.ts');

/** The config worker's bundle directory (cachedBundle); the worker is its `index.js`. */
export function cachedConfigWorkerBundle(cacheRoot = CACHE_ROOT): string {
  return cachedBundle(
    'config-worker',
    CONFIG_WORKER_ENTRY,
    (outdir) =>
      // jsonc-parser's `main` is a UMD build whose requires esbuild cannot follow: its ES module build instead.
      esbuild().buildSync({ ...common, entryPoints: [CONFIG_WORKER_ENTRY], outfile: join(outdir, 'index.js'), target: 'node20', mainFields: ['module', 'main'], external: [...common.external!, '@cdktf/hcl2json'] }),
    cacheRoot,
  );
}

/** The host client's executables: single files that run on Node 20+ with no node_modules. */
export const CLIENT_BUNDLES = {
  'oidc-credential-provider': join(REPO_ROOT, 'client/bin/oidc-credential-provider.ts'),
  's3-ops': join(REPO_ROOT, 'client/bin/s3-ops.ts'),
  'oidc-s3-mcp': join(REPO_ROOT, 'client/bin/oidc-s3-mcp.ts'),
} as const;

/**
 * V8 options each command starts with, in its `#!` line and the package's /usr/bin wrapper.
 * s3-ops (and the MCP server, which moves files the same way) starts with a 128 MiB first
 * old-generation limit: every 64 KiB socket read is a new ArrayBuffer that V8 counts against that
 * limit, and from its default of a few MiB above the ~9 MiB live heap it ran a full mark-compact
 * every ~20 MB received: 99 of them, 0.7 s of main-thread CPU, in a 2 GiB download, against 12
 * with this (bench/RESULTS.md, Uploads and downloads). The limit reserves nothing; the heap grows
 * as before. V8 sizes it only at start-up (`v8.setFlagsFromString` later changes nothing), and
 * NODE_OPTIONS does not accept it, hence the command line.
 */
export const NODE_FLAGS: Readonly<Record<ClientBundleName, readonly string[]>> = {
  'oidc-credential-provider': [],
  's3-ops': ['--initial-old-space-size=128'],
  'oidc-s3-mcp': ['--initial-old-space-size=128'],
};

/**
 * Packages a client bundle imports only with `await import()` on a slow path, embedded compressed
 * and compiled on first use. `get-credentials` answered from the cache never touches the STS
 * client, yet V8 would pre-parse its ~410 KiB on every start if it were ordinary bundled code,
 * and even as a plain string literal scanning it was the largest single cost left of a cache hit
 * (valgrind: 8 M of the 43 M instructions it took beyond `node -e 0`). Brotli and base64 make it
 * a quarter of the size; decompressing costs about a millisecond, once, before a refresh.
 */
const LAZY_PACKAGES: Readonly<Record<keyof typeof CLIENT_BUNDLES, readonly string[]>> = {
  // The STS and S3 clients only a refresh or `doctor` needs: kept out of the cache-hit path.
  'oidc-credential-provider': ['@aws-sdk/client-sts', '@aws-sdk/client-s3'],
  's3-ops': [], // every s3-ops command needs the S3 client at once
  'oidc-s3-mcp': [], // a long-running server: start-up is paid once
};

/**
 * A CommonJS module that decompresses and compiles `source` (a self-contained CommonJS bundle
 * that requires only Node's built-ins) the first time it is required, and exports what that
 * bundle exports. `npm run build` reproduces the packed text from the pinned package.
 */
function lazyModuleSource(source: string, name: string): string {
  const packed = brotliCompressSync(Buffer.from(source), {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
  }).toString('base64');
  return [
    `// ${name} (esbuild bundle, brotli, base64), compiled only when first required.`,
    'const embedded = { exports: {} };',
    `const source = require('node:zlib').brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString();`,
    `require('node:vm').compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: __filename + ' [${name}]' })(embedded.exports, require, embedded, __filename, __dirname);`,
    'module.exports = embedded.exports;',
    '',
  ].join('\n');
}

/**
 * Bundles the client's executables into `<outdir>/<name>.js`, one file each: every package in
 * LAZY_PACKAGES is bundled on its own first and aliased to a module holding it as text. All
 * executables, or those named, in the order asked.
 */
export type ClientBundleName = keyof typeof CLIENT_BUNDLES;

export function bundleClient(outdir: string, names: readonly ClientBundleName[] = Object.keys(CLIENT_BUNDLES) as ClientBundleName[]): string[] {
  const stubs = mkdtempSync(join(tmpdir(), 'oidc-s3-lazy-'));
  try {
    return names.map((name) => {
      const entry = CLIENT_BUNDLES[name];
      const alias: Record<string, string> = {};
      for (const pkg of LAZY_PACKAGES[name as keyof typeof CLIENT_BUNDLES]) {
        const [chunk] = esbuild().buildSync({
          ...common,
          stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: REPO_ROOT, loader: 'js' },
          target: 'node20',
          write: false,
        }).outputFiles!;
        const stub = join(stubs, `${pkg.replace(/\W+/g, '-')}.js`);
        writeFileSync(stub, lazyModuleSource(chunk!.text, pkg));
        alias[pkg] = stub;
      }
      const outfile = join(outdir, `${name}.js`);
      esbuild().buildSync({
        ...common,
        entryPoints: [entry],
        outfile,
        target: 'node20',
        alias,
        // `--` ends Node's own options: without it Node takes an `--env-file` meant for the
        // program as its own (it scans the whole command line for it, up to a `--`) and exits 9
        // before the program runs when the file is absent. `env -S` splits the line (coreutils 8.30+).
        banner: { js: `#!/usr/bin/env -S ${['node', ...NODE_FLAGS[name], '--'].join(' ')}` },
      });
      chmodSync(outfile, 0o755); // a command, started by its #! line
      return outfile;
    });
  } finally {
    rmSync(stubs, { recursive: true, force: true });
  }
}
