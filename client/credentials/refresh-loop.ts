import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors';

export interface RefreshLoopOptions {
  /** Puts a fresh value in place and returns when it expires. */
  readonly refresh: () => Promise<Date>;
  /** Refresh this long before expiry (the provider's margin). */
  readonly marginSeconds: number;
  /** One refresh, then return 0 (or 1 on failure). */
  readonly once: boolean;
  /** Aborted on SIGTERM/SIGINT: the loop returns 0 at once, even mid-refresh. */
  readonly signal: AbortSignal;
  readonly log: (message: string) => void;
  /** First retry delay after a failure, doubled per failure. @default 5000 */
  readonly backoffBaseMs?: number;
  /** Longest retry delay. @default 300000 */
  readonly backoffMaxMs?: number;
}

const MIN_WAIT_MS = 1000;
const MAX_WAIT_MS = 24 * 3600 * 1000;

/**
 * When to wake after a success: just past the point where the provider considers the value due
 * (expiry minus margin), plus a little jitter so a fleet restarted together spreads out.
 */
export function nextRefreshDelayMs(expiry: Date, marginSeconds: number, nowMs = Date.now(), random = Math.random): number {
  const due = expiry.getTime() - marginSeconds * 1000 - nowMs;
  const jitter = random() * Math.min(30_000, (marginSeconds * 1000) / 10);
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, due + 1000 + jitter));
}

/** Exponential backoff with jitter: half fixed, half random, so retries neither stampede nor stall. */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

export async function runRefreshLoop(options: RefreshLoopOptions): Promise<number> {
  const { signal, log } = options;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  let failures = 0;
  while (!signal.aborted) {
    let delayMs: number;
    try {
      const outcome = await Promise.race([options.refresh(), aborted]);
      if (outcome === 'aborted') break;
      if (options.once) return 0;
      if (outcome.getTime() - Date.now() <= options.marginSeconds * 1000) {
        // The provider fell back to still-valid credentials (IdP or exchange down): a failed
        // renewal for the schedule, so back off instead of waking every second until expiry.
        failures += 1;
        delayMs = backoffDelayMs(failures, options.backoffBaseMs ?? 5000, options.backoffMaxMs ?? 300_000);
        log(`not renewed (attempt ${failures}): still valid until ${outcome.toISOString()}, retrying in ${Math.round(delayMs / 1000)} s`);
      } else {
        failures = 0;
        delayMs = nextRefreshDelayMs(outcome, options.marginSeconds);
        log(`refreshed; valid until ${outcome.toISOString()}, next refresh in ${Math.round(delayMs / 1000)} s`);
      }
    } catch (error) {
      failures += 1;
      if (options.once) {
        log(describeError(error));
        return 1;
      }
      delayMs = backoffDelayMs(failures, options.backoffBaseMs ?? 5000, options.backoffMaxMs ?? 300_000);
      log(`refresh failed (attempt ${failures}), retrying in ${Math.round(delayMs / 1000)} s: ${describeError(error)}`);
    }
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      break;
    }
  }
  return 0;
}
