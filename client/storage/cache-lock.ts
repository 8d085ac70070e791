import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from '../errors';
import { PRIVATE_FILE_MODE } from './atomic-file';

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
  const nonce = randomBytes(8).toString('hex');
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

function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
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

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.createdMs > staleMs) return true;
  if (holder.pid <= 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside, then checks that what was moved is the lock judged stale; if a
 * fresh holder slipped in between, its lock is linked back (link fails rather than overwrite).
 */
function breakStale(lockPath: string, stale: Holder): void {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
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
