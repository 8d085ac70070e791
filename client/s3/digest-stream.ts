import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

// The hashing runs in a worker thread: MD5 on the main thread cost more than a third of an
// upload's CPU and stalled the event loop that feeds the part requests (bench/uploads.ts). Each
// byte goes through one MD5 (the whole content, what a single-part ETag is and what S3-compatible
// servers such as s3rver report for multipart uploads too) and one CRC32 per part (zlib's, native
// and several times cheaper than MD5), from which the checksum S3 reports for the object, single
// or composite, is derived. A second MD5 per part, for the AWS multipart ETag, used to cost as
// much again as the first. Self-contained source, so the bundles need no second file.
const DIGEST_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib'); // Node 20.15+; without it only the MD5 is checked
const whole = createHash('md5');
let part = 0;
const parts = [];
parentPort.on('message', (message) => {
  if (message === 'cut') {
    parts.push(part);
    part = 0;
  } else if (message === 'end') {
    parentPort.postMessage({ md5: whole.digest('hex'), partCrc32s: crc32 ? parts : undefined });
  } else {
    whole.update(message);
    if (crc32) part = crc32(message, part);
    parentPort.postMessage(message.byteLength);
  }
});
`;

interface Digests {
  /** Hex MD5 of the whole content. */
  readonly md5: string;
  /** CRC32 of each part, in order; undefined on a Node without `zlib.crc32`. */
  readonly partCrc32s?: readonly number[];
}

/** Bytes handed to the worker and not yet hashed, before the stream stops taking more. */
const MAX_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * MD5 of a stream as a whole and CRC32 per multipart part, computed as the bytes go by, so an
 * upload or download can be checked against what S3 reports without reading the file twice:
 * ETag = md5(content) for a single part (and on servers that use it for multipart objects too);
 * the CRC32 checksum = base64(crc32) for one part, base64(crc32(concat(part crc32s)))-<parts>
 * for a multipart upload (AWS "COMPOSITE" checksums, in big-endian bytes).
 */
export class DigestStream extends Transform {
  private readonly worker = new Worker(DIGEST_WORKER, { eval: true });
  private readonly result: Promise<Digests>;
  private digests: Digests | undefined;
  private partFill = 0;
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  bytes = 0;

  constructor(private readonly partSize = Number.POSITIVE_INFINITY) {
    super();
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
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSize - this.partFill);
      // A copy the worker owns: the chunk itself travels on to the upload or the file.
      const copy = new Uint8Array(chunk.subarray(offset, offset + take));
      this.worker.postMessage(copy, [copy.buffer]);
      this.inFlight += take;
      this.partFill += take;
      offset += take;
      if (this.partFill === this.partSize) this.cutPart();
    }
    if (this.inFlight <= MAX_IN_FLIGHT) callback(null, chunk);
    else this.waiting = () => callback(null, chunk);
  }

  /** The stream ends only once the digests are in, so they are ready when the consumer is done. */
  override _flush(callback: TransformCallback): void {
    if (this.partFill > 0 || this.bytes === 0) this.cutPart();
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

  private cutPart(): void {
    this.worker.postMessage('cut');
    this.partFill = 0;
  }

  /** The hex MD5 of everything that went by: the ETag of a correct single-part object. */
  md5(): string {
    if (!this.digests) throw new Error('md5() before the end of the stream');
    return this.digests.md5;
  }

  /**
   * The CRC32 checksum (`x-amz-checksum-crc32`, base64) S3 reports for these bytes uploaded in
   * parts of `partSize`: the plain form for one part, the composite `<base64>-<parts>` form for
   * several. Undefined where Node has no `zlib.crc32` (before 20.15).
   * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
   */
  crc32Checksum(): string | undefined {
    if (!this.digests) throw new Error('crc32Checksum() before the end of the stream');
    const parts = this.digests.partCrc32s;
    if (!parts) return undefined;
    const bigEndian = (value: number) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value >>> 0);
      return bytes;
    };
    if (parts.length === 1) return bigEndian(parts[0]!).toString('base64');
    return `${bigEndian(crc32(Buffer.concat(parts.map(bigEndian)))).toString('base64')}-${parts.length}`;
  }
}

/** An ETag that is a content MD5 (not SSE-KMS, not SSE-C), without its quotes. */
export function plainEtag(etag: string | undefined, serverSideEncryption: string | undefined): string | undefined {
  if (!etag || serverSideEncryption === 'aws:kms' || serverSideEncryption === 'aws:kms:dsse') return undefined;
  return etag.replace(/^"|"$/g, '').toLowerCase();
}

/** Counts the bytes going by, for a download whose ETag no MD5 can confirm (multipart, SSE-KMS). */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
