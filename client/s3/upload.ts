/**
 * `s3-ops upload`: the file read part by part into reused shared buffers, each part's CRC32
 * computed in a worker thread (client/s3/part-hasher.ts) and sent with it for S3 to verify on
 * receipt, then checked once more against what S3 reports for the whole object.
 *
 * Part size and concurrency:
 * - Parts are the `--part-size` (8 MiB by default, as the AWS CLI's multipart_chunksize), grown
 *   in whole MiB so that no file needs more than S3's 10,000 parts; a file of one part or less
 *   (zero bytes included) is one PutObject.
 * - UPLOAD_CONCURRENCY (8) parts are in flight: twice lib-storage's default 4 that this replaced,
 *   close to the AWS CLI's max_concurrent_requests of 10, so the server always has parts to take
 *   while others are signed and answered; what bounds it is memory: one more part is read and
 *   hashed ahead, so (concurrency + 1) × part size is buffered, 72 MiB by default (parts grow
 *   past 8 MiB only above 78 GiB; at S3's 5 TiB maximum they are 525 MiB, 4.6 GiB buffered).
 *   Reads are one at a time, in order, as the MD5 needs them, into buffers that are reused
 *   rather than allocated per part.
 *
 * What is checked:
 * - Each part carries `x-amz-checksum-crc32`, which S3 verifies before it stores the part
 *   (BadDigest otherwise); so the payload is sent as `UNSIGNED-PAYLOAD` rather than hashed a
 *   second time with SHA-256 on the main thread for the signature (the CRC32 already covers it,
 *   and the signature still covers the checksum header).
 * - The object's CRC32 as S3 reports it (plain for one part, COMPOSITE `<base64>-<parts>` for a
 *   multipart upload) is compared with the one built from the parts' CRC32s.
 * - ETags, where they are MD5s (no SSE-KMS): a part's with the part's MD5 as each part is
 *   answered, so that a part corrupted on its way to a server that ignores checksums stops the
 *   upload there; the object's with the file's MD5 (one part) or with S3's multipart form
 *   `<md5 of the part md5s>-<parts>`. A multipart upload whose first answered part echoes its
 *   CRC32 is on a server that verifies them (S3, MinIO, the local S3 of the tests), and MD5s
 *   (about 1 s of CPU per 512 MiB, six times CRC32's) are no longer computed.
 * Source of the checksum forms: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 * A failed upload aborts the multipart upload once the parts in flight have finished, so no
 * parts are left behind.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { S3OpsError } from '../errors';
import { plainEtag } from './digest-stream';
import { PartHasher, crc32Base64, multipartEtag, objectCrc32, sharedBuffer } from './part-hasher';
import { ProgressBar } from './progress-bar';

const MD5_HEX = /^[0-9a-f]{32}$/;
const MULTIPART_ETAG = /^[0-9a-f]{32}-\d+$/;

/** Parts in flight at once (see the module's docstring for why 8). */
export const UPLOAD_CONCURRENCY = 8;
/** S3's limit on the parts of one upload (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;

export interface UploadInput {
  readonly client: S3Client;
  readonly bucket: string;
  /** The full key. */
  readonly key: string;
  readonly localPath: string;
  /** Its size in bytes, as stat gave it before the upload. */
  readonly size: number;
  /** @default 8 MiB */
  readonly partSize: number;
  /** Runs one S3 call, turning its failure into an S3OpsError. */
  readonly guard: <T>(call: () => Promise<T>) => Promise<T>;
}

export interface UploadResult {
  readonly key: string;
  readonly bytes: number;
  readonly etag?: string;
  /** The object's ETag was compared with the MD5 of the file (one part) or of its parts (S3's multipart form); false for SSE-KMS and when the MD5s were not computed. */
  readonly etagVerified: boolean;
  /** S3 verified every part's CRC32 on receipt, or the CRC32 it reported for the object was compared with the file's. */
  readonly crc32Verified: boolean;
}

/**
 * Uploads `localPath` (`size` bytes) to `key`. Errors (S3OpsError): the guard's
 * (S3_ACCESS_DENIED, S3_OPERATION_FAILED), INTEGRITY_CHECK_FAILED when what S3 reports is not
 * what was read, S3_OPERATION_FAILED when the file is shorter than it was at the start.
 */
