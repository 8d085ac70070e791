import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from '../errors';
import { PRIVATE_FILE_MODE, randomHex } from './atomic-file';

export interface LockOptions {
  /** Give up after waiting this long. @default 25000 */
  readonly timeoutMs?: number;
  /** A lock older than this is broken even if its holder seems alive (pid reuse). @default 60000 */
  readonly staleMs?: number;
}

interface Holder {
  readonly pid: number;
  readonly nonce: string;
  readonly createdMs: number;
}

/**
 * A cross-process lock on a file created with O_EXCL, which works wherever the cache lives and
 * needs no native module. The holder writes its pid, so a lock left by a killed process is broken
 * at once rather than after a timeout. The lock only saves requests (many concurrent callers, one
 * token request): correctness never depends on it, because every cache write is an atomic rename.
 */
export async function withLock<T>(lockPath: string, action: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquire(lockPath, options);
  try {
    return await action();
  } finally {
    release();
  }
}

export async function acquire(lockPath: string, options: LockOptions = {}): Promise<() => void> {
  const timeoutMs = options.timeoutMs ?? 25_000;
  const staleMs = options.staleMs ?? 60_000;
  const started = Date.now();
  const nonce = randomHex(8);
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(lockPath, nonce)) {
      return () => releaseIfOurs(lockPath, nonce);
    }
    const holder = readHolder(lockPath);
    if (holder && isStale(holder, staleMs)) {
      breakStale(lockPath, holder);
      continue;
    }
    if (Date.now() - started >= timeoutMs) throw new LockTimeoutError(lockPath, Date.now() - started);
    // Short, jittered polls: the holder usually finishes within one token round trip.
    await sleep(Math.min(20 + attempt * 5, 100) * (0.5 + Math.random()));
  }
}

function tryCreate(lockPath: string, nonce: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, nonce, createdMs: Date.now() } satisfies Holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** A holder that cannot be genuine: the lock file is not ours (or is a symlink). Always stale. */
const FOREIGN: Holder = { pid: -1, nonce: 'foreign', createdMs: 0 };

function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  try {
    const fd = openSync(lockPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const uid = process.getuid?.();
      if (uid !== undefined && fstatSync(fd).uid !== uid) return { ...FOREIGN, nonce: `foreign:${fstatSync(fd).ino}` };
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { ...FOREIGN, nonce: 'symlink' };
    return undefined;
  }
  try {
    const holder = JSON.parse(text) as Partial<Holder>;
    if (typeof holder.pid === 'number' && typeof holder.nonce === 'string' && typeof holder.createdMs === 'number') {
      return holder as Holder;
    }
  } catch {
    // Unparseable: either caught between create and write, or left by a process killed there.
  }
  const ageMs = Date.now() - (statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  return { pid: 0, nonce: `unparseable:${text}`, createdMs: ageMs > 2000 ? 0 : Date.now() };
}

/** Clocks of processes on one host agree; more than this ahead is a planted or broken lock. */
const FUTURE_TOLERANCE_MS = 1000;

/**
 * A lock is stale when it is older than `staleMs`, claims a creation time in the future, or its
 * holder is not a live process of ours: the cache directory is private, so a holder pid that
 * exists but belongs to another user (EPERM) cannot have made it.
 */
function isStale(holder: Holder, staleMs: number): boolean {
  const now = Date.now();
  if (now - holder.createdMs > staleMs || holder.createdMs > now + FUTURE_TOLERANCE_MS) return true;
  if (holder.pid < 0) return true;
  if (holder.pid === 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside, then checks that what was moved is the lock judged stale; if a
 * fresh holder slipped in between, its lock is linked back (link fails rather than overwrite).
 */
function breakStale(lockPath: string, stale: Holder): void {
  const aside = `${lockPath}.stale-${randomHex(6)}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return;
  }
  const moved = readHolder(aside);
  if (moved && moved.nonce !== stale.nonce) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Someone else holds it now; the displaced holder's writes are still atomic.
    }
  }
  rmSync(aside, { force: true });
}

function releaseIfOurs(lockPath: string, nonce: string): void {
  if (readHolder(lockPath)?.nonce === nonce) rmSync(lockPath, { force: true });
}
