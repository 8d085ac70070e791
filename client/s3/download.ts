/**
 * `s3-ops download`: parallel ranged GETs, as the AWS CLI downloads, written into a temp file
 * beside the target at their offsets, checked, fsynced and renamed into place. The target is
 * either the old file or the whole, checked new one, never a torn one.
 *
 * Part size and concurrency are chosen as for uploads (client/s3/upload.ts): parts of the
 * `--part-size` (8 MiB by default, grown in whole MiB so that no object needs more than 10,000),
 * DOWNLOAD_CONCURRENCY (8) in flight; an object of one part or less (zero and one byte
 * included) is one plain GET. Each piece is written as it comes: straight from the connection's
 * read buffer (client/s3/socket-body-handler.ts, synchronously, before the next read), or through
 * node:http 1 MiB at a time with one writev (no copy into a part buffer). A CRC32 is
 * computed as the chunks arrive (client/s3/range-crc32.ts); for an MD5 or a CRC64NVME, which
 * need the bytes in order, the hashing worker reads whole parts back from the temp file, in
 * order, once they are written.
 *
 * What is checked, first that applies (S3's own checksums are asked for with
 * `x-amz-checksum-mode: ENABLED` on the HEAD that starts the download):
 * 1. CRC64NVME (always a full-object checksum): computed over the assembled bytes.
 * 2. CRC32, full-object, or composite (`<base64>-<parts>`, the CRC32 of the upload parts'
 *    CRC32s): the parts' size is that of part 1 (HEAD with partNumber=1), and the composite is
 *    rebuilt from the bytes cut at those boundaries.
 * 3. An ETag that is the content's MD5 (a single-part upload without SSE-KMS, and multipart
 *    objects on servers that give them the whole content's MD5, as s3rver does unpatched).
 * Otherwise (CRC32C or SHA checksums, a multipart ETag without a checksum, SSE-KMS) nothing is
 * compared and the result says so; a single GET still lets the SDK validate a full-object
 * checksum it knows. Every ranged GET carries `If-Match: <ETag>`, so an object replaced during
 * the download fails it instead of mixing two versions. Source of the checksum forms:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { renameSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { S3OpsError, firstLine } from '../errors';
import { randomHex, syncDirectory } from '../storage/atomic-file';
import { DigestStream, plainEtag, type DigestChoice } from './digest-stream';
import { compositeCrc32, crc32Base64 } from './part-hasher';
import { ProgressBar } from './progress-bar';
import { RangeCrc32, nativeCrc32 } from './range-crc32';
import { SocketBody } from './socket-body-handler';

/** Ranged GETs in flight, as many as upload parts (UPLOAD_CONCURRENCY, which says why 8). */
export const DOWNLOAD_CONCURRENCY = 8;
/** S3's limit on the parts of one upload, kept for downloads so part sizes grow the same way. */
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;
/** Bytes of a part's chunks gathered before they are written (one writev). */
const WRITE_BATCH = MIB;

/** What was compared with what S3 reports, in the words the command prints. */
export type DownloadCheck = 'CRC64NVME' | 'CRC32' | 'CRC32 composite' | 'MD5';

export interface DownloadResult {
  readonly key: string;
  readonly bytes: number;
  /** Ranged GETs made (1: a plain GET). */
  readonly parts: number;
  /** What was verified; undefined with `unverified` saying why nothing could be. */
  readonly verified?: DownloadCheck;
  readonly unverified?: string;
}

/** How the bytes will be checked, decided from the HEAD answer before any GET. */
interface Plan {
  readonly check?: DownloadCheck;
  readonly expected?: string;
  readonly digest?: DigestChoice;
  /** Bytes per CRC32 part (the upload's part size) for a composite; else Infinity. */
  readonly crcPartSize: number;
  readonly unverified?: string;
}

export interface DownloadInput {
  readonly client: import('@aws-sdk/client-s3').S3Client;
  readonly bucket: string;
  /** The full key. */
  readonly key: string;
  readonly localPath: string;
  /** @default 8 MiB */
  readonly partSize: number;
  /** Runs one S3 call, turning its failure into an S3OpsError. */
  readonly guard: <T>(call: () => Promise<T>) => Promise<T>;
}

/**
 * Downloads `key` to `localPath`. Errors (S3OpsError): the guard's (S3_ACCESS_DENIED,
 * S3_OPERATION_FAILED), INTEGRITY_CHECK_FAILED, LOCAL_FILE_UNWRITABLE; on any of them the temp
 * file is removed and `localPath` is as it was.
 */
