import {
  DeleteObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { closeSync, openSync, statSync } from 'node:fs';
import type { PermissionTier } from '../config/settings';
import { downloadObject, type DownloadResult } from './download';
import { S3OpsError, firstLine } from '../errors';
export type { DownloadResult } from './download';
import { uploadObject, type UploadResult } from './upload';
export type { UploadResult } from './upload';
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
 * Files above one part go multipart, and downloads above one part are ranged GETs; S3 wants
 * parts of at least 5 MiB. 8 MiB, as the AWS CLI's multipart_chunksize: with eight parts in
 * flight a loopback or LAN link stays busy with 72 MiB buffered, and smaller parts would only
 * add requests (each signed and answered on the main thread). @default 8 MiB
 */
export const DEFAULT_PART_SIZE = 8 * MIB;

export function objectKey(target: S3Target, relativeKey: string): string {
  if (!relativeKey || relativeKey.startsWith('/')) {
    throw new S3OpsError('S3_OPERATION_FAILED', `key "${relativeKey}" must be relative to the prefix "${target.prefix}" (no leading /)`);
  }
  return `${target.prefix}${relativeKey}`;
}

/**
 * Uploads `localPath` to the key under the prefix: one PutObject up to one part, else a
 * multipart upload of parts sent eight at a time, each with a CRC32 S3 verifies on receipt,
 * hashed in a worker thread; what S3 then reports (CRC32, MD5 ETag) is compared with the file
 * (client/s3/upload.ts says how part size and concurrency are chosen and what is checked).
 * Errors: FILE_NOT_FOUND or FILE_UNREADABLE for the file; S3OpsError S3_ACCESS_DENIED,
 * S3_OPERATION_FAILED, INTEGRITY_CHECK_FAILED.
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
  return uploadObject({ client: target.client, bucket: target.bucket, key, localPath, size, partSize, guard: (call) => guard('upload', target, key, call) });
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
  if (e.name === 'BadDigest') {
    // S3 computed the CRC32 of what arrived and it is not the one sent with it: changed on the way.
    return new S3OpsError('INTEGRITY_CHECK_FAILED', `${operation} ${where}: S3 refused bytes that do not match the CRC32 sent with them (BadDigest: changed on the way); nothing was stored`);
  }
  const detail = firstLine(e.message || e.name || String(error));
  return new S3OpsError('S3_OPERATION_FAILED', `${operation} ${where} failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${detail}`);
}
