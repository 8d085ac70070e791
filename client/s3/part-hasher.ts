import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

// Hashing in a worker thread, on the part buffers themselves: they live in SharedArrayBuffers,
// so nothing is copied or transferred to hash them, and the main thread (which signs and sends
// the requests, and shares two cores with everything else) hashes nothing. Per part, the CRC32
// is answered first, because the part's request waits for it (S3 verifies it on receipt), then
// the part's MD5 (what S3 and S3-compatible servers answer as a part's ETag, and what a
// single-part object's ETag is). zlib's crc32 is native; MD5 is node:crypto's. Self-contained
// source, so the bundles need no second file.
const PART_HASHER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib'); // Node 20.15+; without it the SDK computes the part CRC32s
let md5 = true;
parentPort.on('message', (message) => {
  if (message === 'skip-md5') return (md5 = false);
  const view = new Uint8Array(message.buffer, 0, message.length);
  parentPort.postMessage({ index: message.index, crc32: crc32 === undefined ? undefined : crc32(view) });
  parentPort.postMessage({ index: message.index, hashed: true, md5: md5 ? createHash('md5').update(view).digest('hex') : undefined });
});
`;

/** What hashing one part gives: its CRC32 (undefined on a Node without `zlib.crc32`), then its MD5. */
export interface PartHashing {
  readonly crc32: Promise<number | undefined>;
  /** The part's hex MD5 (undefined once `skipMd5` has taken effect); resolves once the worker no longer reads the buffer. */
  readonly md5: Promise<string | undefined>;
}

interface Pending {
  crc32: (value: number | undefined) => void;
  md5: (value: string | undefined) => void;
  fail: (error: Error) => void;
}

/**
 * Hashes parts in a worker thread, in the order they are added: a CRC32 and an MD5 per part.
 * Parts must be views from offset 0 of a SharedArrayBuffer-backed Buffer
 * (`sharedBuffer`), which the caller must not overwrite until its `md5` resolves. A failed or
 * stopped worker rejects every pending promise.
 */
export class PartHasher {
  private readonly worker = new Worker(PART_HASHER, { eval: true });
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (message: { index: number; crc32?: number; hashed?: true; md5?: string }) => {
      const pending = this.pending.get(message.index);
      if (!pending) return undefined;
      if (message.hashed) {
        this.pending.delete(message.index);
        return pending.md5(message.md5);
      }
      return pending.crc32(message.crc32);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const pending of this.pending.values()) pending.fail(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing worker stopped before the end of the content')));
  }

  /** Hashes `part` (bytes 0..length of a shared buffer). */
  add(part: Buffer): PartHashing {
    if (!(part.buffer instanceof SharedArrayBuffer) || part.byteOffset !== 0) throw new Error('PartHasher.add takes a view from offset 0 of a SharedArrayBuffer');
    const index = this.next++;
    let pending!: Pending;
    const crc32 = new Promise<number | undefined>((resolve, reject) => (pending = { crc32: resolve, md5: () => undefined, fail: reject }));
    const md5 = new Promise<string | undefined>((resolve, reject) => {
      const failCrc = pending.fail;
      pending.md5 = resolve;
      pending.fail = (error) => {
        failCrc(error);
        reject(error);
      };
    });
    // Whoever awaits only one of the two must not leave the other rejected and unhandled.
    crc32.catch(() => undefined);
    md5.catch(() => undefined);
    if (this.failure) pending.fail(this.failure);
    else {
      this.pending.set(index, pending);
      this.worker.postMessage({ index, buffer: part.buffer, length: part.length });
    }
    return { crc32, md5 };
  }

  /**
   * Stops the MD5s from here on, for content whose every part the server verifies by its CRC32
   * (it echoed the checksum back): MD5 is the costlier hash, several times CRC32's CPU. Parts
   * the worker has not started yet answer an undefined MD5.
   */
  skipMd5(): void {
    if (!this.failure) this.worker.postMessage('skip-md5');
  }

  stop(): void {
    this.failure ??= new Error('the hashing worker was stopped');
    void this.worker.terminate();
  }
}

/** A Buffer of `size` bytes over a SharedArrayBuffer, for PartHasher. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** A CRC32 as S3 states it (`x-amz-checksum-crc32`): base64 of its 4 big-endian bytes. */
export function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/**
 * The object's CRC32 as S3 reports it for these part CRC32s: the plain form for one part, the
 * COMPOSITE `<base64 crc32 of the parts' big-endian crc32s>-<parts>` for several; undefined when
 * a part's CRC32 is unknown (a Node without `zlib.crc32`).
 */
export function objectCrc32(partCrc32s: readonly (number | undefined)[]): string | undefined {
  if (partCrc32s.some((crc) => crc === undefined) || crc32 === undefined) return undefined;
  const crcs = partCrc32s as number[];
  return crcs.length === 1 ? crc32Base64(crcs[0]!) : compositeCrc32(crcs);
}

/** The COMPOSITE form `<base64 crc32 of the parts' big-endian crc32s>-<parts>`, for any number of parts (a multipart upload of one part included). */
export function compositeCrc32(partCrc32s: readonly number[]): string {
  const joined = Buffer.alloc(4 * partCrc32s.length);
  partCrc32s.forEach((crc, i) => joined.writeUInt32BE(crc >>> 0, 4 * i));
  return `${crc32Base64(crc32(joined))}-${partCrc32s.length}`;
}

/**
 * A multipart object's ETag as S3 gives it for these part MD5s (hex):
 * `<hex MD5 of the parts' binary MD5s>-<parts>`. Not documented by AWS as a contract, but the form
 * S3 and S3-compatible servers (MinIO, Ceph) answer for objects without SSE-KMS or SSE-C.
 */
export function multipartEtag(partMd5s: readonly string[]): string {
  return `${createHash('md5').update(Buffer.from(partMd5s.join(''), 'hex')).digest('hex')}-${partMd5s.length}`;
}
