/**
 * The CRC32s of an object's upload parts, computed from byte ranges hashed as they arrive: each
 * range's chunks come in order, the ranges in any order. Each range keeps one running CRC32
 * (`zlib.crc32`, native) per stretch between upload-part boundaries; once every range is in,
 * the stretches are joined per upload part with crc32Combine. No byte is read twice or copied,
 * and nothing waits for an earlier range: what a download needs to check S3's CRC32, plain or
 * COMPOSITE (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 */
import { crc32 } from 'node:zlib';
import { crc32Combine } from './crc32-combine';

interface Stretch {
  readonly start: number;
  length: number;
  crc: number;
}

/** Whether this Node has `zlib.crc32` (20.15 and later), which RangeCrc32 needs. */
export const nativeCrc32 = typeof crc32 === 'function';

export class RangeCrc32 {
  private readonly stretches: Stretch[] = [];

  /**
   * @param size the object's length in bytes
   * @param uploadPartSize bytes per upload part (all but the last); Infinity for a full-object CRC32
   */
  constructor(
    private readonly size: number,
    private readonly uploadPartSize: number,
  ) {}

  /** A hasher for the range starting at byte `start`: call it with the range's chunks, in order. */
  range(start: number): (chunk: Buffer) => void {
    let position = start;
    let current: Stretch | undefined;
    return (chunk) => {
      let offset = 0;
      while (offset < chunk.length) {
        if (!current) {
          current = { start: position, length: 0, crc: 0 };
          this.stretches.push(current);
        }
        const boundary = Number.isFinite(this.uploadPartSize) ? (Math.floor(position / this.uploadPartSize) + 1) * this.uploadPartSize : Number.POSITIVE_INFINITY;
        const take = Math.min(chunk.length - offset, boundary - position);
        current.crc = crc32(chunk.subarray(offset, offset + take), current.crc);
        current.length += take;
        position += take;
        offset += take;
        if (position === boundary) current = undefined;
      }
    };
  }

  /**
   * The CRC32 of each upload part, in order (one for a full-object CRC32, `[0]` for an empty
   * object). Throws if the ranges hashed do not cover the object exactly once.
   */
  partCrc32s(): number[] {
    const stretches = [...this.stretches].sort((a, b) => a.start - b.start);
    const parts: number[] = [];
    let covered = 0;
    for (const stretch of stretches) {
      if (stretch.start !== covered) throw new Error(`RangeCrc32: bytes ${covered}-${stretch.start - 1} were not hashed, or hashed twice`);
      const part = Number.isFinite(this.uploadPartSize) ? Math.floor(stretch.start / this.uploadPartSize) : 0;
      parts[part] = parts[part] === undefined ? stretch.crc : crc32Combine(parts[part]!, stretch.crc, stretch.length);
      covered += stretch.length;
    }
    if (covered !== this.size) throw new Error(`RangeCrc32: ${covered} of ${this.size} bytes were hashed`);
    return parts.length === 0 ? [0] : parts;
  }
}
