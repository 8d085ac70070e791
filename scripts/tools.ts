/**
 * Pinned tools built from source: OpenTofu, the hashicorp/aws provider and the auth0 stand-in
 * provider (tools/tools.json, one Go module per tool under tools/<name>/). `ensureTools()` builds
 * what is missing into a cache outside the repository, keyed by version and by the tool module's
 * content, then writes a filesystem mirror and an OpenTofu CLI configuration that installs both
 * providers from that mirror only (no `direct`, no `dev_overrides`), for
 * registry.opentofu.org and registry.terraform.io alike.
 *
 * `npm run tools:build` runs it; `npm run -s tofu -- <args>` (scripts/tofu.ts) and
 * `npm run verify:terraform` call it first.
 *
 * Cache: `${XDG_CACHE_HOME:-~/.cache}/oidc-s3/tools/<name>/<version>-<content hash>/`.
 * Go's own module and build caches stay where `go env` puts them (outside the repository).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { prepareProviderSource } from './aws-provider-source';

export const REPO_ROOT = join(__dirname, '..');
const TOOLS_DIR = join(REPO_ROOT, 'tools');

/** Stable error codes of the tool builder. */
export type ToolsErrorCode = 'go_missing' | 'proxy_unreachable' | 'build_failed' | 'bad_manifest';

export class ToolsError extends Error {
  public constructor(
    public readonly code: ToolsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ToolsError';
  }
}

interface ToolSpec {
  /** Go module (path) of the tool's source. */
  readonly module: string;
  /** Package to build, relative to the tool module when it starts with `.`. */
  readonly package: string;
  /** Version the binary is cached and (for providers) mirrored as. */
  readonly version: string;
  /** Executable name, for tools that are not providers. */
  readonly binary?: string;
  /** `namespace/type` of a provider. */
  readonly provider?: string;
  /** Extra linker flags (version stamps release builds set), besides `-s -w`. */
  readonly ldflags?: string;
  /**
   * hashicorp/aws only: the service packages (directories under internal/service) to register;
   * the provider is then built from its module with only those (scripts/aws-provider-source.ts).
   * @default every service upstream registers
   */
  readonly servicePackages?: readonly string[];
}

export interface BuiltTool {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the executable. */
  readonly path: string;
  /** `namespace/type` when the tool is a provider. */
  readonly provider?: string;
  /** Whether this call built it (false: it came from the cache). */
  readonly built: boolean;
  /** Build wall time in milliseconds, when built. */
  readonly buildMs?: number;
}

export interface Tools {
  readonly tofu: string;
  /** The OpenTofu CLI configuration file (for TF_CLI_CONFIG_FILE). */
  readonly cliConfig: string;
  /** The filesystem mirror directory the CLI configuration names. */
  readonly mirror: string;
  readonly tools: readonly BuiltTool[];
}

/** Registry hosts a provider source may be written against: OpenTofu expands `aws` to the first. */
const REGISTRY_HOSTS = ['registry.opentofu.org', 'registry.terraform.io'];

export function toolsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'oidc-s3', 'tools');
}

function readManifest(): Record<string, ToolSpec> {
  const raw = JSON.parse(readFileSync(join(TOOLS_DIR, 'tools.json'), 'utf8')) as Record<string, unknown>;
  const specs: Record<string, ToolSpec> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith('$')) continue;
    const spec = value as ToolSpec;
    if (typeof spec.module !== 'string' || typeof spec.package !== 'string' || typeof spec.version !== 'string' || (!spec.binary && !spec.provider)) {
      throw new ToolsError('bad_manifest', `tools/tools.json: "${name}" needs module, package, version and binary or provider`);
    }
    specs[name] = spec;
  }
  return specs;
}

