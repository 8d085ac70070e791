import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

// The hashing runs in a worker thread: two MD5s over every byte (whole and per part) on the main
// thread cost more than a third of an upload's CPU and stalled the event loop that feeds the
// part requests (bench/uploads.ts). Self-contained source, so the bundles need no second file.
const MD5_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const whole = createHash('md5');
let part = createHash('md5');
const parts = [];
parentPort.on('message', (message) => {
  if (message === 'cut') {
    parts.push(part.digest());
    part = createHash('md5');
  } else if (message === 'end') {
    parentPort.postMessage({ whole: whole.digest('hex'), parts });
  } else {
    whole.update(message);
    part.update(message);
    parentPort.postMessage(message.byteLength);
  }
});
`;

/** Bytes handed to the worker and not yet hashed, before the stream stops taking more. */
const MAX_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * MD5 of a stream as a whole and per multipart part, computed as the bytes go by, so an upload
 * or download can be checked against the ETag S3 reports without reading the file twice:
 * single-part ETag = md5(content); multipart ETag (AWS) = md5(concat(part md5s))-<parts>.
 */
export class DigestStream extends Transform {
  private readonly worker = new Worker(MD5_WORKER, { eval: true });
  private readonly result: Promise<{ whole: string; parts: Uint8Array[] }>;
  private etags: string[] | undefined;
  private partFill = 0;
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  bytes = 0;

  constructor(private readonly partSize = Number.POSITIVE_INFINITY) {
    super();
    this.result = new Promise((resolve, reject) => {
      this.worker.on('message', (message: number | { whole: string; parts: Uint8Array[] }) => {
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
      this.worker.on('exit', () => reject(new Error('the MD5 worker stopped before the end of the stream')));
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
    this.result.then(({ whole, parts }) => {
      const composite = `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
      this.etags = parts.length > 1 ? [whole, composite] : [whole];
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

  /** The ETags a correct upload of these bytes can have: plain MD5, and the multipart form. */
  expectedEtags(): string[] {
    if (!this.etags) throw new Error('expectedEtags() before the end of the stream');
    return this.etags;
  }
}

/** An ETag that is a content MD5 (not SSE-KMS, not SSE-C), without its quotes. */
export function plainEtag(etag: string | undefined, serverSideEncryption: string | undefined): string | undefined {
  if (!etag || serverSideEncryption === 'aws:kms' || serverSideEncryption === 'aws:kms:dsse') return undefined;
  return etag.replace(/^"|"$/g, '').toLowerCase();
}
