import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { UnsafePermissionsError } from '../errors';
import { octalMode, userName } from './file-access';

const MAX_SYMLINKS = 40; // as the kernel's own limit (MAXSYMLINKS)
const STICKY = 0o1000; // S_ISVTX

/**
 * Who may have changed a path component without us: a component is trusted when it is owned by
 * root or by us, and, if its group or others may write it, has the sticky bit (so, like /tmp,
 * nobody but an entry's owner can rename or replace that entry). A symlink is followed only when
 * it is trusted itself. Anything else means another local user could swap what lies below it.
 */
function componentProblem(stat: Stats, uid: number): string | undefined {
  if (stat.uid !== 0 && stat.uid !== uid) return `owned by ${userName(stat.uid)}, not by you or root`;
  if (!stat.isSymbolicLink() && (stat.mode & 0o022) !== 0 && (stat.mode & STICKY) === 0) {
    return `writable by ${(stat.mode & 0o002) !== 0 ? 'anyone' : 'its group'} without the sticky bit (mode ${octalMode(stat.mode)})`;
  }
  return undefined;
}

/**
 * Checks that no other local user can redirect or replace `dir` (absolute): every existing
 * ancestor and symlink on the way is trusted (see componentProblem), and `dir` itself is a real
 * directory, not a symlink, owned by us and writable by no one else. Throws
 * UnsafePermissionsError naming the path, the owner and mode found, and `fix`.
 * Returns false when `dir` does not exist yet (its existing ancestors were checked).
 */
export function checkTrustedDirectory(dir: string, what: string, fix: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined || !isAbsolute(dir)) return true; // not POSIX: nothing to check against
  const refuse = (path: string, problem: string) =>
    new UnsafePermissionsError(path, `${what} ${dir} is not safe to use: ${path === dir ? 'it' : path} is ${problem}; ${fix}`);
  let pending = dir.split(sep).filter(Boolean);
  let current: string = sep;
  let links = 0;
  while (pending.length > 0) {
    const next = resolve(current, pending.shift()!);
    let stat: Stats;
    try {
      stat = lstatSync(next);
    } catch (error) {
      // Absent, or hidden from this user (ProtectHome=): nothing there to trust or distrust yet.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') return false;
      throw error;
    }
    const last = pending.length === 0;
    if (stat.isSymbolicLink()) {
      // The last pending name is always the original path's own last component.
      if (last) throw refuse(next, `a symlink (owner ${userName(stat.uid)}); use the directory itself`);
      const problem = componentProblem(stat, uid);
      if (problem) throw refuse(next, `a symlink ${problem}`);
      if (++links > MAX_SYMLINKS) throw refuse(next, 'a loop of symlinks');
      const target = readlinkSync(next);
      pending = [...(isAbsolute(target) ? target : resolve(dirname(next), target)).split(sep).filter(Boolean), ...pending];
      current = sep;
      continue;
    }
    if (last) {
      if (!stat.isDirectory()) throw refuse(next, 'not a directory');
      if (stat.uid !== uid) throw refuse(next, `owned by ${userName(stat.uid)}, mode ${octalMode(stat.mode)}; it must be yours`);
      if ((stat.mode & 0o022) !== 0) throw refuse(next, `writable by ${(stat.mode & 0o002) !== 0 ? 'anyone' : 'its group'} (owner ${userName(stat.uid)}, mode ${octalMode(stat.mode)})`);
    } else {
      const problem = componentProblem(stat, uid);
      if (problem) throw refuse(next, problem);
    }
    current = next;
  }
  return true;
}

/**
 * Creates `dir` owner-only (0700, parents too) when missing, checks it with
 * checkTrustedDirectory, and takes away read/search bits from group and others if present (a
 * directory of ours made by hand or under an older umask).
 */
export function ensureTrustedPrivateDir(dir: string, what: string, fix: string): void {
  if (!checkTrustedDirectory(dir, what, fix)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    checkTrustedDirectory(dir, what, fix);
  }
  const stat = lstatSync(dir);
  if ((stat.mode & 0o077) !== 0) {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Opens a file of a trusted directory for reading without following a symlink, and checks on
 * the open descriptor that it is a regular file of ours that no one else may write. Returns
 * undefined when it does not exist; throws UnsafePermissionsError otherwise.
 */
export function openOwnFile(path: string, what: string, fix: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafePermissionsError(path, `${what} ${path} is a symlink; ${fix}`);
    throw error;
  }
  const stat = fstatSync(fd);
  const uid = process.getuid?.();
  const problem = !stat.isFile()
    ? 'not a regular file'
    : uid !== undefined && stat.uid !== uid
      ? `owned by ${userName(stat.uid)}, mode ${octalMode(stat.mode)}; it must be yours`
      : (stat.mode & 0o022) !== 0
        ? `writable by others (owner ${userName(stat.uid)}, mode ${octalMode(stat.mode)})`
        : undefined;
  if (problem) {
    closeSync(fd);
    throw new UnsafePermissionsError(path, `${what} ${path} is ${problem}; ${fix}`);
  }
  return fd;
}