export async function uploadObject(input: UploadInput): Promise<UploadResult> {
  const { client, bucket, key, localPath, size, guard } = input;
  const where = `upload of ${localPath} to s3://${bucket}/${key}`;
  const partSize = Math.max(input.partSize, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  const parts = Math.max(1, Math.ceil(size / partSize));
  const multipart = parts > 1;
  const progress = new ProgressBar(`upload ${basename(localPath)}`, size);
  const hasher = new PartHasher();
  let file: FileHandle | undefined;
  let uploadId: string | undefined;
  try {
    file = await open(localPath, 'r');
    if (multipart) {
      const created = await guard(() => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' })));
      uploadId = created.UploadId;
    }
    const concurrency = Math.min(UPLOAD_CONCURRENCY, parts);
    // One buffer per part in flight, and one being read and hashed ahead.
    const free = Array.from({ length: Math.min(concurrency + 1, parts) }, () => sharedBuffer(Math.min(partSize, size)));
    const waitingForBuffer: ((buffer: Buffer) => void)[] = [];
    const takeBuffer = () => (free.length > 0 ? Promise.resolve(free.pop()!) : new Promise<Buffer>((resolve) => waitingForBuffer.push(resolve)));
    const giveBack = (buffer: Buffer) => (waitingForBuffer.length > 0 ? waitingForBuffer.shift()!(buffer) : free.push(buffer));

    const completed: CompletedPart[] = [];
    const partCrc32s: (number | undefined)[] = [];
    const partMd5s: (string | undefined)[] = [];
    let sent = 0;
    let reading = Promise.resolve();
    let nextPart = 0;
    let failure: unknown;
    let single: { ETag?: string; ChecksumCRC32?: string; ServerSideEncryption?: string } | undefined;
    let partsVerifiedByServer = 0;
    let md5Needed = false;

    const sendPart = async (index: number) => {
      const buffer = await takeBuffer();
      const length = Math.min(partSize, size - index * partSize);
      // Read in order, one at a time: the file is read sequentially, however the parts are answered.
      const read = reading.then(async () => {
        if (failure !== undefined) throw failure;
        await readFully(file!, buffer, length, index * partSize, where);
        return hasher.add(buffer.subarray(0, length));
      });
      reading = read.then(() => undefined, () => undefined);
      const hashing = await read;
      try {
        const crc = await hashing.crc32;
        partCrc32s[index] = crc;
        const body = buffer.subarray(0, length);
        const checksum = crc === undefined ? {} : { ChecksumCRC32: crc32Base64(crc) };
        if (multipart) {
          const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: body, ContentLength: length, ...checksum });
          unsignedPayload(command);
          const answer = await guard(() => client.send(command));
          completed[index] = { PartNumber: index + 1, ETag: answer.ETag, ...(answer.ChecksumCRC32 ? { ChecksumCRC32: answer.ChecksumCRC32 } : checksum) };
          if (answer.ChecksumCRC32 !== undefined && answer.ChecksumCRC32 === checksum.ChecksumCRC32) partsVerifiedByServer++;
          else md5Needed = true;
          // A server that echoes the part's CRC32 has verified it (BadDigest otherwise): the MD5s,
          // kept for servers that ignore checksums, are then not needed. Parts already answered without an echo keep theirs.
          if (partsVerifiedByServer === 1 && !md5Needed) hasher.skipMd5();
          const md5 = (partMd5s[index] = await hashing.md5);
          const etag = plainEtag(answer.ETag, answer.ServerSideEncryption);
          if (md5 !== undefined && etag !== undefined && MD5_HEX.test(etag) && etag !== md5) {
            const [first, last] = [index * partSize, index * partSize + length - 1];
            throw new S3OpsError('INTEGRITY_CHECK_FAILED', `${where}: S3 reports ETag ${etag} for part ${index + 1}, bytes ${first}-${last} of the file give MD5 ${md5}`);
          }
        } else {
          const command = new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: length, ...checksum });
          if (crc !== undefined) unsignedPayload(command);
          single = await guard(() => client.send(command));
          partMd5s[index] = await hashing.md5;
        }
        sent += length;
        progress.update(sent);
      } finally {
        // The buffer is reused only once the worker no longer reads it.
        void hashing.md5.then(
          () => giveBack(buffer),
          () => giveBack(buffer),
        );
      }
    };
    const worker = async () => {
      while (failure === undefined && nextPart < parts) await sendPart(nextPart++);
    };
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        worker().catch((error: unknown) => {
          // The first failure stops the rest. Parts in flight are let finish rather than cut off:
          // S3 may still store a part whose request was cut after the abort below, leaving it
          // behind (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html).
          failure ??= error;
        }),
      ),
    );
    if (failure !== undefined) throw failure;

    let reported: { ETag?: string; ChecksumCRC32?: string; ServerSideEncryption?: string };
    if (multipart) {
      reported = await guard(() =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: completed } })),
      );
      uploadId = undefined; // complete: nothing left to abort
    } else {
      reported = single!;
    }
    progress.finish();

    // One part: the ETag is the content's MD5. Several: S3's form, the MD5 of the parts' MD5s; a
    // server that answers another form (s3rver's own MD5 of the whole content) leaves the parts' ETags checked.
    const etag = plainEtag(reported.ETag, reported.ServerSideEncryption);
    // Where the server verified every part's CRC32, the MD5s stopped at a point that depends on
    // timing: the ETag is left to the CRC32s, so that the result does not vary from run to run.
    const md5sComplete = (!multipart || md5Needed) && partMd5s.every((md5) => md5 !== undefined);
    const md5s = md5sComplete ? (partMd5s as string[]) : undefined;
    const expectedEtag = md5s === undefined ? undefined : multipart ? multipartEtag(md5s) : md5s[0]!;
    const etagVerified = etag !== undefined && expectedEtag !== undefined && (multipart ? MULTIPART_ETAG : MD5_HEX).test(etag);
    if (etagVerified && etag !== expectedEtag) {
      const what = multipart ? `the MD5 of its ${parts} parts' MD5s gives ${expectedEtag}` : `the file's MD5 gives ${expectedEtag}`;
      throw new S3OpsError('INTEGRITY_CHECK_FAILED', `${where}: S3 reports ETag ${etag}, ${what}`);
    }
    const expected = objectCrc32(partCrc32s);
    if (reported.ChecksumCRC32 !== undefined && expected !== undefined && reported.ChecksumCRC32 !== expected) {
      throw new S3OpsError('INTEGRITY_CHECK_FAILED', `${where}: S3 reports CRC32 ${reported.ChecksumCRC32}, the file gives ${expected}`);
    }
    const objectCrc32Verified = reported.ChecksumCRC32 !== undefined && expected !== undefined;
    return { key, bytes: size, etag, etagVerified, crc32Verified: objectCrc32Verified || (multipart && partsVerifiedByServer === parts) };
  } catch (error) {
    if (uploadId !== undefined) {
      const id = uploadId;
      // Best effort: the upload's own error is the one to report.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id })).catch(() => undefined);
    }
    throw error;
  } finally {
    hasher.stop();
    await file?.close();
  }
}

/**
 * The payload goes unhashed in the signature (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, as the
 * SDK does for every streamed body): its CRC32 header, which S3 verifies, covers the bytes.
 */
function unsignedPayload(command: UploadPartCommand | PutObjectCommand): void {
  // The client's stack type: one for both commands (a union of the two has no callable add).
  (command.middlewareStack as unknown as S3Client['middlewareStack']).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'oidcS3UnsignedPayload' },
  );
}

/** Reads exactly `length` bytes at `position` into `buffer`; a file that has shrunk since stat is an error. */
async function readFully(file: FileHandle, buffer: Buffer, length: number, position: number, where: string): Promise<void> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      throw new S3OpsError('S3_OPERATION_FAILED', `${where} failed: the file ended at byte ${position + filled}, before the ${position + length} it had when the upload started (changed while uploading?)`);
    }
    filled += bytesRead;
  }
}
