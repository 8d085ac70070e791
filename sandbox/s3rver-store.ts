// Corrections to s3rver's filesystem store (3.7.1), where it departs from S3 in what a client
// sees or costs every client seconds that S3 does not:
// - PutObject answers only once the object is whole on disk, its MD5 computed in a worker thread (readAfterWrite);
// - UploadPart answers once the part is whole on disk, its MD5 computed in a worker thread
//   (partsHashedOffThread);
// - CompleteMultipartUpload joins the parts without reading them again, into a file renamed into
//   place once whole, and answers S3's errors and ETag form (completeAsS3).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';

/** What s3rver's filesystem store hands putObject. */
interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly metadata: Record<string, string>;
  readonly content: Buffer | Readable;
}
/** A part as CompleteMultipartUpload lists it (s3rver's controller has taken the quotes off the ETag). */
interface ListedPart {
  readonly number: number;
  readonly etag: string;
}
/** The methods of s3rver's filesystem store (3.7.1, lib/stores/filesystem.js) these corrections replace or use. */
export interface FilesystemStore {
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<{ size: number; md5: string }>;
  putObjectMultipart(bucket: string, uploadId: string, parts: readonly ListedPart[]): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string | undefined, resourceType: 'object' | 'uploads'): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;

/** Applies every correction below to `store`, with one MD5 worker for objects and parts; `close` stops it. */
export function correctStore(store: FilesystemStore): { close(): Promise<void> } {
  const md5 = new Md5Worker();
  readAfterWrite(store, md5);
  partsHashedOffThread(store, md5);
  completeAsS3(store);
  return { close: () => md5.close() };
}

/**
 * s3rver answers a PutObject before the object's file is written: its promise settles when the body has been read, not when its
 * write stream has finished (s3rver 3.7.1, lib/stores/filesystem.js putObject). A read right after
 * the answer can then see a short object, which real S3 never shows (it is read-after-write
 * consistent). This putObject does what s3rver's does, finishing the write first; the MD5 is
 * computed by `md5` (a worker of its own unless one is given).
 */
export function readAfterWrite(store: FilesystemStore, md5: Md5Worker = new Md5Worker()): void {
  store.putObject = async function putObject(this: FilesystemStore, object: StoredObject) {
    const path = this.getResourcePath(object.bucket, object.key, 'object');
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    const written = await writeHashed(body, path, md5);
    await this.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
}

/** Writes `content` to `path` (its folder made if needed), its MD5 computed by `md5`; settles once the file is written. */
async function writeHashed(content: Readable, path: string, md5: Md5Worker): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const hashing = md5.stream();
  await pipeline(content, hashing, createWriteStream(path));
  return { size: hashing.bytes, md5: await hashing.digest };
}

// Four copies of 1 MiB at a time: as fast as `cat` (copy_file_range) here, 0.2 s per 512 MiB;
// one copy of 8 MiB at a time (a buffer larger than the CPU's cache) took 0.9 s.
const JOIN_BUFFER_BYTES = 1024 * 1024;
const JOIN_COPIES = 4;

/**
 * CompleteMultipartUpload as S3 answers it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html): the listed
 * parts of a known upload (NoSuchUpload otherwise), in ascending order and each with the ETag it
 * was answered with (InvalidPartOrder, InvalidPart otherwise), are joined into the object, whose ETag is `<MD5 of the parts' binary
 * MD5s>-<parts>`. s3rver 3.7.1 instead reads the joined object through its one JavaScript thread
 * to give it the MD5 of the whole content, an ETag S3 never gives a multipart object, while the
 * client waits: 2 s per 512 MiB here, a third of a whole upload, the same for every client. The
 * parts are copied at their offsets by the file system's thread pool into a temporary file that
 * is renamed into place, so that a read never sees half an object.
 */
export function completeAsS3(store: FilesystemStore): void {
  store.putObjectMultipart = async function putObjectMultipart(this: FilesystemStore, bucket: string, uploadId: string, parts: readonly ListedPart[]) {
    const uploadDir = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const partPath = (part: ListedPart) => join(uploadDir, String(part.number));
    if (parts.some((part, i) => i > 0 && part.number <= parts[i - 1]!.number)) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const [key, metadata, partMd5s] = await Promise.all([
      readFile(join(uploadDir, 'key'), 'utf8').catch(() => {
        throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
      }),
      readFile(join(uploadDir, 'metadata'), 'utf8').then((text) => JSON.parse(text) as Record<string, string>),
      Promise.all(parts.map((part) => readFile(`${partPath(part)}.md5`, 'utf8').catch(() => undefined))),
    ]);
    parts.forEach((part, i) => {
      if (partMd5s[i] !== part.etag.toLowerCase()) {
        throw new S3Error('InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
          UploadId: uploadId,
          PartNumber: String(part.number),
          ETag: part.etag,
        });
      }
    });
    const sizes = await Promise.all(parts.map(async (part) => (await stat(partPath(part))).size));
    let size = 0;
    const offsets = sizes.map((partSize) => (size += partSize) - partSize);
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const joining = `${objectPath}.${uploadId}.joining`;
    const out = await open(joining, 'w');
    try {
      let next = 0;
      const copier = async () => {
        const buffer = Buffer.allocUnsafe(JOIN_BUFFER_BYTES);
        for (let i = next++; i < parts.length; i = next++) await copyAt(partPath(parts[i]!), out, offsets[i]!, buffer);
      };
      await Promise.all(Array.from({ length: JOIN_COPIES }, copier));
    } catch (error) {
      await rm(joining, { force: true });
      throw error;
    } finally {
      await out.close();
    }
    await rename(joining, objectPath);
    // Computed here, not with the client's multipartEtag: the stand-in shares no code with what it checks.
    const etag = `${createHash('md5').update(Buffer.from(partMd5s.join(''), 'hex')).digest('hex')}-${parts.length}`;
    await this.putMetadata(bucket, key, metadata, etag);
    await rm(uploadDir, { recursive: true, force: true });
    return { size, md5: etag };
  };
}

