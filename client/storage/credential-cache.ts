import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/provider-config';
import { UnsafePermissionsError } from '../errors';
import { writeFileAtomic } from './atomic-file';
import { checkTrustedDirectory, ensureTrustedPrivateDir, openOwnFile } from './trusted-path';
import {
  fromCredentialProcessJson,
  toCredentialProcessJson,
  type AwsCredentials,
  type CachedToken,
} from '../credentials/aws-credentials';
import type { Receipt } from '../credentials/issuer-clock';

/**
 * Entries are named by a hash of everything that makes a token or a session different (IdP,
 * token URL, client id, audience or scopes, role ARN or vending URL), so two configurations on one
 * host never share an entry. Per key: `<key>.token.json`, `<key>.credentials.json`, `<key>.lock`.
 */
export function cacheKey(config: ProviderConfig): string {
  const identity = [
    config.idpType,
    config.tokenUrl,
    config.clientId,
    config.idpType === 'auth0' ? config.audience : '',
    [...config.scopes].sort().join(' '),
    config.exchange === 'sts' ? config.roleArn : config.vendingUrl,
    config.sessionDurationSeconds ?? '',
  ];
  // SHA-256 from @noble/hashes (pure JavaScript, audited): the same digest as node:crypto's, but
  // node:crypto would load 35 of Node's internal modules (its own and the streams) into every
  // cache hit, a fifth of what get-credentials adds to Node's start (bench/client.ts).
  const digest = bytesToHex(sha256(utf8ToBytes(JSON.stringify(identity)))).slice(0, 32);
  const readable = config.clientId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${readable}-${digest}`;
}

/** What an operator does about a cache directory or file another user could control. */
export const CACHE_FIX =
  'set OIDC_CACHE_DIR to a directory only you own and write (the default is ~/.cache/oidc-s3; under systemd, ' +
  'CacheDirectory=oidc-s3 with OIDC_CACHE_DIR=/var/cache/oidc-s3), or delete it and let the client create it (docs/CONFIGURATION.md)';
const WHAT_DIR = 'cache directory (OIDC_CACHE_DIR)';

/**
 * The on-disk cache. Nothing in it is trusted unless no other local user could have put it there:
 * the directory and the way to it pass checkTrustedDirectory (owned by us, no symlink, written by
 * no one else; ancestors owned by root or us, sticky where shared), and every file is opened with
 * O_NOFOLLOW and must be ours and writable by no one else. Otherwise UNSAFE_PERMISSIONS.
 */
export class CredentialCache {
  private trusted = false;

  readonly tokenPath: string;
  readonly credentialsPath: string;
  readonly lockPath: string;

  constructor(
    readonly dir: string,
    key: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.tokenPath = join(dir, `${key}.token.json`);
    this.credentialsPath = join(dir, `${key}.credentials.json`);
    this.lockPath = join(dir, `${key}.lock`);
  }

  static forConfig(config: ProviderConfig, warn?: (message: string) => void): CredentialCache {
    return new CredentialCache(config.cacheDir, cacheKey(config), warn);
  }

  /** Creates the cache directory owner-only, or checks the one there; called before the first lock or write. */
  prepare(): void {
    if (this.trusted) return;
    ensureTrustedPrivateDir(this.dir, WHAT_DIR, CACHE_FIX);
    this.trusted = true;
  }

  /** Creates and removes a file in the directory: throws the file system's error if it cannot be written. */
  probeWrite(): void {
    const probe = join(this.dir, `.probe-${process.pid}`);
    closeSync(openSync(probe, 'wx', 0o600));
    rmSync(probe, { force: true });
  }

  /** False while the directory does not exist (every read is then a miss). */
  private directoryTrusted(): boolean {
    if (!this.trusted) this.trusted = checkTrustedDirectory(this.dir, WHAT_DIR, CACHE_FIX);
    return this.trusted;
  }

  readToken(): CachedToken | undefined {
    return this.read(this.tokenPath, (value) => {
      const v = value as { access_token?: unknown; expires_at?: unknown };
      if (typeof v?.access_token !== 'string' || !v.access_token || typeof v.expires_at !== 'string') return undefined;
      const expiresAt = new Date(v.expires_at);
      return Number.isNaN(expiresAt.getTime()) ? undefined : { accessToken: v.access_token, expiresAt };
    });
  }

  writeToken(token: CachedToken): void {
    this.prepare();
    writeFileAtomic(
      this.tokenPath,
      `${JSON.stringify({ access_token: token.accessToken, expires_at: token.expiresAt.toISOString() })}\n`,
    );
  }

  /** Drops a token the credential exchange refused, so the next call fetches a new one. */
  discardToken(): void {
    rmSync(this.tokenPath, { force: true });
  }

  /** The session as received: `Expiration` by the issuer's clock, and its receipt (see issuer-clock). */
  readCredentials(): AwsCredentials | undefined {
    return this.read(this.credentialsPath, (value) => {
      const credentials = fromCredentialProcessJson(value);
      if (!credentials) return undefined;
      const received = (value as { Received?: unknown }).Received;
      if (received === undefined) return credentials;
      const receipt = parseReceipt(received);
      return receipt ? { ...credentials, receipt } : undefined;
    });
  }

  writeCredentials(credentials: AwsCredentials): void {
    this.prepare();
    const received = credentials.receipt ? { Received: formatReceipt(credentials.receipt) } : {};
    writeFileAtomic(this.credentialsPath, `${JSON.stringify({ ...toCredentialProcessJson(credentials), ...received })}\n`);
  }

  /** A missing entry is a miss; a corrupt one is removed and reported as a miss, never fatal. */
  private read<T>(path: string, parse: (value: unknown) => T | undefined): T | undefined {
    if (!this.directoryTrusted()) return undefined;
    let text: string;
    try {
      const fd = openOwnFile(path, 'cache file', CACHE_FIX);
      if (fd === undefined) return undefined;
      try {
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (error instanceof UnsafePermissionsError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.warn(`ignoring unreadable cache file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return undefined;
    }
    let parsed: T | undefined;
    try {
      parsed = parse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) {
      this.warn(`discarding corrupt cache file ${path}`);
      rmSync(path, { force: true });
    }
    return parsed;
  }
}

/** The receipt as the cache file stores it: `{"HostTime", "IssuerOffsetMs", "BootId"?, "SinceBootMs"?}`. */
function formatReceipt(receipt: Receipt): Record<string, string | number> {
  return {
    HostTime: new Date(receipt.hostMs).toISOString(),
    IssuerOffsetMs: receipt.issuerOffsetMs,
    ...(receipt.boot ? { BootId: receipt.boot.bootId, SinceBootMs: receipt.boot.ms } : {}),
  };
}

function parseReceipt(value: unknown): Receipt | undefined {
  const v = value as { HostTime?: unknown; IssuerOffsetMs?: unknown; BootId?: unknown; SinceBootMs?: unknown } | null;
  if (typeof v?.HostTime !== 'string' || typeof v.IssuerOffsetMs !== 'number' || !Number.isFinite(v.IssuerOffsetMs)) return undefined;
  const hostMs = Date.parse(v.HostTime);
  if (!Number.isFinite(hostMs)) return undefined;
  const receipt = { hostMs, issuerOffsetMs: v.IssuerOffsetMs };
  return typeof v.BootId === 'string' && typeof v.SinceBootMs === 'number' && Number.isFinite(v.SinceBootMs)
    ? { ...receipt, boot: { bootId: v.BootId, ms: v.SinceBootMs } }
    : receipt;
}
