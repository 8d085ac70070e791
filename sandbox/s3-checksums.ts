// S3's additional checksums, CRC32 only, for s3rver, which ignores them (3.7.1). Real S3 verifies a
// checksum sent with an object or part and reports it back; the AWS CLI (botocore 1.36 and later
// by default), the SDKs and s3-ops send CRC32. Without this the local S3 would be a server that
// verifies nothing, and clients would fall back to what such servers leave them (an MD5 of the
// whole content), which is not what they do against AWS. What is done, as AWS documents it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
// - PutObject and UploadPart with `x-amz-checksum-crc32`: the body's CRC32 is computed as it is
//   stored; a mismatch answers 400 BadDigest and leaves no object (a part: none recorded); a match
//   is echoed in the answer.
// - CompleteMultipartUpload of parts that all had one: the object's checksum is COMPOSITE,
//   `<base64 CRC32 of the parts' big-endian CRC32s>-<parts>`, returned as `ChecksumCRC32`.
// - HeadObject and GetObject with `x-amz-checksum-mode: ENABLED` report `x-amz-checksum-crc32` and
//   `x-amz-checksum-type` for whole-object reads (not for a byte range).
// - `partNumber=N` on HeadObject and GetObject reads part N of a multipart object (206,
//   Content-Range, `x-amz-mp-parts-count`), which s3rver would answer with the whole object.
// Left out: the other algorithms (CRC32C, CRC64NVME, SHA-1, SHA-256), checksums sent as an
// aws-chunked trailer (such a body is stored as s3rver stores it, unverified), and CopyObject,
// whose target keeps no checksum. The records live in memory, as long as the server.
import { Transform, pipeline, type Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/** The part of a Koa context (s3rver 3.7.1 is a Koa app) this middleware reads and writes. */
interface S3rverContext {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | string[] | undefined>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly status: number;
  /** The request body as s3rver's controllers read it (they take `ctx.req`, not `ctx.request`). */
  req: Readable;
  body: unknown;
  readonly request: { body?: { CompleteMultipartUpload?: { Part?: unknown } } };
  get(header: string): string;
  set(header: string, value: string): void;
}
type Middleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

/** What s3rver's filesystem store offers that this needs. */
interface Store {
  deleteObject(bucket: string, key: string): Promise<void>;
}

/** A stored object's checksum, and its parts' sizes (one entry for a single PutObject). */
interface ObjectChecksum {
  readonly crc32: string;
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
  readonly partSizes: readonly number[];
}
/** A stored part: its CRC32, or undefined when it came without one. */
interface PartChecksum {
  readonly crc32?: number;
  readonly size: number;
}

// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;

/**
 * Installs the checksum behaviour on an s3rver instance before it starts listening: a Koa
 * middleware placed just before s3rver's router, so that requests are already in path style
 * (its vhost middleware has run) and errors thrown here are answered in S3's XML form.
 */
export function installS3Checksums(server: { middleware: Middleware[]; store: Store }): void {
  const objects = new Map<string, ObjectChecksum>();
  const uploads = new Map<string, Map<number, PartChecksum>>();
  server.middleware.splice(server.middleware.length - 1, 0, s3Checksums(objects, uploads, server.store));
}

function s3Checksums(objects: Map<string, ObjectChecksum>, uploads: Map<string, Map<number, PartChecksum>>, store: Store): Middleware {
  return async (ctx, next) => {
    const { bucket, key } = objectPath(ctx.path);
    if (key === '') return next(); // bucket and service requests
    const id = `${bucket}/${key}`;
    const uploadId = single(ctx.query.uploadId);
    // The SDKs add `x-id=<operation>` to some object operations; it names no subresource.
    const subresources = Object.keys(ctx.query).filter((name) => name !== 'x-id');

    if (ctx.method === 'PUT' && !('x-amz-copy-source' in ctx.headers) && (uploadId !== undefined || subresources.length === 0)) {
      const claimed = verifiable(ctx);
      let computed = 0;
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          computed = crc32(chunk, computed);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      ctx.req = pipeline(ctx.req, measure, () => undefined);
      await next();
      if (ctx.status >= 300) return;
      const matches = claimed !== undefined && crc32Base64(computed) === claimed;
      if (claimed !== undefined && !matches && uploadId === undefined) await store.deleteObject(bucket, key);
      if (claimed !== undefined && !matches) {
        if (uploadId !== undefined) uploads.get(uploadId)?.delete(Number(ctx.query.partNumber));
        throw new S3Error('BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      }
      if (uploadId !== undefined) {
        const parts = uploads.get(uploadId) ?? new Map<number, PartChecksum>();
        uploads.set(uploadId, parts);
        parts.set(Number(ctx.query.partNumber), { crc32: matches ? computed : undefined, size });
      } else if (matches) {
        objects.set(id, { crc32: claimed, type: 'FULL_OBJECT', partSizes: [size] });
      } else {
        objects.delete(id);
      }
      if (matches) ctx.set('x-amz-checksum-crc32', claimed);
      return;
    }

    if (ctx.method === 'POST' && uploadId !== undefined) {
      await next();
      const parts = uploads.get(uploadId);
      uploads.delete(uploadId);
      if (ctx.status >= 300) return;
      const listed = [ctx.request.body?.CompleteMultipartUpload?.Part ?? []].flat() as { PartNumber: string | number }[];
      const used = listed.map((part) => parts?.get(Number(part.PartNumber)));
      if (used.length === 0 || used.some((part) => part?.crc32 === undefined)) {
        objects.delete(id);
        return;
      }
      const joined = Buffer.alloc(4 * used.length);
      used.forEach((part, i) => joined.writeUInt32BE(part!.crc32!, 4 * i));
      const composite = `${crc32Base64(crc32(joined))}-${used.length}`;
      objects.set(id, { crc32: composite, type: 'COMPOSITE', partSizes: used.map((part) => part!.size) });
      const result = (ctx.body as { CompleteMultipartUploadResult?: Record<string, unknown> }).CompleteMultipartUploadResult;
      if (result) result.ChecksumCRC32 = composite;
      return;
    }

    if (ctx.method === 'DELETE' && uploadId === undefined) {
      await next();
      objects.delete(id);
      return;
    }
    if (ctx.method === 'DELETE') {
      uploads.delete(uploadId!);
      return next();
    }

    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && subresources.every((name) => name === 'partNumber' || name.startsWith('response-'))) {
      const record = objects.get(id);
      const partNumber = single(ctx.query.partNumber);
      let part: number | undefined;
      if (partNumber !== undefined) {
        part = Number(partNumber);
        const sizes = record?.partSizes ?? [];
        // An object uploaded in one piece (or with no record here) is its own part 1, as on S3.
        if (sizes.length > 1 || part !== 1) {
          if (!Number.isInteger(part) || part < 1 || part > sizes.length) {
            // 416, as S3 answers it; s3rver's table of error statuses does not know this code.
            throw Object.assign(new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', { PartNumberRequested: String(partNumber) }), { status: 416, expose: true });
          }
          const start = sizes.slice(0, part - 1).reduce((sum, size) => sum + size, 0);
          ctx.headers.range = `bytes=${start}-${start + sizes[part - 1]! - 1}`;
        }
      }
      await next();
      if (ctx.status >= 300) return;
      if (record && record.partSizes.length > 1) ctx.set('x-amz-mp-parts-count', String(record.partSizes.length));
      const wholeObject = ctx.headers.range === undefined || (part !== undefined && record?.type === 'FULL_OBJECT');
      if (record && wholeObject && single(ctx.headers['x-amz-checksum-mode'])?.toUpperCase() === 'ENABLED') {
        ctx.set('x-amz-checksum-crc32', record.crc32);
        ctx.set('x-amz-checksum-type', record.type);
      }
      return;
    }
    return next();
  };
}

/** The checksum a write claims in a form this can check: the `x-amz-checksum-crc32` header over a plain body. */
function verifiable(ctx: S3rverContext): string | undefined {
  const claimed = single(ctx.headers['x-amz-checksum-crc32']);
  const encoding = single(ctx.headers['content-encoding']) ?? '';
  const payload = single(ctx.headers['x-amz-content-sha256']) ?? '';
  // An aws-chunked body is stored as s3rver stores it (framing included): its CRC32 is not the content's.
  if (claimed === undefined || encoding.includes('aws-chunked') || payload.startsWith('STREAMING-')) return undefined;
  return claimed;
}

/** `/bucket/key…` as s3rver's router sees it (after its vhost middleware), decoded. */
function objectPath(path: string): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')) };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A CRC32 as S3 states it: base64 of its 4 big-endian bytes. Written here again on purpose (as
 * the composite above): the stand-in must not share code with the client it checks
 * (client/s3/part-hasher.ts), or a fault in one would pass as S3's agreement.
 */
function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}
