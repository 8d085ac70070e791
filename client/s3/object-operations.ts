import {
  DeleteObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { closeSync, createReadStream, openSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { PermissionTier } from '../config/settings';
import { DigestStream, plainEtag } from './digest-stream';
import { downloadObject, type DownloadResult } from './download';
import { S3OpsError, firstLine } from '../errors';
export type { DownloadResult } from './download';
import { ProgressBar } from './progress-bar';
import type { CredentialChainLog } from './credential-chain-log';
import { fileAccessError } from '../storage/file-access';

export type Operation = 'upload' | 'download' | 'list' | 'delete';

/** The least tier (DESIGN "Permission tiers") under which each operation is allowed. */
export const REQUIRED_TIER: Readonly<Record<Operation, PermissionTier>> = {
  upload: 'write',
  download: 'read-write',
  delete: 'full',
  list: 'full',
};

const TIER_ALLOWS: Readonly<Record<PermissionTier, string>> = {
  write: 'upload only',
  'read-write': 'upload and download',
  full: 'upload, download, delete and list',
};

export interface S3Target {
  readonly client: S3Client;
  readonly bucket: string;
  /** Ends in `/` or is empty; every key is relative to it. */
  readonly prefix: string;
  readonly permissions?: PermissionTier;
  /** The client's logger, when it is one: credential failures are explained from it. */
  readonly credentialLog?: CredentialChainLog;
}

export const MIB = 1024 * 1024;
/**
 * Files above one part go multipart; S3 wants parts of at least 5 MiB. 8 MiB, as the AWS CLI
 * uses: four parts in flight keep a loopback or LAN link busy with about 40 MiB buffered, and
 * smaller parts would only add requests. @default 8 MiB
 */
export const DEFAULT_PART_SIZE = 8 * MIB;
/** S3's limit on the parts of one upload (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
const MAX_PARTS = 10_000;
const READ_CHUNK = MIB;

export function objectKey(target: S3Target, relativeKey: string): string {
  if (!relativeKey || relativeKey.startsWith('/')) {
    throw new S3OpsError('S3_OPERATION_FAILED', `key "${relativeKey}" must be relative to the prefix "${target.prefix}" (no leading /)`);
  }
  return `${target.prefix}${relativeKey}`;
}

export interface UploadResult {
  readonly key: string;
  readonly bytes: number;
  readonly etag?: string;
  /** The ETag was compared with the file's MD5 (false for SSE-KMS and AWS's multipart form). */
  readonly etagVerified: boolean;
  /** The CRC32 checksum S3 reported for the object was compared with the file's. */
  readonly crc32Verified: boolean;
}

/**
 * Uploads with lib-storage (multipart above one part, parts sent four at a time) and a CRC32
 * checksum per part that S3 verifies on receipt. What S3 then reports is compared with digests
 * computed off the main thread while reading: the object's CRC32 checksum where S3 returns one,
 * and the ETag where it is an MD5 (which catches corruption on servers that ignore checksums).
 */
export async function uploadFile(target: S3Target, localPath: string, relativeKey: string, partSize = DEFAULT_PART_SIZE): Promise<UploadResult> {
  const key = objectKey(target, relativeKey);
  let size: number;
  try {
    // Opened up front so an absent or unreadable file is named before anything is sent.
    closeSync(openSync(localPath, 'r'));
    size = statSync(localPath).size;
  } catch (error) {
    throw fileAccessError(error, localPath, 'file to upload');
  }
  // Parts grow, in whole MiB, when the file would otherwise need more than S3 allows.
  partSize = Math.max(partSize, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  const digests = new DigestStream(partSize);
  const progress = new ProgressBar(`upload ${basename(localPath)}`, size);
  // 1 MiB reads: with the default 64 KiB, per-chunk overhead (stream plumbing, copies into
  // parts) cost more CPU than the signing (bench/uploads.ts).
  const body = createReadStream(localPath, { highWaterMark: READ_CHUNK }).pipe(digests);
  const upload = new Upload({
    client: target.client,
    params: { Bucket: target.bucket, Key: key, Body: body, ChecksumAlgorithm: 'CRC32' },
    partSize,
    queueSize: 4,
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => progress.update(p.loaded ?? 0));
  const result = await guard('upload', target, key, () => upload.done()).catch((error: unknown) => {
    digests.destroy(); // stops the hashing worker
    throw error;
  });
  progress.finish();
  const where = `upload of ${localPath} to s3://${target.bucket}/${key}`;
  // The ETag is the content's MD5 for a single part (and for multipart objects on servers such
  // as s3rver); AWS's multipart form ("<md5 of part md5s>-<parts>") is left to the CRC32 check.
  const etag = plainEtag(result.ETag, result.ServerSideEncryption);
  const etagVerified = etag !== undefined && !etag.includes('-');
  if (etagVerified && etag !== digests.md5()) {
    throw new S3OpsError('INTEGRITY_CHECK_FAILED', `${where}: S3 reports ETag ${etag}, the file's MD5 gives ${digests.md5()}`);
  }
  // S3 verified each part's CRC32 on receipt; this checks that what it holds is what was read.
  const reported = result.ChecksumCRC32;
  const expected = digests.crc32Checksum();
  if (reported !== undefined && expected !== undefined && reported !== expected) {
    throw new S3OpsError('INTEGRITY_CHECK_FAILED', `${where}: S3 reports CRC32 ${reported}, the file gives ${expected}`);
  }
  return { key, bytes: digests.bytes, etag, etagVerified, crc32Verified: reported !== undefined && expected !== undefined };
}

/**
 * Downloads with parallel ranged GETs into a temp file beside the target, checked against S3's
 * checksum or MD5 ETag, then renamed into place (client/s3/download.ts says what is checked).
 */
export async function downloadFile(target: S3Target, relativeKey: string, localPath: string, partSize = DEFAULT_PART_SIZE): Promise<DownloadResult> {
  const key = objectKey(target, relativeKey);
  return downloadObject({ client: target.client, bucket: target.bucket, key, localPath, partSize, guard: (call) => guard('download', target, key, call) });
}

export interface ListedObject {
  /** Relative to the prefix. */
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
}

export async function listObjects(target: S3Target, relativePrefix = ''): Promise<ListedObject[]> {
  const prefix = `${target.prefix}${relativePrefix}`;
  return guard('list', target, prefix, async () => {
    const objects: ListedObject[] = [];
    for await (const page of paginateListObjectsV2({ client: target.client }, { Bucket: target.bucket, Prefix: prefix })) {
      for (const o of page.Contents ?? []) {
        objects.push({ key: (o.Key ?? '').slice(target.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified });
      }
    }
    return objects;
  });
}

/** Deletes one object; a key that does not exist is an error rather than a silent success. */
export async function deleteObject(target: S3Target, relativeKey: string): Promise<{ key: string }> {
  const key = objectKey(target, relativeKey);
  // HEAD needs s3:GetObject, which the full tier has; it turns S3's silent delete of nothing into an error.
  await guard('delete', target, key, () => target.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key })));
  await guard('delete', target, key, () => target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key })));
  return { key };
}

