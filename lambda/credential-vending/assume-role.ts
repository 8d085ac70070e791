// AssumeRole for a mapped client. The Lambda's own role assuming the server's role is role
// chaining, which AWS caps at one hour; the duration is clamped here rather than letting STS
// refuse it, and the true Expiration is returned.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { UpstreamError } from './errors';
import type { ClientRoleMapping } from './role-mapping';

export const MIN_SESSION_SECONDS = 900;
export const ROLE_CHAINING_MAX_SECONDS = 3600;

export interface VendedCredentials {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  /** ISO 8601, as STS set it. */
  readonly Expiration: string;
}

export interface RoleAssumerOptions {
  /** Attempts in all when STS throttles (and only then). @default 4 */
  readonly maxAttempts?: number;
  /** Full-jitter exponential backoff: delay ∈ [0, min(maxDelayMs, baseDelayMs·2^n)). @default 100 */
  readonly baseDelayMs?: number;
  /** @default 1000 */
  readonly maxDelayMs?: number;
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown']);

/** min(requested, mapping maximum, one hour), and never below STS's 900 s minimum. */
export function sessionDuration(requested: number | undefined, mappingMax: number): number {
  return Math.max(MIN_SESSION_SECONDS, Math.min(requested ?? ROLE_CHAINING_MAX_SECONDS, mappingMax, ROLE_CHAINING_MAX_SECONDS));
}

/** `oidc-s3-<server>`, within the 64 characters STS allows; CloudTrail shows it in every S3 event. */
export function roleSessionName(serverName: string): string {
  return `oidc-s3-${serverName}`.slice(0, 64);
}

interface SdkError {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export class RoleAssumer {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  /** `sts` must not retry by itself (maxAttempts: 1): only throttling is retried, here. */
  constructor(
    private readonly sts: STSClient,
    options: RoleAssumerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
  }

  async assume(mapping: ClientRoleMapping, requestedSeconds: number | undefined): Promise<VendedCredentials> {
    const command = new AssumeRoleCommand({
      RoleArn: mapping.roleArn,
      RoleSessionName: roleSessionName(mapping.serverName),
      SourceIdentity: mapping.serverName,
      DurationSeconds: sessionDuration(requestedSeconds, mapping.maxSessionDuration),
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { Credentials: c } = await this.sts.send(command);
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date) || Number.isNaN(c.Expiration.getTime())) {
          throw new UpstreamError(502, 'upstream_invalid', 'STS answered without complete credentials');
        }
        return { Version: 1, AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration.toISOString() };
      } catch (err) {
        if (err instanceof UpstreamError) throw err;
        const { name = 'UnknownError', $metadata } = (err ?? {}) as SdkError;
        const status = $metadata?.httpStatusCode;
        const throttled = THROTTLING.has(name) || status === 429;
        if (throttled && attempt < this.maxAttempts) {
          await sleep(Math.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)));
          continue;
        }
        throw translate(name, status, throttled, attempt);
      }
    }
  }
}

function translate(name: string, status: number | undefined, throttled: boolean, attempts: number): UpstreamError {
  const detail = `${name}${status ? ` (HTTP ${status})` : ''} after ${attempts} attempt(s)`;
  if (throttled) return new UpstreamError(503, 'sts_unavailable', 'STS is throttling; retry later', detail);
  if (status !== undefined && status >= 400 && status < 500) {
    return new UpstreamError(502, 'upstream_denied', 'STS refused to issue credentials for this client role', detail);
  }
  return new UpstreamError(503, 'sts_unavailable', 'STS cannot be reached right now; retry later', detail);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
