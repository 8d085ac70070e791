// Machine-level helpers for the package test: a lock shared by every checkout on this machine,
// running a command as another user, and Debian 12's own nodejs beside the machine's Node.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../modules/bundle';

/**
 * Why this machine cannot run the package test, or undefined when it can. The test installs a
 * package system-wide, so it needs root and Debian's dpkg; anything else is a failure, never a skip.
 */
export function packageTestBlocker(): string | undefined {
  const uid = process.getuid?.();
  if (uid !== 0) {
    return `the package test installs oidc-s3-client with dpkg -i and must run as root (this run has uid ${uid}): run the tests as root, e.g. in the CI container`;
  }
  for (const tool of ['dpkg', 'dpkg-deb', 'dpkg-query', 'unshare', 'runuser']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `the package test needs ${tool} (a Debian machine with dpkg and util-linux); it is not on PATH`;
    }
  }
  return undefined;
}

/**
 * Holds an exclusive flock(1) on a machine-wide file until released, so test runs of several
 * checkouts never install or remove the package at the same time. The lock lives in a child
 * process: if this process dies, the pipe closes and the lock goes with it.
 */
export async function machineLock(name: string, timeoutSeconds = 300): Promise<() => void> {
  const child: ChildProcess = spawn('flock', ['-w', String(timeoutSeconds), `/run/lock/${name}.lock`, '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`could not lock /run/lock/${name}.lock within ${timeoutSeconds} s (flock exit ${code})`)));
  });
  return () => child.stdin!.end();
}

/**
 * Debian 12's own nodejs (the archive's build, not the machine's candidate), unpacked into a
 * directory whose `usr/` is laid over the real /usr by {@link onDebianNode}. The .debs are
 * downloaded once into node_modules/.cache by scripts/system-deps.sh.
 */
export function unpackDebianNode(): { root: string; version: string } {
  const cache = join(REPO_ROOT, 'node_modules/.cache/oidc-s3/debian-nodejs');
  const have = existsSync(cache) && readdirSync(cache).some((f) => f.startsWith('nodejs_'));
  if (!have) {
    mkdirSync(cache, { recursive: true });
    execFileSync('sh', [join(REPO_ROOT, 'scripts/system-deps.sh'), '--debian-node', cache], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const debs = readdirSync(cache).filter((f) => f.endsWith('.deb'));
  const root = mkdtempSync(join(tmpdir(), 'oidc-s3-debian-node-'));
  for (const deb of debs) execFileSync('dpkg-deb', ['-x', join(cache, deb), root]);
  const version = /^nodejs_([^_]+)_/.exec(debs.find((f) => f.startsWith('nodejs_'))!)![1]!;
  return { root, version };
}

/**
 * A command line that runs `argv` in a private mount namespace where `<root>/usr` is laid over
 * /usr (overlayfs), so /usr/bin/node is Debian's nodejs there and the machine's Node elsewhere.
 */
export function onDebianNode(root: string, argv: readonly string[]): [string, string[]] {
  return [
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t overlay overlay -o "lowerdir=$0/usr:/usr" /usr && exec "$@"', root, ...argv],
  ];
}

/** `argv` run as `user` with exactly `env` (runuser, then env -i). */
export function asUser(user: string, env: Record<string, string>, argv: readonly string[]): [string, string[]] {
  return ['runuser', ['-u', user, '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv]];
}
