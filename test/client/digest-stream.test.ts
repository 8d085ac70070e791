// The digests s3-ops compares with what S3 reports: the whole MD5 (a single-part ETag) and the
// CRC32 checksum in S3's single or composite form, checked against independent implementations
// (node:crypto's MD5, the AWS SDK's pure-JavaScript CRC32).
import { Crc32Js } from '@aws-sdk/checksums/crc';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DigestStream } from '../../client/s3/digest-stream';

const MIB = 1024 * 1024;

async function digest(content: Buffer, partSize: number, chunk = MIB): Promise<DigestStream> {
  const stream = new DigestStream(partSize);
  const chunks = Array.from({ length: Math.ceil(content.length / chunk) }, (_, i) => content.subarray(i * chunk, (i + 1) * chunk));
  let passed = 0;
  await pipeline(Readable.from(chunks), stream, new Writable({ write: (c: Buffer, _e, done) => ((passed += c.length), done()) }));
  expect(passed).toBe(content.length); // every byte travels on
  expect(stream.bytes).toBe(content.length);
  return stream;
}

async function crc32(bytes: Buffer): Promise<Buffer> {
  const checksum = new Crc32Js();
  checksum.update(bytes);
  return Buffer.from(await checksum.digest());
}

/** S3's composite form: CRC32 over the parts' big-endian CRC32s, then "-<parts>". */
async function composite(content: Buffer, partSize: number): Promise<string> {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += partSize) parts.push(await crc32(content.subarray(offset, offset + partSize)));
  return `${(await crc32(Buffer.concat(parts))).toString('base64')}-${parts.length}`;
}

test('several parts: the whole MD5, and the composite CRC32 of the parts', async () => {
  const content = randomBytes(20 * MIB + 123);
  const stream = await digest(content, 8 * MIB, 3 * MIB + 7); // reads that straddle part boundaries
  expect(stream.md5()).toBe(createHash('md5').update(content).digest('hex'));
  expect(stream.crc32Checksum()).toBe(await composite(content, 8 * MIB));
  expect(stream.crc32Checksum()).toMatch(/-3$/);
});

test('a size that is a whole number of parts has no empty last part', async () => {
  const content = randomBytes(16 * MIB);
  const stream = await digest(content, 8 * MIB);
  expect(stream.crc32Checksum()).toBe(await composite(content, 8 * MIB));
  expect(stream.crc32Checksum()).toMatch(/-2$/);
});

test('one part: the plain CRC32, as S3 reports it for a single PUT', async () => {
  const content = Buffer.from('small log line\n');
  const stream = await digest(content, 8 * MIB);
  expect(stream.md5()).toBe(createHash('md5').update(content).digest('hex'));
  expect(stream.crc32Checksum()).toBe((await crc32(content)).toString('base64'));
});

test('empty content', async () => {
  const stream = await digest(Buffer.alloc(0), 8 * MIB);
  expect(stream.md5()).toBe('d41d8cd98f00b204e9800998ecf8427e');
  expect(stream.crc32Checksum()).toBe('AAAAAA==');
});

test('the digests are asked for before the end of the stream: an error, not a wrong value', () => {
  const stream = new DigestStream(8 * MIB);
  expect(() => stream.md5()).toThrow('md5() before the end of the stream');
  expect(() => stream.crc32Checksum()).toThrow('crc32Checksum() before the end of the stream');
  stream.destroy();
});