/** Runs one S3 call and turns its failure into one line, AccessDenied explained by tier. */
async function guard<T>(operation: Operation, target: S3Target, key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw target.credentialLog?.explain(error) ?? explainS3Error(error, operation, target, key);
  }
}

export function explainS3Error(error: unknown, operation: Operation, target: S3Target, key: string): S3OpsError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = `s3://${target.bucket}/${key}`;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'AccessDenied' || (status === 403 && e.name !== 'InvalidAccessKeyId' && e.name !== 'SignatureDoesNotMatch')) {
    const needed = REQUIRED_TIER[operation];
    const tier = target.permissions
      ? `this host's tier is "${target.permissions}" (${TIER_ALLOWS[target.permissions]})`
      : `this host's tier is not known here (S3_PERMISSIONS)`;
    const outside = key.startsWith(target.prefix) && target.prefix ? '' : `; keys outside this server's own prefix are never allowed`;
    return new S3OpsError(
      'S3_ACCESS_DENIED',
      `${operation} ${where} was denied: ${operation} needs the "${needed}" tier or higher (${TIER_ALLOWS[needed]}); ${tier}${outside}`,
    );
  }
  if (e.name === 'NoSuchKey' || e.name === 'NotFound' || (status === 404 && operation !== 'list')) {
    return new S3OpsError('S3_OPERATION_FAILED', `${operation} ${where} failed: no such object`);
  }
  const detail = firstLine(e.message || e.name || String(error));
  return new S3OpsError('S3_OPERATION_FAILED', `${operation} ${where} failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${detail}`);
}
