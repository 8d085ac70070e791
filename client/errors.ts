/**
 * The host client's error classes. Each carries a stable `code` so scripts, tests and operators
 * can tell failures apart without parsing messages; messages never hold a secret or a token.
 */
export type ClientErrorCode =
  | 'CONFIG_INVALID'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'UNSAFE_PERMISSIONS'
  | 'LOCAL_FILE_UNWRITABLE'
  | 'CACHE_UNWRITABLE'
  | 'IDP_UNAVAILABLE'
  | 'TOKEN_REJECTED'
  | 'TOKEN_RESPONSE_INVALID'
  | 'CREDENTIALS_UNAVAILABLE'
  | 'CREDENTIALS_REJECTED'
  | 'CREDENTIALS_RESPONSE_INVALID'
  | 'LOCK_TIMEOUT'
  | 'S3_ACCESS_DENIED'
  | 'S3_OPERATION_FAILED'
  | 'INTEGRITY_CHECK_FAILED'
  | 'USAGE';

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A setting is missing or malformed; the message names the variable. */
export class ConfigError extends ClientError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super('CONFIG_INVALID', `${variable} ${problem}`);
  }
}

/**
 * A file we were told to read (an env file, the secret file, a file to upload, the outputs) is
 * absent (`FILE_NOT_FOUND`) or there but not readable by this user (`FILE_UNREADABLE`).
 */
export class FileAccessError extends ClientError {
  constructor(
    code: 'FILE_NOT_FOUND' | 'FILE_UNREADABLE',
    readonly path: string,
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * A file or directory holding secrets is open to other users (group/other bits, another owner,
 * a symlink): refused, never used, with the path, owner, mode and the fix in the message.
 */
export class UnsafePermissionsError extends ClientError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('UNSAFE_PERMISSIONS', message);
  }
}

/**
 * The cache directory cannot be created or written (a read-only home under a hardened unit, say).
 * get-credentials works on without a cache; the daemons, which exist to keep state, stop.
 */
export class CacheUnwritableError extends ClientError {
  constructor(
    readonly path: string,
    cause: string,
  ) {
    super(
      'CACHE_UNWRITABLE',
      `cache directory ${path} cannot be created or written (${cause}): set OIDC_CACHE_DIR to a directory this user can write; ` +
        'under systemd, CacheDirectory=oidc-s3 with OIDC_CACHE_DIR=/var/cache/oidc-s3 (or ReadWritePaths= for another path)',
    );
  }
}

/** Errors of the file system that mean "this directory is not ours to write here". */
export const UNWRITABLE_ERRNO: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'ENOSPC', 'EDQUOT']);

/** The errno code of `error` when it means the cache cannot be written, else undefined. */
export function unwritableCause(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  return !(error instanceof ClientError) && code && UNWRITABLE_ERRNO.has(code) ? code : undefined;
}

/** The identity provider could not be reached, answered 5xx, or refused the client. */
export class TokenError extends ClientError {}

/** STS or the vending API could not be reached or refused the token. */
export class CredentialError extends ClientError {
  constructor(
    code: ClientErrorCode,
    message: string,
    /** True when a fresh token might succeed (the one sent was expired or revoked). */
    readonly tokenRejected = false,
  ) {
    super(code, message);
  }
}

/** Another process held the cache lock for longer than the wait allows. */
export class LockTimeoutError extends ClientError {
  constructor(lockPath: string, waitedMs: number) {
    super('LOCK_TIMEOUT', `timed out after ${waitedMs} ms waiting for the cache lock ${lockPath}`);
  }
}

/** S3 refused or failed an operation; the message explains it in terms of the permission tier. */
export class S3OpsError extends ClientError {}

export class UsageError extends ClientError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** One line for stderr: the message and the code, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof ClientError) return `${error.message} [${error.code}]`;
  if (error instanceof Error) return `unexpected error: ${firstLine(error.message)}`;
  return `unexpected error: ${firstLine(String(error))}`;
}

/** Text from a remote party, reduced to one short line before it reaches a message. */
export function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
