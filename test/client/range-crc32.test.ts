// CRC32s of byte ranges hashed as they arrive, in any order, joined per upload part: equal to
// the CRC32 of each upload part computed in one piece by another implementation (the SDK's).
import { Crc32Js } from '@aws-sdk/checksums/crc';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { crc32Combine } from '../../client/s3/crc32-combine';
import { RangeCrc32 } from '../../client/s3/range-crc32';

async function reference(bytes: Uint8Array): Promise<number> {
  const hash = new Crc32Js();
  hash.update(bytes);
  return Buffer.from(await hash.digest()).readUInt32BE(0);
}

test('crc32Combine joins two CRC32s into the CRC32 of the concatenation, for any lengths (zero included)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), async (a, b) => {
      expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(await reference(Buffer.concat([a, b])));
    }),
  );
});

test('crc32Combine over lengths past 2^32 bits: a zero run of 600 MiB appended', () => {
  // crc32 of n zero bytes appended equals combining with the CRC of n zeros, computed here in 1 MiB steps.
  const zeros = Buffer.alloc(1024 * 1024);
  let zerosCrc = 0;
  for (let i = 0; i < 600; i++) zerosCrc = crc32(zeros, zerosCrc);
  const head = Buffer.from('head');
  let expected = crc32(head);
  for (let i = 0; i < 600; i++) expected = crc32(zeros, expected);
  expect(crc32Combine(crc32(head), zerosCrc, 600 * 1024 * 1024)).toBe(expected);
});

test('RangeCrc32: ranges of any size, in any order, in chunks of any size, give each upload part\'s CRC32', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 5000 }),
      fc.integer({ min: 1, max: 1500 }),
      fc.integer({ min: 1, max: 1500 }),
      fc.integer({ min: 1, max: 700 }),
      fc.boolean(),
      fc.integer(),
      async (bytes, rangeSize, uploadPart, chunkSize, fullObject, seed) => {
        const partSize = fullObject ? Number.POSITIVE_INFINITY : uploadPart;
        const hasher = new RangeCrc32(bytes.length, partSize);
        const starts = Array.from({ length: Math.ceil(bytes.length / rangeSize) }, (_, i) => i * rangeSize);
        // A shuffled arrival order, reproducible from the seed.
        let state = seed >>> 0;
        for (let i = starts.length - 1; i > 0; i--) {
          state = (state * 1103515245 + 12345) >>> 0;
          const j = state % (i + 1);
          [starts[i], starts[j]] = [starts[j]!, starts[i]!];
        }
        for (const start of starts) {
          const range = Buffer.from(bytes.subarray(start, Math.min(start + rangeSize, bytes.length)));
          const hash = hasher.range(start);
          for (let offset = 0; offset < range.length; offset += chunkSize) hash(range.subarray(offset, offset + chunkSize));
        }
        const parts = fullObject ? [bytes] : Array.from({ length: Math.max(1, Math.ceil(bytes.length / uploadPart)) }, (_, i) => bytes.subarray(i * uploadPart, (i + 1) * uploadPart));
        expect(hasher.partCrc32s()).toEqual(await Promise.all(parts.map(reference)));
      },
    ),
  );
});

test('RangeCrc32 refuses a result from ranges that leave a gap or overlap', () => {
  const gap = new RangeCrc32(10, Number.POSITIVE_INFINITY);
  gap.range(0)(Buffer.alloc(4));
  gap.range(6)(Buffer.alloc(4));
  expect(() => gap.partCrc32s()).toThrow('RangeCrc32: bytes 4-5 were not hashed, or hashed twice');
  const short = new RangeCrc32(10, 4);
  short.range(0)(Buffer.alloc(8));
  expect(() => short.partCrc32s()).toThrow('RangeCrc32: 8 of 10 bytes were hashed');
});
