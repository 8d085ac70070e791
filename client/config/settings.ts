import { ClientError, ConfigError } from '../errors';

export type IdpType = 'auth0' | 'cognito';
export type PermissionTier = 'write' | 'read-write' | 'full';
export const PERMISSION_TIERS: readonly PermissionTier[] = ['write', 'read-write', 'full'];

/** The process environment, or a test's stand-in for it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Collects every problem with the settings so one run names them all; thrown as one
 * ConfigError whose message lists each `VARIABLE problem`, separated by `; `.
 */
export class Problems {
  private readonly list: { variable: string; problem: string; error?: ClientError }[] = [];
  add(variable: string, problem: string): void {
    this.list.push({ variable, problem });
  }
  /** A problem that is an error of its own (a file that cannot be read): thrown as itself when alone. */
  addError(variable: string, error: ClientError): void {
    this.list.push({ variable, problem: error.message, error });
  }
  throwIfAny(): void {
    const [first, ...rest] = this.list;
    if (!first) return;
    if (first.error && rest.length === 0) throw first.error;
    const error = new ConfigError(first.variable, first.problem);
    if (rest.length > 0) {
      error.message = [first, ...rest].map((p) => (p.error ? p.problem : `${p.variable} ${p.problem}`)).join('; ');
    }
    throw error;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A required https:// URL (plain http only to this machine itself); undefined after a problem. */
export function readUrl(env: Environment, name: string, problems: Problems): string | undefined {
  const value = env[name]?.trim();
  if (!value) {
    problems.add(name, 'is required');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add(name, `must be an absolute https:// URL (got "${value}")`);
    return undefined;
  }
  // Secrets and tokens travel to these URLs: plain http only to this machine itself.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    problems.add(name, `must use https:// (got "${value}")`);
    return undefined;
  }
  return value;
}

/** An optional whole number of seconds within `range`; undefined when unset or bad. */
export function readInteger(
  env: Environment,
  name: string,
  range: { min: number; max: number },
  problems: Problems,
): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    problems.add(name, `must be a whole number of seconds from ${range.min} to ${range.max} (got "${raw}")`);
    return undefined;
  }
  return value;
}

/** `AWS_REGION`, else `AWS_DEFAULT_REGION`, as the SDKs read them. */
export function readRegion(env: Environment): string | undefined {
  return (env.AWS_REGION || env.AWS_DEFAULT_REGION)?.trim() || undefined;
}
