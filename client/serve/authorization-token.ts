import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, statSync, writeSync, constants } from 'node:fs';
import { ConfigError } from '../errors';

/** Shorter tokens are refused: an endpoint guarded by a guessable token guards nothing. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * The authorization token of the credentials endpoint, kept in a file that consumers read
 * through `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
 *
 * - Missing file: created with O_EXCL, mode 0600, holding 32 random bytes (base64url, no
 *   newline: SDKs send the file's bytes as they are), and `created` is true.
 * - Existing file: used as it is, never rewritten (its owner may rotate it; the new content is
 *   picked up on the next request, by inode and mtime). It must not be readable or writable by
 *   others (mode & 0o006): group access is how an operator shares it with consumers.
 *
 * @throws ConfigError (CONFIG_INVALID) naming `--token-file` for an unusable file
 */
export class AuthorizationToken {
  readonly created: boolean;
  private digest: Buffer = Buffer.alloc(32);
  private seen = '';

  constructor(readonly path: string) {
    this.created = createIfMissing(path);
    this.reload();
  }

  /** Re-reads the file when it changed since the last read (cheap: one stat). */
  private reload(): void {
    const stat = statSync(this.path);
    const seen = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    if (seen === this.seen) return;
    if (!stat.isFile()) throw new ConfigError('--token-file', `must name a regular file (${this.path})`);
    if ((stat.mode & 0o006) !== 0) {
      throw new ConfigError('--token-file', `${this.path} is accessible to other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}): chmod o-rwx ${this.path}`);
    }
    const token = readFileSync(this.path, 'utf8');
    // The AWS SDK for JavaScript sends the file's bytes as the header, a final newline included,
    // which Node's HTTP client refuses: such a file would look fine here and fail every consumer.
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigError(
        '--token-file',
        `${this.path} must hold one token of at least ${MIN_TOKEN_LENGTH} characters and nothing else, no final newline (write it with printf '%s')`,
      );
    }
    this.digest = sha256(token);
    this.seen = seen;
  }

  /**
   * True when `presented` equals the token. Both sides are hashed first, so the comparison is
   * constant-time whatever the lengths (timingSafeEqual needs equal lengths).
   */
  matches(presented: string): boolean {
    try {
      this.reload();
    } catch {
      return false; // the file became unusable: refuse rather than serve on a stale token
    }
    return timingSafeEqual(sha256(presented), this.digest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function createIfMissing(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new ConfigError('--token-file', `cannot create ${path} (${code ?? 'error'})`);
  }
  try {
    // The umask cannot widen 0600, but an inherited ACL could: check what was made.
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new ConfigError('--token-file', `${path} was created with group or other access; check the directory's default ACL`);
    writeSync(fd, randomBytes(32).toString('base64url'));
  } finally {
    closeSync(fd);
  }
  return true;
}
