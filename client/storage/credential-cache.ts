import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/provider-config';
import { ensurePrivateDir, writeFileAtomic } from './atomic-file';
import {
  fromCredentialProcessJson,
  toCredentialProcessJson,
  type AwsCredentials,
  type CachedToken,
} from '../credentials/aws-credentials';

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
    config.idpType === 'auth0' ? config.roleArn : config.vendingUrl,
    config.sessionDurationSeconds ?? '',
  ];
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
  const readable = config.clientId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${readable}-${digest}`;
}

export class CredentialCache {
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

  /** Creates the cache directory owner-only; called before the first lock or write. */
  prepare(): void {
    ensurePrivateDir(this.dir);
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

  readCredentials(): AwsCredentials | undefined {
    return this.read(this.credentialsPath, fromCredentialProcessJson);
  }

  writeCredentials(credentials: AwsCredentials): void {
    this.prepare();
    writeFileAtomic(this.credentialsPath, `${JSON.stringify(toCredentialProcessJson(credentials))}\n`);
  }

  /** A missing entry is a miss; a corrupt one is removed and reported as a miss, never fatal. */
  private read<T>(path: string, parse: (value: unknown) => T | undefined): T | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
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
