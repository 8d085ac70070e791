import { readFileSync } from 'node:fs';

/**
 * Sessions are timed by their issuer's clock (STS's, or the vending API's), and a host's clock may
 * be minutes off it. So each session is stored with its receipt: when it arrived by this host's
 * wall clock, how far the issuer's clock was ahead of it then (from the answer's `Date` header),
 * and where the boot clock stood. Time left is then "lifetime at receipt minus time elapsed since",
 * and the `Expiration` consumers get is "now on this host plus time left": a consumer comparing it
 * with this host's clock renews in time whichever way the clock is off.
 */

/** The host's clocks, injected so that tests can shift and step them. */
export interface HostClock {
  /** Wall-clock time, ms since the epoch (what Date.now, the SDKs and consumers read). */
  now(): number;
  /**
   * Time since boot, suspend included (Linux CLOCK_BOOTTIME, read from /proc/uptime, 10 ms
   * steps), with the boot's id: nothing steps it, unlike the wall clock when NTP corrects it.
   * Undefined where it cannot be read (not Linux).
   */
  sinceBoot(): BootTime | undefined;
}

export interface BootTime {
  /** /proc/sys/kernel/random/boot_id: the same for every process until the next boot. */
  readonly bootId: string;
  readonly ms: number;
}

let bootId: string | null | undefined;

/** The real clocks of this host. */
export const systemClock: HostClock = {
  now: () => Date.now(),
  sinceBoot() {
    if (bootId === undefined) bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() || null;
    if (bootId === null) return undefined;
    const uptime = Number.parseFloat(readProc('/proc/uptime') ?? '');
    return Number.isFinite(uptime) ? { bootId, ms: Math.round(uptime * 1000) } : undefined;
  },
};

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** When a session arrived, and how the issuer's clock and this host's stood then. */
export interface Receipt {
  /** This host's wall clock at receipt, ms since the epoch. */
  readonly hostMs: number;
  /**
   * The issuer's clock minus this host's at receipt, ms: positive when this host is behind. 0
   * when the answer had no usable `Date` header (the host's clock is then trusted, as before).
   */
  readonly issuerOffsetMs: number;
  /** The boot clock at receipt, when the host has one. */
  readonly boot?: BootTime;
}

/**
 * The receipt of an answer sent at `sentAtMs` and received now, whose `Date` header
 * (RFC 9110 §6.6.1, IMF-fixdate, whole seconds) the issuer stamped somewhere in between.
 * The offset is taken at its largest (issuer latest, so sessions look shortest): the issuer's
 * clock read at most `Date + 999 ms` when it stamped, and no earlier than the request left.
 */
export function receiptOf(dateHeader: string | undefined, sentAtMs: number, clock: HostClock = systemClock): Receipt {
  const hostMs = clock.now();
  const boot = clock.sinceBoot();
  const issuerMs = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  const issuerOffsetMs = Number.isFinite(issuerMs) ? issuerMs + 999 - Math.min(sentAtMs, hostMs) : 0;
  return boot ? { hostMs, issuerOffsetMs, boot } : { hostMs, issuerOffsetMs };
}

/**
 * Milliseconds of `expiration` (by the issuer's clock) left now, judged from `receipt`.
 *
 * Elapsed time since receipt is the boot clock's when it is the same boot (an NTP step of the wall
 * clock does not move it), but never less than the wall clock's minus a correction of a slow clock
 * (so time the boot clock missed, such as a paused VM, still counts). Without a boot clock (another
 * boot, not Linux) it is the wall clock's, plus the offset of a fast clock that may have been set
 * back since: never shorter than the truth, so a session is never judged longer than it is.
 * While the two clocks agree within CLOCKS_AGREE_MS, the wall clock's is taken, so that every
 * process of the host hands consumers the same `Expiration` to the millisecond.
 * Without a receipt (a cache written by an older client), the wall clock alone.
 */
export function millisecondsLeft(expiration: Date, receipt: Receipt | undefined, clock: HostClock = systemClock, now = clock.now()): number {
  if (!receipt) return expiration.getTime() - now;
  const leftAtReceipt = expiration.getTime() - (receipt.hostMs + receipt.issuerOffsetMs);
  const wallElapsed = now - receipt.hostMs;
  const boot = receipt.boot ? clock.sinceBoot() : undefined;
  let elapsed: number;
  if (boot && receipt.boot && boot.bootId === receipt.boot.bootId) {
    const bootElapsed = boot.ms - receipt.boot.ms;
    elapsed = Math.abs(wallElapsed - bootElapsed) < CLOCKS_AGREE_MS ? wallElapsed : Math.max(bootElapsed, wallElapsed - Math.max(0, receipt.issuerOffsetMs));
  } else {
    elapsed = wallElapsed + Math.max(0, -receipt.issuerOffsetMs);
  }
  return leftAtReceipt - Math.max(0, elapsed);
}

/**
 * Wall and boot clocks that differ by less than this since receipt count as agreeing (no step):
 * /proc/uptime moves in 10 ms steps and the two clocks' rates differ by NTP's slewing (≤ 500 ppm).
 */
const CLOCKS_AGREE_MS = 1000;

/** Above this, the host is warned that its clock is off (seconds). */
export const CLOCK_SKEW_WARNING_SECONDS = 60;

/**
 * S3 refuses a SigV4 request whose signing time is more than 15 minutes off its own clock
 * (`RequestTimeTooSkewed`; Amazon S3 API Reference, "Authenticating Requests (AWS Signature
 * Version 4)"): no credential timing of ours can help beyond that.
 */
export const S3_SIGNATURE_SKEW_LIMIT_SECONDS = 900;

/** The warning for a receipt whose offset is above CLOCK_SKEW_WARNING_SECONDS, or undefined. */
export function clockSkewWarning(receipt: Receipt, issuer: string): string | undefined {
  const seconds = Math.round(receipt.issuerOffsetMs / 1000);
  if (Math.abs(seconds) <= CLOCK_SKEW_WARNING_SECONDS) return undefined;
  const side = seconds > 0 ? 'behind' : 'ahead of';
  const beyond =
    Math.abs(seconds) > S3_SIGNATURE_SKEW_LIMIT_SECONDS
      ? `; that is beyond the ${S3_SIGNATURE_SKEW_LIMIT_SECONDS} s S3 tolerates, so S3 refuses requests signed on this host (RequestTimeTooSkewed)`
      : `; credentials are timed by ${issuer}'s clock, but S3 refuses requests signed more than ${S3_SIGNATURE_SKEW_LIMIT_SECONDS} s off`;
  return (
    `this host's clock is ${Math.abs(seconds)} s ${side} ${issuer}'s (from the Date of its answer)${beyond}: ` +
    'synchronise it with NTP (timedatectl set-ntp true, or chrony/ntpd) [CLOCK_SKEW]'
  );
}