export async function downloadObject(input: DownloadInput): Promise<DownloadResult> {
  const { client, bucket, key, localPath, guard } = input;
  const where = `s3://${bucket}/${key}`;
  const head = await guard(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' })));
  const size = head.ContentLength ?? 0;
  const partSize = Math.max(input.partSize, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  const ranged = size > partSize;
  const parts = ranged ? Math.ceil(size / partSize) : 1;
  const plan = await checkPlan(head, size, () => guard(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 }))));

  const temp = join(dirname(localPath), `.${basename(localPath)}.${randomHex(6)}.part`);
  let file: FileHandle;
  try {
    file = await open(temp, 'wx+') // read too: the hashing worker reads the parts back;
  } catch (error) {
    throw unwritable(error, where, localPath);
  }
  // A CRC32 is computed on the main thread as the bytes arrive (native, and no byte is read
  // twice); MD5 and CRC64NVME, which need the bytes in order, in the worker of a DigestStream
  // (only its digests are wanted: the bytes are written by offset). Nothing when nothing can be compared.
  const rangeCrc32 = plan.check === 'CRC32' || plan.check === 'CRC32 composite' ? new RangeCrc32(size, plan.crcPartSize) : undefined;
  const digests = plan.check === undefined || rangeCrc32 ? undefined : new DigestStream(plan.digest).resume();
  const progress = new ProgressBar(`download ${basename(key)}`, size);
  const abort = new AbortController();
  let received = 0;
  let failure: unknown;

  // In-order hashing: parts finish in any order, the digests need them in order. Each part is
  // written where it belongs and then named to the hashing worker, which reads it back from the
  // page cache itself: the bytes are neither copied nor kept on this thread.
  const written = new Set<number>();
  let nextToStart = 0;
  let nextToHash = 0;
  const partLength = (index: number) => (ranged ? Math.min(partSize, size - index * partSize) : size);
  const hashWritten = (index: number) => {
    written.add(index);
    while (written.has(nextToHash)) {
      written.delete(nextToHash);
      digests?.hashFileRange(file.fd, nextToHash * partSize, partLength(nextToHash));
      nextToHash++;
    }
  };

  const fetchPart = async (index: number): Promise<void> => {
    const start = index * partSize;
    const length = partLength(index);
    const answer = await guard(() =>
      client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(ranged ? { Range: `bytes=${start}-${start + length - 1}`, IfMatch: head.ETag } : { ChecksumMode: 'ENABLED' }),
        }),
        { abortSignal: abort.signal },
      ),
    );
    // The chunks as they came, written a batch at a time with writev (no copy into a part
    // buffer), one write in flight per part: short-lived chunks are freed by V8's young-generation
    // collections, where chunks kept for a whole part were promoted and needed full collections.
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    let position = start;
    const flush = async () => {
      await writing;
      writing = writeAt(file, batch, position);
      writing.catch(() => undefined); // awaited below; never left unhandled if the answer fails first
      position += batchBytes;
      batch = [];
      batchBytes = 0;
    };
    let filled = 0;
    const hash = rangeCrc32?.range(start);
    /** Counts and hashes one piece, in order; S3 sending more than asked for is an error. */
    const take = (piece: Buffer) => {
      if (filled + piece.length > length) throw new S3OpsError('S3_OPERATION_FAILED', `download of ${where}: S3 sent more than the ${length} bytes asked for at offset ${start}`);
      hash?.(piece);
      filled += piece.length;
      received += piece.length;
      progress.update(received);
    };
    if (answer.Body instanceof SocketBody) {
      // Each piece is a view into the connection's read buffer: hashed and written before the next read.
      await answer.Body.drain((piece) => {
        const at = start + filled;
        take(piece);
        writeFullySync(file.fd, piece, at);
      });
    } else {
      for await (const chunk of answer.Body as Readable) {
        take(chunk as Buffer);
        batch.push(chunk as Buffer);
        batchBytes += (chunk as Buffer).length;
        if (batchBytes >= WRITE_BATCH) await flush();
      }
    }
    if (filled !== length) {
      await writing.catch(() => undefined);
      throw new S3OpsError('S3_OPERATION_FAILED', `download of ${where}: the answer for bytes ${start}-${start + length - 1} ended after ${filled} of ${length} bytes`);
    }
    await flush();
    await writing;
  };

  const worker = async () => {
    while (failure === undefined && nextToStart < parts) {
      const index = nextToStart++;
      await fetchPart(index);
      hashWritten(index);
    }
  };

  try {
    await Promise.all(
      Array.from({ length: Math.min(DOWNLOAD_CONCURRENCY, parts) }, () =>
        worker().catch((error: unknown) => {
          // The first failure stops the rest: requests in flight are aborted.
          failure ??= error;
          abort.abort();
        }),
      ),
    );
    if (failure !== undefined) throw failure;
    if (digests) {
      await new Promise<void>((resolve, reject) => {
        digests.once('end', resolve);
        digests.once('error', reject);
        digests.end();
      });
    }
    progress.finish();
    await file.sync();
    await file.close();
    const actual = plan.check === undefined ? undefined : computed(plan.check, digests, rangeCrc32);
    if (plan.check !== undefined && actual !== plan.expected) {
      throw new S3OpsError('INTEGRITY_CHECK_FAILED', `download of ${where}: S3 reports ${plan.check} ${plan.expected}, the downloaded bytes give ${actual}; nothing was written to ${localPath}`);
    }
    renameSync(temp, localPath);
    syncDirectory(dirname(localPath));
  } catch (error) {
    digests?.destroy();
    await file.close().catch(() => undefined);
    rmSync(temp, { force: true });
    if (error instanceof S3OpsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EROFS') throw unwritable(error, where, localPath);
    throw new S3OpsError('S3_OPERATION_FAILED', `download of ${where} to ${localPath} failed: ${firstLine(String((error as Error).message ?? error))}`);
  }
  return { key, bytes: size, parts, ...(plan.check ? { verified: plan.check } : { unverified: plan.unverified }) };
}

