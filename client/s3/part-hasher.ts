import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

// Hashing in a worker thread, on the part buffers themselves: they live in SharedArrayBuffers,
// so nothing is copied or transferred to hash them, and the main thread (which signs and sends
// the requests, and shares two cores with everything else) hashes nothing. Per part, the CRC32
// is answered first, because the part's request waits for it (S3 verifies it on receipt), then
// the part goes into the MD5 of the whole content (what a single-part ETag is, and what
// S3-compatible servers such as s3rver report for multipart objects too). zlib's crc32 is
// native; MD5 is node:crypto's. Self-contained source, so the bundles need no second file.
const PART_HASHER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib'); // Node 20.15+; without it the SDK computes the part CRC32s
let md5 = createHash('md5');
parentPort.on('message', (message) => {
  if (message === 'end') return parentPort.postMessage({ done: true, md5: md5 === undefined ? undefined : md5.digest('hex') });
  if (message === 'skip-md5') return (md5 = undefined);
  const view = new Uint8Array(message.buffer, 0, message.length);
  parentPort.postMessage({ index: message.index, crc32: crc32 === undefined ? undefined : crc32(view) });
  md5?.update(view);
  parentPort.postMessage({ index: message.index, hashed: true });
});
`;

/** What hashing one part gives: its CRC32 (undefined on a Node without `zlib.crc32`), then the news that the whole-content MD5 has taken it. */
export interface PartHashing {
  readonly crc32: Promise<number | undefined>;
  /** Resolves once the worker no longer reads the buffer. */
  readonly hashed: Promise<void>;
}

interface Pending {
  crc32: (value: number | undefined) => void;
  hashed: () => void;
  fail: (error: Error) => void;
}

/**
 * Hashes parts handed over in content order, in a worker thread: a CRC32 per part and the MD5
 * of everything. Parts must be views from offset 0 of a SharedArrayBuffer-backed Buffer
 * (`sharedBuffer`), which the caller must not overwrite until `hashed` resolves. A failed or
 * stopped worker rejects every pending promise.
 */
export class PartHasher {
  private readonly worker = new Worker(PART_HASHER, { eval: true });
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private finished: { resolve: (md5: string | undefined) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (message: { index?: number; crc32?: number; hashed?: true; done?: true; md5?: string }) => {
      if (message.done) return this.finished?.resolve(message.md5);
      const pending = this.pending.get(message.index!);
      if (!pending) return undefined;
      if (message.hashed) {
        this.pending.delete(message.index!);
        return pending.hashed();
      }
      return pending.crc32(message.crc32);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const pending of this.pending.values()) pending.fail(this.failure);
      this.pending.clear();
      this.finished?.reject(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing worker stopped before the end of the content')));
  }

  /** Hashes `part` (bytes 0..length of a shared buffer) as the next part of the content. */
  add(part: Buffer): PartHashing {
    if (!(part.buffer instanceof SharedArrayBuffer) || part.byteOffset !== 0) throw new Error('PartHasher.add takes a view from offset 0 of a SharedArrayBuffer');
    const index = this.next++;
    let pending!: Pending;
    const crc32 = new Promise<number | undefined>((resolve, reject) => (pending = { crc32: resolve, hashed: () => undefined, fail: reject }));
    const hashed = new Promise<void>((resolve, reject) => {
      const failCrc = pending.fail;
      pending.hashed = resolve;
      pending.fail = (error) => {
        failCrc(error);
        reject(error);
      };
    });
    // Whoever awaits only one of the two must not leave the other rejected and unhandled.
    crc32.catch(() => undefined);
    hashed.catch(() => undefined);
    if (this.failure) pending.fail(this.failure);
    else {
      this.pending.set(index, pending);
      this.worker.postMessage({ index, buffer: part.buffer, length: part.length });
    }
    return { crc32, hashed };
  }

  /**
   * Stops the MD5 from here on, for content whose every part the server verifies by its CRC32
   * (it echoed the checksum back): MD5 is the costlier hash, several times CRC32's CPU.
   */
  skipMd5(): void {
    if (!this.failure) this.worker.postMessage('skip-md5');
  }

  /** The hex MD5 of every part added, in order (undefined after skipMd5); stops the worker. */
  async md5(): Promise<string | undefined> {
    if (this.failure) throw this.failure;
    const md5 = new Promise<string | undefined>((resolve, reject) => (this.finished = { resolve, reject }));
    this.worker.postMessage('end');
    try {
      return await md5;
    } finally {
      this.stop();
    }
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
