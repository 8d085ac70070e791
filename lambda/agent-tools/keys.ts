// Keys as agents give them: relative to the server's prefix. Validation is the first line of
// defence (clear errors, no surprising keys); IAM on the server's own role is the one that holds
// even if this code is wrong.
import { ToolError } from './errors';

/** S3's limit on a whole key, in UTF-8 bytes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). */
export const MAX_KEY_BYTES = 1024;

// C0 controls, DEL and C1 controls: invisible in logs and listings, and XML 1.0 (S3's list
// answers) cannot carry most of them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function segmentProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'must be relative to the server\'s prefix (no leading "/")';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (value.split('/').some((segment) => segment === '..' || segment === '.')) return 'must not contain "." or ".." path segments';
  if (value.includes('\\')) return 'must not contain "\\" (S3 keys use "/")';
  return undefined;
}

/**
 * `<prefix><key>` for an object key an agent gave. Throws ToolError `invalid_key` when the key is
 * not a non-empty string, is absolute, holds `.`/`..` segments, a backslash or control
 * characters, ends in `/` (a folder, not an object), or makes a full key over 1,024 UTF-8 bytes.
 */
export function objectKey(prefix: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ToolError('invalid_key', 'key must be a non-empty string, relative to the server\'s prefix');
  const problem = segmentProblem(key) ?? (key.endsWith('/') ? 'must name an object, not end in "/"' : undefined);
  if (problem) throw new ToolError('invalid_key', `key ${JSON.stringify(key)} ${problem}`);
  const full = `${prefix}${key}`;
  const bytes = Buffer.byteLength(full, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new ToolError('invalid_key', `key is ${bytes} bytes with the server's prefix; S3 allows at most ${MAX_KEY_BYTES}`);
  }
  return full;
}

/** `<prefix><sub>` for list_objects; an absent or empty sub-prefix lists the whole prefix. */
export function listPrefix(prefix: string, sub: unknown): string {
  if (sub === undefined || sub === '') return prefix;
  if (typeof sub !== 'string') throw new ToolError('invalid_key', 'prefix must be a string, relative to the server\'s prefix');
  const problem = segmentProblem(sub);
  if (problem) throw new ToolError('invalid_key', `prefix ${JSON.stringify(sub)} ${problem}`);
  const full = `${prefix}${sub}`;
  if (Buffer.byteLength(full, 'utf8') > MAX_KEY_BYTES) throw new ToolError('invalid_key', `prefix is over ${MAX_KEY_BYTES} bytes with the server's prefix`);
  return full;
}

/** The agent's view of a full key: relative to the prefix. */
export function relativeKey(prefix: string, fullKey: string): string {
  return fullKey.startsWith(prefix) ? fullKey.slice(prefix.length) : fullKey;
}