/** The checksum to compare, from what HEAD reports; `partOne` is asked only for a composite CRC32. */
async function checkPlan(head: HeadObjectCommandOutput, size: number, partOne: () => Promise<HeadObjectCommandOutput>): Promise<Plan> {
  if (head.ChecksumCRC64NVME) {
    return { check: 'CRC64NVME', expected: head.ChecksumCRC64NVME, digest: { crc64nvme: true }, crcPartSize: Number.POSITIVE_INFINITY };
  }
  // A Node without zlib.crc32 (before 20.15) leaves CRC32s uncompared.
  const crc = nativeCrc32 ? head.ChecksumCRC32 : undefined;
  if (crc && !crc.includes('-')) return { check: 'CRC32', expected: crc, crcPartSize: Number.POSITIVE_INFINITY };
  if (crc) {
    const parts = Number(crc.slice(crc.indexOf('-') + 1));
    const uploadPart = (await partOne()).ContentLength ?? 0;
    // The composite is rebuilt only for equal parts (all but the last), as every SDK and the CLI upload.
    if (uploadPart > 0 && Math.ceil(size / uploadPart) === parts) {
      return { check: 'CRC32 composite', expected: crc, crcPartSize: uploadPart };
    }
  }
  const etag = plainEtag(head.ETag, head.ServerSideEncryption);
  if (etag !== undefined && !etag.includes('-')) return { check: 'MD5', expected: etag, digest: { md5: true }, crcPartSize: Number.POSITIVE_INFINITY };
  const reported = [...(nativeCrc32 ? [] : ['CRC32']), 'CRC32C', 'SHA1', 'SHA256'].filter((name) => head[`Checksum${name}` as keyof HeadObjectCommandOutput] !== undefined);
  return {
    crcPartSize: Number.POSITIVE_INFINITY,
    unverified: reported.length > 0 ? `S3 reports only ${reported.join(', ')}, which s3-ops does not compute` : crc ? 'the CRC32 composite has parts of unequal size' : 'S3 reports no checksum and the ETag is not an MD5 (multipart or SSE-KMS)',
  };
}

function computed(check: DownloadCheck, digests: DigestStream | undefined, rangeCrc32: RangeCrc32 | undefined): string | undefined {
  switch (check) {
    case 'CRC64NVME':
      return digests!.crc64nvmeChecksum();
    case 'CRC32':
      return crc32Base64(rangeCrc32!.partCrc32s()[0]!);
    case 'CRC32 composite':
      return compositeCrc32(rangeCrc32!.partCrc32s());
    case 'MD5':
      return digests!.md5();
  }
}

/** Writes all of `bytes` at `position`, short writes resumed. */
function writeFullySync(fd: number, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
}

/** Writes `chunks` one after the other at `position`, in writevs of at most 512 buffers, short writes resumed. */
async function writeAt(file: FileHandle, chunks: readonly Buffer[], position: number): Promise<void> {
  for (let first = 0; first < chunks.length; first += 512) {
    let batch = chunks.slice(first, first + 512);
    let length = batch.reduce((sum, chunk) => sum + chunk.length, 0);
    while (length > 0) {
      const { bytesWritten } = await file.writev(batch, position);
      position += bytesWritten;
      length -= bytesWritten;
      if (length > 0) batch = [Buffer.concat(batch).subarray(bytesWritten)];
    }
  }
}

function unwritable(error: unknown, where: string, localPath: string): S3OpsError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new S3OpsError('LOCAL_FILE_UNWRITABLE', `download of ${where}: cannot write ${localPath} (${code}): the directory ${dirname(localPath)} must exist and be writable by this user`);
}
