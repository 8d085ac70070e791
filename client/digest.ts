import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * MD5 of a stream as a whole and per multipart part, computed as the bytes go by, so an upload
 * or download can be checked against the ETag S3 reports without reading the file twice:
 * single-part ETag = md5(content); multipart ETag (AWS) = md5(concat(part md5s))-<parts>.
 */
export class DigestStream extends Transform {
  private readonly whole = createHash('md5');
  private readonly partDigests: Buffer[] = [];
  private part: Hash = createHash('md5');
  private partFill = 0;
  bytes = 0;

  constructor(private readonly partSize = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSize - this.partFill);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partFill += take;
      offset += take;
      if (this.partFill === this.partSize) this.closePart();
    }
    callback(null, chunk);
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash('md5');
    this.partFill = 0;
  }

  /** The ETags a correct upload of these bytes can have: plain MD5, and the multipart form. */
  expectedEtags(): string[] {
    if (this.partFill > 0 || this.partDigests.length === 0) this.closePart();
    const md5 = this.whole.digest('hex');
    const parts = this.partDigests;
    const composite = `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
    return parts.length > 1 ? [md5, composite] : [md5];
  }
}

/** An ETag that is a content MD5 (not SSE-KMS, not SSE-C), without its quotes. */
export function plainEtag(etag: string | undefined, serverSideEncryption: string | undefined): string | undefined {
  if (!etag || serverSideEncryption === 'aws:kms' || serverSideEncryption === 'aws:kms:dsse') return undefined;
  return etag.replace(/^"|"$/g, '').toLowerCase();
}
