// The host client as a Debian package, built with dpkg-deb (Debian's own tool: nothing here
// re-implements the ar/tar format). Layout, per Debian policy:
//   /usr/lib/oidc-s3/<command>.js          the single-file bundles (`npm run build`'s)
//   /usr/bin/<command>                     a two-line wrapper running the bundle on /usr/bin/node
//   /lib/systemd/system/*@.service         hardened template units, one instance per host config
//   /etc/oidc-s3/*.example                 example configuration (conffiles)
//   /usr/share/doc/oidc-s3-client/         README, copyright
// Maintainer scripts (packaging/debian/) add the `oidc-s3` system user and the 0700 directories
// /etc/oidc-s3/secrets, /var/lib/oidc-s3 and /var/cache/oidc-s3.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { bundleClient, NODE_FLAGS, REPO_ROOT, type ClientBundleName } from '../modules/bundle';

export const PACKAGE_NAME = 'oidc-s3-client';

/**
 * The oldest Node.js the bundles are declared for. Debian 12 ships 18.20.4 and Ubuntu 24.04
 * 18.19.1; the package test runs the installed commands on Debian 12's own nodejs build.
 */
export const NODEJS_FLOOR = '18.19';

/** Where the bundles go on the host. */
export const LIB_DIR = '/usr/lib/oidc-s3';

/** Units shipped from client/systemd (templates: one instance per /etc/oidc-s3/<name>.env). */
export const SYSTEMD_UNITS = ['oidc-s3-credentials@.service', 'oidc-s3-token-daemon@.service', 'oidc-s3-serve@.service'] as const;

/** Example configuration: client/examples/<from> → /etc/oidc-s3/<to>, shipped as conffiles. */
export const EXAMPLES: Readonly<Record<string, string>> = {
  'auth0.env': 'auth0.env.example',
  'cognito.env': 'cognito.env.example',
  'aws-config': 'aws-config.example',
};

const MAINTAINER_SCRIPTS = ['postinst', 'prerm', 'postrm'] as const;

export interface DebBuildOptions {
  /** Directory the .deb is written to. @default `<repo>/dist` */
  readonly outDir?: string;
  /** @default package.json's version */
  readonly version?: string;
}

export interface DebBuild {
  /** `<outDir>/oidc-s3-client_<version>_all.deb` */
  readonly path: string;
  readonly version: string;
  /** The commands installed in /usr/bin. */
  readonly commands: readonly string[];
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function put(root: string, path: string, content: string | Buffer, mode: number): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Builds the package: the client bundled afresh, the tree laid out in a temp directory with
 * explicit modes (the builder's umask never leaks in), then `dpkg-deb --root-owner-group --build`
 * so every file is owned by root with no fakeroot needed.
 * @throws Error with dpkg-deb's message when it refuses the tree
 */
export function buildDeb(options: DebBuildOptions = {}): DebBuild {
  const version = options.version ?? packageVersion();
  const outDir = options.outDir ?? join(REPO_ROOT, 'dist');
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-deb-'));
  try {
    const libDir = join(root, LIB_DIR);
    mkdirSync(libDir, { recursive: true });
    const bundles = bundleClient(libDir);
    const commands = bundles.map((file) => basename(file, '.js'));
    for (const [file, command] of bundles.map((file, i) => [file, commands[i]!] as const)) {
      chmodSync(file, 0o644);
      // The wrapper pins /usr/bin/node, the interpreter the package depends on, whatever PATH
      // says; `--` keeps Node 20 from taking the client's own --env-file option for its own.
      put(root, `usr/bin/${command}`, `#!/bin/sh\nexec ${['/usr/bin/node', ...NODE_FLAGS[command as ClientBundleName], '--'].join(' ')} ${LIB_DIR}/${command}.js "$@"\n`, 0o755);
    }
    for (const unit of SYSTEMD_UNITS) put(root, `lib/systemd/system/${unit}`, readFileSync(join(REPO_ROOT, 'client/systemd', unit)), 0o644);
    for (const [from, to] of Object.entries(EXAMPLES)) put(root, `etc/oidc-s3/${to}`, readFileSync(join(REPO_ROOT, 'client/examples', from)), 0o644);
    const doc = `usr/share/doc/${PACKAGE_NAME}`;
    put(root, `${doc}/README.md`, readFileSync(join(REPO_ROOT, 'README.md')), 0o644);
    put(
      root,
      `${doc}/copyright`,
      `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: oidc-s3\n\nFiles: *\nLicense: Apache-2.0\n On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.\n`,
      0o644,
    );

    const payload = filesUnder(root);
    const installedKiB = Math.ceil(payload.reduce((sum, file) => sum + statSync(file).size, 0) / 1024);
    const md5sums = payload
      .map((file) => `${createHash('md5').update(readFileSync(file)).digest('hex')}  ${relative(root, file)}`)
      .sort()
      .join('\n');
    put(root, 'DEBIAN/md5sums', `${md5sums}\n`, 0o644);
    put(root, 'DEBIAN/conffiles', Object.values(EXAMPLES).map((to) => `/etc/oidc-s3/${to}\n`).join(''), 0o644);
    put(
      root,
      'DEBIAN/control',
      [
        `Package: ${PACKAGE_NAME}`,
        `Version: ${version}`,
        'Architecture: all',
        'Section: admin',
        'Priority: optional',
        'Maintainer: oidc-s3 maintainers <oidc-s3@users.noreply.github.com>',
        `Depends: nodejs (>= ${NODEJS_FLOOR}), adduser`,
        `Installed-Size: ${installedKiB}`,
        'Description: short-lived, prefix-scoped S3 credentials for hosts outside AWS',
        ' oidc-credential-provider trades the host\'s OAuth 2.0 client credentials (Auth0 or',
        ' Amazon Cognito) for AWS credentials limited to the host\'s S3 prefix: as a',
        ' credential_process, a shared credentials file, a web-identity token file or a',
        ' container-credentials endpoint on 127.0.0.1; doctor checks a host\'s setup step by step.',
        ' s3-ops uploads, downloads, lists and deletes under the prefix.',
        '',
      ].join('\n'),
      0o644,
    );
    for (const script of MAINTAINER_SCRIPTS) put(root, `DEBIAN/${script}`, readFileSync(join(REPO_ROOT, 'packaging/debian', script)), 0o755);
    // Directories 0755 except DEBIAN's own rules; dpkg-deb refuses group/other-writable ones.
    for (const dir of [root, ...directoriesUnder(root)]) chmodSync(dir, 0o755);

    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `${PACKAGE_NAME}_${version}_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { path, version, commands };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function directoriesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [join(dir, entry.name), ...directoriesUnder(join(dir, entry.name))]);
}