/** sha256 of the tool's build inputs (its manifest entry, go.mod, go.sum, *.go), so a change there rebuilds. */
function contentHash(toolDir: string, spec: ToolSpec): string {
  const hash = createHash('sha256').update(JSON.stringify(spec)).update('\0');
  for (const file of readdirSync(toolDir).sort()) {
    if (file === 'go.mod' || file === 'go.sum' || file.endsWith('.go')) hash.update(file).update('\0').update(readFileSync(join(toolDir, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

/** The Go platform name of this machine, as provider mirrors are laid out (`linux_amd64`). */
export function goPlatform(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  return `${os}_${arch}`;
}

/** Where a tool of tools/tools.json is (or will be) cached. */
export function toolCachePath(name: string): string {
  const spec = readManifest()[name];
  if (!spec) throw new ToolsError('bad_manifest', `tools/tools.json has no "${name}"`);
  return join(toolsCacheRoot(), name, `${spec.version}-${contentHash(join(TOOLS_DIR, name), spec)}`, executableName(spec));
}

function executableName(spec: ToolSpec): string {
  if (spec.binary) return spec.binary;
  return `terraform-provider-${spec.provider!.split('/')[1]}_v${spec.version}`;
}

/**
 * Parallel compile jobs: at most one per CPU and one per 6 GiB of memory (the aws provider's
 * largest packages take 3-5 GiB each to compile), at least one.
 */
export function buildJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / (6 * 1024 ** 3))));
}

function go(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const result = spawnSync('go', args, { cwd, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error };
}

function checkGo(): void {
  const result = go(['version'], REPO_ROOT);
  if (result.error || result.status !== 0) {
    throw new ToolsError(
      'go_missing',
      'Go is not installed or not on PATH: OpenTofu and the providers are built from source with Go (1.24 or newer; ' +
        'it fetches the toolchain the tools ask for). Install Go from https://go.dev/dl/ (or your distribution), then run this again.',
    );
  }
}

/** The Go version a tool module requires of `module` (its `require` line). */
function requiredVersion(toolDir: string, module: string): string | undefined {
  const text = readFileSync(join(toolDir, 'go.mod'), 'utf8');
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text)?.[1];
}

/** Module cache path escaping: upper-case letters become `!` + lower case. */
function escapeModulePath(module: string): string {
  return module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/**
 * Before a build whose module is not in Go's module cache yet: the first proxy of GOPROXY must
 * answer, or the build would fail after minutes with a less helpful message.
 */
async function checkProxy(toolDir: string, spec: ToolSpec): Promise<void> {
  if (spec.module.startsWith('oidc-s3/')) return;
  const version = requiredVersion(toolDir, spec.module);
  const env = go(['env', 'GOPROXY', 'GOMODCACHE'], toolDir).stdout.split('\n');
  const [goproxy = '', modcache = ''] = env;
  if (version && existsSync(join(modcache, `${escapeModulePath(spec.module)}@${version}`))) return;
  const first = goproxy.split(/[,|]/)[0] ?? '';
  if (first === 'off') {
    throw new ToolsError('proxy_unreachable', `GOPROXY=off, but ${spec.module}@${version} is not in the Go module cache (${modcache}). Set GOPROXY (e.g. https://proxy.golang.org) and run this again.`);
  }
  if (!/^https?:\/\//.test(first)) return; // `direct` or a file proxy: go itself will say what fails
  const url = `${first.replace(/\/$/, '')}/${escapeModulePath(spec.module)}/@v/${version}.info`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).trim().slice(0, 200)}`);
  } catch (error) {
    throw new ToolsError(
      'proxy_unreachable',
      `The Go module proxy ${first} cannot serve ${spec.module}@${version} (${error instanceof Error ? error.message : String(error)}). ` +
        'Building the pinned tools needs it: check the network or set GOPROXY to a reachable proxy, then run this again.',
    );
  }
}

function buildTool(name: string, spec: ToolSpec, toolDir: string, target: string, log: (line: string) => void): number {
  const jobs = buildJobs();
  log(`tools: building ${name} ${spec.version} (go build -p ${jobs}); a first build from an empty Go cache takes minutes (tools/README.md)`);
  const started = Date.now();
  const temporary = `${target}.partial-${process.pid}`;
  // A stable path for the trimmed source, so a rebuild finds its packages in Go's build cache.
  const sourceDir = `${join(target, '..')}-source`;
  let buildDir = toolDir;
  if (spec.servicePackages) {
    try {
      buildDir = prepareProviderSource({ toolDir, module: spec.module, servicePackages: spec.servicePackages, workDir: sourceDir });
    } catch (error) {
      throw new ToolsError('build_failed', `preparing the ${name} source failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const result = go(['build', `-p=${jobs}`, '-trimpath', '-buildvcs=false', `-ldflags=-s -w${spec.ldflags ? ` ${spec.ldflags}` : ''}`, '-o', temporary, spec.package], buildDir);
  if (spec.servicePackages) rmSync(sourceDir, { recursive: true, force: true });
  if (result.status !== 0) {
    rmSync(temporary, { force: true });
    throw new ToolsError('build_failed', `go build of ${name} ${spec.version} failed in ${buildDir}:\n${(result.stderr || String(result.error)).trim()}`);
  }
  renameSync(temporary, target);
  const ms = Date.now() - started;
  log(`tools: built ${name} in ${(ms / 1000).toFixed(0)} s`);
  return ms;
}

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** The mirror (one directory per set of provider builds) and the CLI configuration naming it. */
function writeMirror(root: string, providers: readonly BuiltTool[]): { mirror: string; cliConfig: string } {
  const key = createHash('sha256').update(providers.map((p) => p.path).join('\n')).digest('hex').slice(0, 12);
  const mirror = join(root, `mirror-${key}`);
  const includes: string[] = [];
  for (const provider of providers) {
    for (const host of REGISTRY_HOSTS) {
      const dir = join(mirror, host, provider.provider!, provider.version, goPlatform());
      const link = join(dir, provider.path.split('/').pop()!);
      mkdirSync(dir, { recursive: true });
      if (!existsSync(link)) symlinkSync(provider.path, link);
      includes.push(`${host}/${provider.provider}`);
    }
  }
  const cliConfig = join(root, `tofurc-${key}.tfrc`);
  writeIfChanged(
    cliConfig,
    [
      '# Written by scripts/tools.ts: providers come only from the project-built mirror (offline).',
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      `    include = [${includes.map((i) => JSON.stringify(i)).join(', ')}]`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return { mirror, cliConfig };
}

/** The tools of tools/tools.json that are not in the cache yet (empty: `ensureTools()` builds nothing). */
export function missingTools(): string[] {
  return Object.keys(readManifest()).filter((name) => {
    const path = toolCachePath(name);
    return !(existsSync(path) && statSync(path).size > 0);
  });
}

/**
 * Builds every tool of tools/tools.json that is not cached yet and writes the mirror and the CLI
 * configuration. Errors: ToolsError `go_missing`, `proxy_unreachable` (only when something must be
 * built and its module is not in Go's module cache), `build_failed`, `bad_manifest`.
 */
export async function ensureTools(options: { log?: (line: string) => void } = {}): Promise<Tools> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = toolsCacheRoot();
  const built: BuiltTool[] = [];
  let goChecked = false;
  for (const [name, spec] of Object.entries(readManifest())) {
    const toolDir = join(TOOLS_DIR, name);
    const path = toolCachePath(name);
    const dir = join(path, '..');
    if (existsSync(path) && statSync(path).size > 0) {
      built.push({ name, version: spec.version, path, provider: spec.provider, built: false });
      continue;
    }
    if (!goChecked) {
      checkGo();
      goChecked = true;
    }
    await checkProxy(toolDir, spec);
    mkdirSync(dir, { recursive: true });
    const buildMs = buildTool(name, spec, toolDir, path, log);
    built.push({ name, version: spec.version, path, provider: spec.provider, built: true, buildMs });
  }
  const tofu = built.find((t) => t.name === 'opentofu');
  if (!tofu) throw new ToolsError('bad_manifest', 'tools/tools.json has no "opentofu" entry');
  const { mirror, cliConfig } = writeMirror(
    root,
    built.filter((t) => t.provider),
  );
  return { tofu: tofu.path, cliConfig, mirror, tools: built };
}

/** The environment OpenTofu runs with: the project's CLI configuration, no checkpoint calls. */
export function tofuEnv(tools: Tools, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, TF_CLI_CONFIG_FILE: tools.cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: base.TF_IN_AUTOMATION ?? '' };
}

if (require.main === module) {
  ensureTools()
    .then((tools) => {
      for (const tool of tools.tools) {
        process.stdout.write(`${tool.name}\t${tool.version}\t${tool.built ? `built in ${((tool.buildMs ?? 0) / 1000).toFixed(0)} s` : 'cached'}\t${tool.path}\n`);
      }
      process.stdout.write(`cli config\t${tools.cliConfig}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof ToolsError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
