/**
 * V8's code cache for the CommonJS files synth loads from node_modules: each file's compiled code
 * is kept after a synth and handed back to V8 at the next, which then skips parsing it.
 *
 * Why: a synth compiles about 7 MB of JavaScript it never changes (cdktf, the AWS provider's
 * bindings: one resource's file is up to 1 MB) before doing any work of its own; `node
 * --cpu-prof` of a 10-server synth puts 130–180 ms in Node's `wrapSafe`, against 34–46 ms to
 * compile the same files from this cache. Node 22 has this built in (`module.enableCompileCache`);
 * Node 20 does not. The library for it, v8-compile-cache 2.4, saved nothing measurable here: it
 * asks V8 for new cache data at every compile, hit or miss, and takes it at compile time, before
 * any function has run, so the functions V8 compiles lazily are never in it. This cache takes the
 * data once, at exit, after synth ran them.
 *
 * A file's entry is used only while the file keeps the size and modification time it had when
 * the entry was written (CPython's check for its .pyc files): V8's own check of cached data
 * compares the source's length alone. Data V8 rejects (another Node or V8 flags) is replaced.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Node's Module internals this relies on (stable since Node 0.x; what v8-compile-cache uses too). */
interface ModuleInternals {
  _resolveFilename(request: string, parent: NodeJS.Module, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: NodeJS.Module): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Dict<NodeJS.Module>;
  wrap(source: string): string;
}
const NodeModule = Module as unknown as ModuleInternals;

/** A compiled file whose code is to be cached at exit. */
interface Fresh {
  readonly entry: string;
  readonly stamp: string;
  readonly script: Script;
}

export class CodeCache {
  private readonly fresh: Fresh[] = [];

  /**
   * @param directory where entries are kept (created when first written); one directory per Node
   *   version and architecture, since V8 rejects data of another.
   */
  public constructor(private readonly directory: string) {
    process.once('exit', () => this.save());
  }

  /**
   * Compiles and runs `source` as the CommonJS module `module` (what Node's
   * `Module.prototype._compile` does), with the cached code of `filename` when it is current.
   * Errors of the module's own code propagate as Node's would.
   */
  public compile(module: NodeJS.Module, source: string, filename: string): void {
    const { size, mtimeMs } = statSync(filename);
    const stamp = `${size} ${mtimeMs}\n`;
    const entry = join(this.directory, createHash('sha1').update(filename).digest('hex'));
    const cachedData = this.read(entry, stamp);
    // A `#!` line is valid only at the very start of a script, not inside Node's wrapper: commented out, columns kept.
    const script = new Script(NodeModule.wrap(source.startsWith('#!') ? `//${source.slice(2)}` : source), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) this.fresh.push({ entry, stamp, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, requireFor(module), module, filename, dirname(filename));
  }

  /** The entry's code, when it was written for the file as it is now (`stamp`). */
  private read(entry: string, stamp: string): Buffer | undefined {
    let data: Buffer;
    try {
      data = readFileSync(entry);
    } catch {
      return undefined;
    }
    return data.toString('latin1', 0, stamp.length) === stamp ? data.subarray(stamp.length) : undefined;
  }

  /** Writes every new entry, each aside and renamed into place (concurrent synths each write whole entries); run at exit. */
  public save(): void {
    if (this.fresh.length === 0) return;
    try {
      mkdirSync(this.directory, { recursive: true });
      for (const { entry, stamp, script } of this.fresh) {
        const staging = `${entry}.${process.pid}.tmp`;
        writeFileSync(staging, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
        renameSync(staging, entry);
      }
    } catch {
      // A cache that cannot be written (read-only node_modules) costs the next synth time, not its result.
    }
  }
}

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(module: NodeJS.Module): NodeJS.Require {
  const moduleRequire = ((id: string) => module.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => NodeModule._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => NodeModule._resolveLookupPaths(request, module);
  moduleRequire.resolve = resolve;
  moduleRequire.main = require.main;
  moduleRequire.extensions = NodeModule._extensions;
  moduleRequire.cache = NodeModule._cache;
  return moduleRequire;
}
