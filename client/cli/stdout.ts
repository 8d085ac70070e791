import { writeSync } from 'node:fs';

/**
 * Writes `text` to stdout with a plain write(2), falling back to `process.stdout` only when the
 * descriptor would block. `process.stdout` itself is built lazily from Node's stream modules
 * (about twenty of them), a noticeable part of a `get-credentials` answered from the cache.
 */
export function writeStdout(text: string): void {
  const data = Buffer.from(text);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(1, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      process.stdout.write(data.subarray(offset));
      return;
    }
  }
}
