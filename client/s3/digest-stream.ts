import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

// The hashing runs in a worker thread: MD5 on the main thread cost more than a third of an
// upload's CPU and stalled the event loop that feeds the requests (bench/uploads.ts). Downloads
// use it for the digests that need the bytes in order (uploads hash their shared part buffers
// with client/s3/part-hasher.ts, and downloads compute a CRC32 as the bytes arrive with
// client/s3/range-crc32.ts). Each byte goes through what the caller asks for: one MD5 (the whole
// content, what a single-part ETag is and what S3-compatible servers that ignore checksums
// report for multipart uploads too), and a CRC64NVME of the whole (S3's default full-object
// checksum; Node has no native one, so a table-driven one is built here). Self-contained
// source, so the bundles need no second file.
const DIGEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const FILE_READ = 4 * 1024 * 1024;
let fileBuffer;
const whole = workerData.md5 ? createHash('md5') : undefined;

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, initial value and final XOR all ones),
// slicing by 8, the 64-bit register kept as two 32-bit halves.
let lo64 = 0xffffffff, hi64 = 0xffffffff;
let tableLo, tableHi;
if (workerData.crc64nvme) {
  tableLo = new Uint32Array(256 * 8);
  tableHi = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let lo = n, hi = 0;
    for (let k = 0; k < 8; k++) {
      const odd = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (odd) { lo = (lo ^ 0xac4bc9b5) >>> 0; hi = (hi ^ 0x9a6c9329) >>> 0; }
    }
    tableLo[n] = lo; tableHi[n] = hi;
  }
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const lo = tableLo[(t - 1) * 256 + n], hi = tableHi[(t - 1) * 256 + n];
      const i = lo & 0xff;
      tableLo[t * 256 + n] = (((lo >>> 8) | (hi << 24)) ^ tableLo[i]) >>> 0;
      tableHi[t * 256 + n] = ((hi >>> 8) ^ tableHi[i]) >>> 0;
    }
  }
}
function crc64(bytes) {
  let lo = lo64, hi = hi64, i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  const TL = tableLo, TH = tableHi;
  for (; i < end8; i += 8) {
    const a = lo ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    const b = hi ^ (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24));
    const i7 = 1792 + (a & 0xff), i6 = 1536 + ((a >>> 8) & 0xff), i5 = 1280 + ((a >>> 16) & 0xff), i4 = 1024 + (a >>> 24);
    const i3 = 768 + (b & 0xff), i2 = 512 + ((b >>> 8) & 0xff), i1 = 256 + ((b >>> 16) & 0xff), i0 = b >>> 24;
    lo = TL[i7] ^ TL[i6] ^ TL[i5] ^ TL[i4] ^ TL[i3] ^ TL[i2] ^ TL[i1] ^ TL[i0];
    hi = TH[i7] ^ TH[i6] ^ TH[i5] ^ TH[i4] ^ TH[i3] ^ TH[i2] ^ TH[i1] ^ TH[i0];
  }
  for (; i < bytes.length; i++) {
    const x = (lo ^ bytes[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TL[x];
    hi = (hi >>> 8) ^ TH[x];
  }
  lo64 = lo >>> 0; hi64 = hi >>> 0;
}

parentPort.on('message', (message) => {
  if (message === 'end') {
    const crc64nvme = workerData.crc64nvme ? [(~hi64) >>> 0, (~lo64) >>> 0] : undefined;
    parentPort.postMessage({ md5: whole && whole.digest('hex'), crc64nvme });
  } else if (message.fd !== undefined) {
    // A range of a file the caller has written: read here, so that thread copies nothing.
    fileBuffer = fileBuffer || Buffer.allocUnsafe(FILE_READ);
    for (let done = 0; done < message.length; ) {
      const read = readSync(message.fd, fileBuffer, 0, Math.min(FILE_READ, message.length - done), message.position + done);
      if (read === 0) throw new Error('the file ended at byte ' + (message.position + done) + ' before the range to hash did');
      take(fileBuffer.subarray(0, read));
      done += read;
    }
    parentPort.postMessage(message.length);
  } else {
    take(message);
    parentPort.postMessage(message.byteLength);
  }
});
function take(bytes) {
  if (whole) whole.update(bytes);
  if (workerData.crc64nvme) crc64(bytes);
}
`;

interface Digests {
  /** Hex MD5 of the whole content, when asked for. */
  readonly md5?: string;
  /** CRC64NVME of the whole content as [high, low] 32-bit words, when asked for. */
  readonly crc64nvme?: readonly [number, number];
}

/** Which digests to compute. @default MD5 */
export interface DigestChoice {
  readonly md5?: boolean;
  readonly crc64nvme?: boolean;
}

/** Bytes handed to the worker and not yet hashed, before the stream stops taking more. */
const MAX_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * MD5 and CRC64NVME of a stream as a whole, computed in order as the bytes go by (or as file
 * ranges are named), so a download can be checked against what S3 reports: ETag = md5(content)
 * for a single part (and on servers that use it for multipart objects too); CRC64NVME as S3's
 * full-object `x-amz-checksum-crc64nvme`.
 */
export class DigestStream extends Transform {
  private readonly worker: Worker;
  private readonly result: Promise<Digests>;
  private digests: Digests | undefined;
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  bytes = 0;

  /** @param choice which digests to compute. @default MD5 */
  constructor(choice: DigestChoice = { md5: true }) {
    super();
    this.worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { md5: choice.md5 === true, crc64nvme: choice.crc64nvme === true } });
    this.result = new Promise((resolve, reject) => {
      this.worker.on('message', (message: number | Digests) => {
        if (typeof message !== 'number') return resolve(message);
        this.inFlight -= message;
        if (this.waiting && this.inFlight <= MAX_IN_FLIGHT) {
          const resume = this.waiting;
          this.waiting = undefined;
          resume();
        }
        return undefined;
      });
      this.worker.on('error', reject);
      this.worker.on('exit', () => reject(new Error('the digest worker stopped before the end of the stream')));
    });
    // Settled on every path: a failed worker fails the stream, a stopped one after the end is normal.
    this.result.catch((error: unknown) => this.destroy(error as Error));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    // A copy the worker owns: the chunk itself travels on.
    const copy = new Uint8Array(chunk);
    this.worker.postMessage(copy, [copy.buffer as ArrayBuffer]);
    this.inFlight += chunk.length;
    if (this.inFlight <= MAX_IN_FLIGHT) callback(null, chunk);
    else this.waiting = () => callback(null, chunk);
  }

  /**
   * Hashes `length` bytes of the open file `fd` from `position` as the next bytes of the
   * content, read from the file by the worker (from the page cache, for bytes just written), so
   * this thread neither copies nor keeps them: a download writes each part where it belongs and
   * names the ranges here in order. Nothing travels on. A range the file does not hold fails the
   * stream.
   */
  hashFileRange(fd: number, position: number, length: number): void {
    this.bytes += length;
    this.worker.postMessage({ fd, position, length });
    this.inFlight += length;
  }

  /** The stream ends only once the digests are in, so they are ready when the consumer is done. */
  override _flush(callback: TransformCallback): void {
    this.worker.postMessage('end');
    this.result.then((digests) => {
      this.digests = digests;
      void this.worker.terminate();
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.worker.terminate();
    callback(error);
  }

  /** The hex MD5 of everything that went by: the ETag of a correct single-part object. */
  md5(): string {
    if (!this.digests?.md5) throw new Error('md5() before the end of the stream, or not asked for');
    return this.digests.md5;
  }

  /** The CRC64NVME checksum (`x-amz-checksum-crc64nvme`, base64 of the big-endian 8 bytes), when asked for. */
  crc64nvmeChecksum(): string | undefined {
    if (!this.digests) throw new Error('crc64nvmeChecksum() before the end of the stream');
    const words = this.digests.crc64nvme;
    if (!words) return undefined;
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE(words[0], 0);
    bytes.writeUInt32BE(words[1], 4);
    return bytes.toString('base64');
  }
}

/** An ETag that is a content MD5 (not SSE-KMS, not SSE-C), without its quotes. */
export function plainEtag(etag: string | undefined, serverSideEncryption: string | undefined): string | undefined {
  if (!etag || serverSideEncryption === 'aws:kms' || serverSideEncryption === 'aws:kms:dsse') return undefined;
  return etag.replace(/^"|"$/g, '').toLowerCase();
}
