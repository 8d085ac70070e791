// S3 for the tests and the sandbox: s3rver speaks the S3 REST protocol over a temp directory. It checks that the
// access key of every signed request is one it knows (it does not recompute SigV4 signatures), so
// tests register the keys the STS stub hands out and any other key is refused (InvalidAccessKeyId).
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { localTls } from './local-tls';
import { installS3Checksums } from './s3-checksums';

/** What s3rver's filesystem store hands putObject, and the two of its methods the fix below uses. */
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
export interface FilesystemStore {
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putObjectMultipart(bucket: string, uploadId: string, parts: readonly ListedPart[]): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string | undefined, resourceType: 'object' | 'uploads'): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

interface S3rverInstance {
  readonly store: FilesystemStore;
  /** Koa's middleware list (s3rver is a Koa app), composed when it starts listening. */
  readonly middleware: Parameters<typeof installS3Checksums>[0]['middleware'];
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface AwsAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: AwsAccount };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;

export interface LocalS3 {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_S3 / --endpoint-url (path-style addressing). */
  readonly url: string;
  readonly bucket: string;
  /** Where s3rver keeps objects: `<directory>/<bucket>/<key>._S3rver_object`. */
  readonly directory: string;
  /** Access key pairs accepted besides s3rver's default S3RVER/S3RVER. */
  readonly accessKeys: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Makes s3rver accept another key pair (until close), e.g. each STS session the sandbox's S3 endpoint lets through. */
  admit(accessKeyId: string, secretAccessKey: string): void;
  close(): Promise<void>;
}

export interface LocalS3Options {
  readonly bucket?: string;
  /**
   * Serve HTTPS with the local CA's certificate. Needed by clients that sign payloads in
   * aws-chunked streaming form over plain HTTP (minio-go, so restic), which s3rver stores as is.
   * @default false
   */
  readonly tls?: boolean;
}

export async function startS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'oidc-s3-s3rver-'));
  const bucket = options.bucket ?? 'oidc-s3-test-uploads';
  const suffix = Math.random().toString(36).slice(2, 10).toUpperCase();
  const accessKeys = { accessKeyId: `ASIATEST${suffix}`, secretAccessKey: `test-secret-${suffix}` };
  DUMMY_ACCOUNT.createKeyPair(accessKeys.accessKeyId, accessKeys.secretAccessKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
    ...(options.tls ? { key: localTls().key, cert: localTls().cert } : {}),
  });
  readAfterWrite(server.store);
  completeAsS3(server.store);
  installS3Checksums({ middleware: server.middleware, store: server.store });
  const { port } = await server.run();
  const admitted: string[] = [];
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    bucket,
    directory,
    accessKeys,
    admit(accessKeyId, secretAccessKey) {
      DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
      admitted.push(accessKeyId);
    },
    async close() {
      await server.close();
      DUMMY_ACCOUNT.revokeAccessKey(accessKeys.accessKeyId);
      for (const id of admitted) DUMMY_ACCOUNT.revokeAccessKey(id);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver answers a PutObject (and a CompleteMultipartUpload, which ends in the same call) before
 * the object's file is written: its promise settles when the body has been read, not when its
 * write stream has finished (s3rver 3.7.1, lib/stores/filesystem.js putObject). A read right after
 * the answer can then see a short object, which real S3 never shows (it is read-after-write
 * consistent). This putObject does what s3rver's does, finishing the write first.
 */
export function readAfterWrite(store: FilesystemStore): void {
  store.putObject = async function putObject(this: FilesystemStore, object: StoredObject) {
    const path = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(body, measure, createWriteStream(path));
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
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
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((sum, size) => sum + size, 0));
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
    const etag = `${createHash('md5').update(Buffer.from(partMd5s.join(''), 'hex')).digest('hex')}-${parts.length}`;
    await this.putMetadata(bucket, key, metadata, etag);
    await rm(uploadDir, { recursive: true, force: true });
    return { size: sizes.reduce((sum, size) => sum + size, 0), md5: etag };
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