/** Copies the file at `from` into `out` from byte `offset` on, through `buffer`. */
async function copyAt(from: string, out: FileHandle, offset: number, buffer: Buffer): Promise<void> {
  const input = await open(from, 'r');
  try {
    for (let position = offset; ; ) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      await out.write(buffer, 0, bytesRead, position);
      position += bytesRead;
    }
  } finally {
    await input.close();
  }
}

/**
 * UploadPart's store step, as s3rver's with two differences. It answers once the part's file is
 * written, not when its body has been read (a CompleteMultipartUpload right after could read a
 * short part). And the part's MD5, its ETag, is computed in a worker thread: on s3rver's one
 * JavaScript thread, which also parses and routes every request, it was 2 s of every GiB uploaded
 * (a CPU profile of 2 GiB uploads), while the machine's other core waited.
 */
export function partsHashedOffThread(store: FilesystemStore, md5: Md5Worker): void {
  store.putPart = async function putPart(this: FilesystemStore, bucket: string, uploadId: string, partNumber: number, content: Readable) {
    const path = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const written = await writeHashed(content, path, md5);
    await writeFile(`${path}.md5`, written.md5);
    return written;
  };
}

const MD5_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const running = new Map();
parentPort.on('message', ({ id, bytes, end }) => {
  let hash = running.get(id);
  if (hash === undefined) running.set(id, (hash = createHash('md5')));
  if (bytes !== undefined) hash.update(bytes);
  if (end) {
    running.delete(id);
    parentPort.postMessage({ id, md5: hash.digest('hex') });
  }
});
`;
/** Bytes gathered before they are handed to the worker: a message per socket read (64 KiB) would cost the main thread more than it saves. */
const MD5_BATCH_BYTES = 1024 * 1024;

/** A stream that passes its bytes through and has them hashed with MD5 in the worker. */
interface Md5Stream extends Transform {
  readonly bytes: number;
  /** The hex MD5 of every byte that went through, once the stream has ended. */
  readonly digest: Promise<string>;
}

/** One worker thread that hashes any number of streams at once, started with the first. */
export class Md5Worker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (md5: string) => void; reject: (error: Error) => void }>();

  stream(): Md5Stream {
    const worker = this.start();
    const id = this.nextId++;
    const digest = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    digest.catch(() => undefined); // a failed pipeline never asks for it
    let batch = Buffer.allocUnsafe(MD5_BATCH_BYTES);
    let filled = 0;
    let ended = false;
    const send = (end: boolean) => {
      // Transferred, not copied: the batch is the worker's from here on.
      const bytes = filled > 0 ? new Uint8Array(batch.buffer, batch.byteOffset, filled) : undefined;
      worker.postMessage({ id, bytes, end }, bytes ? [bytes.buffer] : []);
      batch = Buffer.allocUnsafe(MD5_BATCH_BYTES);
      filled = 0;
    };
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        for (let offset = 0; offset < chunk.length; ) {
          const taken = chunk.copy(batch, filled, offset);
          filled += taken;
          offset += taken;
          if (filled === batch.length) send(false);
        }
        (stream as { bytes: number }).bytes += chunk.length;
        callback(null, chunk);
      },
      flush(callback) {
        send(true);
        ended = true;
        callback();
      },
      destroy(error, callback) {
        // A body cut off: the worker lets go of its hash (the digest it answers is not awaited).
        if (!ended) send(true);
        ended = true;
        callback(error);
      },
    }) as Transform & { bytes: number; digest: Promise<string> };
    stream.bytes = 0;
    stream.digest = digest;
    return stream;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(MD5_WORKER, { eval: true });
    worker.unref(); // a server left open must not keep a test process alive
    worker.on('message', ({ id, md5 }: { id: number; md5: string }) => {
      this.waiting.get(id)?.resolve(md5);
      this.waiting.delete(id);
    });
    const fail = (error: Error) => {
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the local S3\'s MD5 worker stopped')));
    return (this.worker = worker);
  }
}
