import { readFileSync, statSync } from 'node:fs';
import { FileAccessError } from '../errors';

/**
 * Reads a whole text file the user named (`what` says which: "--env-file", "OIDC_CLIENT_SECRET_FILE"…).
 * Throws FileAccessError: FILE_NOT_FOUND when it does not exist, FILE_UNREADABLE when it exists but
 * this user may not read it (the message gives its owner and mode and who we run as).
 */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw fileAccessError(error, path, what);
  }
}

/** Turns a failed open/read/stat of `path` into a FileAccessError that says why and what to do. */
export function fileAccessError(error: unknown, path: string, what: string): FileAccessError | Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new FileAccessError('FILE_NOT_FOUND', path, `${what} ${path} does not exist`);
  }
  if (code === 'ENOTDIR') {
    return new FileAccessError('FILE_NOT_FOUND', path, `${what} ${path} does not exist (a component of the path is not a directory)`);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new FileAccessError('FILE_UNREADABLE', path, `${what} ${path} cannot be read (permission denied, ${describeOwnership(path)}); ${runningAs()}`);
  }
  if (code === 'EISDIR') {
    return new FileAccessError('FILE_UNREADABLE', path, `${what} ${path} cannot be read (it is a directory)`);
  }
  if (code) return new FileAccessError('FILE_UNREADABLE', path, `${what} ${path} cannot be read (${code})`);
  return error instanceof Error ? error : new Error(String(error));
}

/** "owner alice (uid 1001), group adm (gid 4), mode 0640", or why that cannot be seen. */
export function describeOwnership(path: string): string {
  try {
    const stat = statSync(path);
    return `owner ${userName(stat.uid)}, group ${groupName(stat.gid)}, mode ${octalMode(stat.mode)}`;
  } catch {
    return 'a directory on its path is not searchable by this user';
  }
}

/** Permission bits as four octal digits, e.g. `0600`. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function runningAs(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'check the file\'s owner and mode' : `running as ${userName(uid)}: make the file readable by that user (chown/chmod) or run as its owner`;
}

/** `name (uid N)` from /etc/passwd, or `uid N` when it has no entry. */
export function userName(uid: number): string {
  return `${lookup('/etc/passwd', uid) ?? 'uid'} (uid ${uid})`.replace(/^uid \(uid (\d+)\)$/, 'uid $1');
}

function groupName(gid: number): string {
  return `${lookup('/etc/group', gid) ?? 'gid'} (gid ${gid})`.replace(/^gid \(gid (\d+)\)$/, 'gid $1');
}

/** The name of id `id` in a passwd-format file (name:x:id:…), if any. */
function lookup(file: string, id: number): string | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , value] = line.split(':');
      if (name && value === String(id)) return name;
    }
  } catch {
    // No such database (a container): numeric ids only.
  }
  return undefined;
}
