/**
 * The source tree the hashicorp/aws provider is built from when tools/tools.json names the
 * `servicePackages` our stacks use.
 *
 * Upstream's provider registers every AWS service it supports (about 260 service packages in
 * `internal/provider/sdkv2/service_packages_gen.go`) and an AWS SDK client accessor for each
 * (`internal/conns/awsclient_gen.go`). Compiling all of them is about 2,000 Go packages: longer than
 * a CI run on two cores can afford. Both files are generated lists; everything else (the provider's
 * configuration schema, each resource's schema, validation and CRUD code) does not depend on which
 * services are listed. So we build upstream's module unchanged except for those two lists, cut
 * down to the services we deploy: the resource code OpenTofu validates and plans against is
 * upstream's own, and a resource type outside the list fails `tofu validate` with "The provider
 * hashicorp/aws does not support resource type …", naming what to add.
 *
 * The module comes from Go's module cache (downloaded and checked against tools/<name>/go.sum by
 * `go mod download`); the tree is hard links into it plus the two regenerated files, under the
 * tool's cache directory, and the build module repeats tools/<name>/go.mod with a `replace` to it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SERVICE_PACKAGES_FILE = 'internal/provider/sdkv2/service_packages_gen.go';
const SDK_CLIENTS_FILE = 'internal/conns/awsclient_gen.go';
const SERVICE_IMPORT = /^\s*"github\.com\/hashicorp\/terraform-provider-aws\/internal\/service\/(\w+)"$/;
const SERVICE_REGISTRATION = /^\s*(\w+)\.ServicePackage\(ctx\),$/;
const SDK_IMPORT = /^\s*"github\.com\/aws\/aws-sdk-go-v2\/service\/(\w+)"$/;
const SDK_CLIENT_METHOD = /^func \(c \*AWSClient\) \w+\(ctx context\.Context\) \*(\w+)\.Client \{/;

export class ProviderSourceError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ProviderSourceError';
  }
}

/**
 * `service_packages_gen.go` keeping only `keep` (directory names under internal/service, e.g.
 * `s3`, `cognitoidp`, `meta`). Throws ProviderSourceError naming any requested package the file
 * does not register.
 */
export function trimServicePackages(source: string, keep: ReadonlySet<string>): string {
  const registered = new Set<string>();
  const kept = source.split('\n').filter((line) => {
    const name = SERVICE_IMPORT.exec(line)?.[1] ?? SERVICE_REGISTRATION.exec(line)?.[1];
    if (name === undefined) return true;
    registered.add(name);
    return keep.has(name);
  });
  const unknown = [...keep].filter((name) => !registered.has(name));
  if (unknown.length > 0) {
    throw new ProviderSourceError(
      `tools/tools.json servicePackages names ${unknown.map((n) => `"${n}"`).join(', ')}, which ${SERVICE_PACKAGES_FILE} does not register; ` +
        'use the directory name under internal/service of the pinned provider (e.g. "logs" for aws_cloudwatch_log_*, "meta" for aws_region).',
    );
  }
  return kept.join('\n');
}

/**
 * `awsclient_gen.go` keeping only the client accessors (and imports) of the AWS SDK service
 * packages in `keep` (last path element, e.g. `s3`, `cloudwatchlogs`).
 */
export function trimSdkClients(source: string, keep: ReadonlySet<string>): string {
  const end = source.indexOf('\n)\n');
  if (!source.includes('\nimport (') || end < 0) throw new ProviderSourceError(`${SDK_CLIENTS_FILE}: no import block where one was expected; the generator's format changed`);
  const imports = source
    .slice(0, end)
    .split('\n')
    .filter((line) => {
      const name = SDK_IMPORT.exec(line)?.[1];
      return name === undefined || keep.has(name);
    });
  const methods = source
    .slice(end + 3)
    .split(/\n(?=func )/)
    .filter((chunk) => {
      const name = SDK_CLIENT_METHOD.exec(chunk)?.[1];
      return name === undefined || keep.has(name);
    });
  return `${imports.join('\n')}\n)\n${methods.join('\n')}`;
}

function go(args: string[], cwd: string): string {
  const result = spawnSync('go', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new ProviderSourceError(`go ${args.join(' ')} (in ${cwd}) failed:\n${(result.stderr || String(result.error)).trim()}`);
  return result.stdout;
}

function replaceFile(path: string, text: string): void {
  // The tree is hard links into the read-only module cache: unlink, never write through.
  chmodSync(join(path, '..'), 0o755);
  unlinkSync(path);
  writeFileSync(path, text);
}

/**
 * Writes `<workDir>/src` (the provider module with its two generated lists trimmed to
 * `servicePackages`) and `<workDir>/build` (tools/<name>/go.mod and go.sum plus a `replace` to
 * src) and returns the build directory. Throws ProviderSourceError when go fails or a listed
 * service package does not exist.
 */
export function prepareProviderSource(options: { readonly toolDir: string; readonly module: string; readonly servicePackages: readonly string[]; readonly workDir: string }): string {
  const { toolDir, module, workDir } = options;
  const download = JSON.parse(go(['mod', 'download', '-json', module], toolDir)) as { Dir?: string; Error?: string };
  if (!download.Dir) throw new ProviderSourceError(`go mod download ${module}: ${download.Error ?? 'no directory reported'}`);

  const src = join(workDir, 'src');
  const build = join(workDir, 'build');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const linked = spawnSync('cp', ['-al', download.Dir, src]);
  if (linked.status !== 0) {
    rmSync(src, { recursive: true, force: true });
    const copied = spawnSync('cp', ['-a', download.Dir, src]);
    if (copied.status !== 0) throw new ProviderSourceError(`cannot copy ${download.Dir} to ${src}: ${copied.stderr.toString().trim()}`);
  }

  const servicesPath = join(src, SERVICE_PACKAGES_FILE);
  replaceFile(servicesPath, trimServicePackages(readFileSync(servicesPath, 'utf8'), new Set(options.servicePackages)));

  mkdirSync(build);
  copyFileSync(join(toolDir, 'go.sum'), join(build, 'go.sum'));
  writeFileSync(join(build, 'go.mod'), `${readFileSync(join(toolDir, 'go.mod'), 'utf8').trimEnd()}\n\n// Written by scripts/aws-provider-source.ts.\nreplace ${module} => ${src}\n`);

  // Which SDK clients the kept services use: list the dependencies with no accessor at all, then
  // keep exactly the accessors of the SDK packages that appear (go list does not type-check).
  const clientsPath = join(src, SDK_CLIENTS_FILE);
  const clients = readFileSync(clientsPath, 'utf8');
  replaceFile(clientsPath, trimSdkClients(clients, new Set()));
  const sdkPackages = new Set(
    go(['list', '-deps', module], build)
      .split('\n')
      .map((line) => /^github\.com\/aws\/aws-sdk-go-v2\/service\/(\w+)$/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
  replaceFile(clientsPath, trimSdkClients(clients, sdkPackages));
  return build;
}
