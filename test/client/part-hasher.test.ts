// The upload's hashing worker: per part a CRC32 (sent with the part, for S3 to verify) and an
// MD5 (a part's ETag), computed on the shared part buffers themselves; checked against independent
// implementations (node:crypto's MD5 over each part, the AWS SDK's pure-JavaScript CRC32).
// Also the download's variant: ranges the hashing worker reads back from a file.
import { Crc32Js } from '@aws-sdk/checksums/crc';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigestStream } from '../../client/s3/digest-stream';
import { PartHasher, crc32Base64, multipartEtag, objectCrc32, sharedBuffer } from '../../client/s3/part-hasher';

const MIB = 1024 * 1024;

async function crc32(bytes: Buffer): Promise<Buffer> {
  const checksum = new Crc32Js();
  checksum.update(bytes);
  return Buffer.from(await checksum.digest());
}

const md5Hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

test('parts through one reused buffer: each CRC32 and MD5 is its part\'s; the composite CRC32 and the multipart ETag are S3\'s forms', async () => {
  const content = randomBytes(3 * MIB + 777);
  const partSize = MIB + 5;
  const buffer = sharedBuffer(partSize);
  const hasher = new PartHasher();
  const crcs: number[] = [];
  const md5s: string[] = [];
  for (let offset = 0; offset < content.length; offset += partSize) {
    const length = Math.min(partSize, content.length - offset);
    content.copy(buffer, 0, offset, offset + length);
    const hashing = hasher.add(buffer.subarray(0, length));
    crcs.push((await hashing.crc32)!);
    md5s.push((await hashing.md5)!); // only then may the buffer take the next part
  }
  hasher.stop();
  const parts = [];
  for (let offset = 0, i = 0; offset < content.length; offset += partSize, i++) {
    const expected = await crc32(content.subarray(offset, offset + partSize));
    expect(crc32Base64(crcs[i]!)).toBe(expected.toString('base64'));
    expect(md5s[i]).toBe(md5Hex(content.subarray(offset, offset + partSize)));
    parts.push(expected);
  }
  expect(objectCrc32(crcs)).toBe(`${(await crc32(Buffer.concat(parts))).toString('base64')}-4`);
  // S3's multipart ETag, built here from the parts' bytes by node:crypto alone.
  const binaryMd5s = Buffer.concat(md5s.map((_, i) => createHash('md5').update(content.subarray(i * partSize, (i + 1) * partSize)).digest()));
  expect(multipartEtag(md5s)).toBe(`${md5Hex(binaryMd5s)}-4`);
});

test('skipMd5: parts added after it answer their CRC32 and no MD5', async () => {
  const hasher = new PartHasher();
  const [first, second] = [sharedBuffer(1000), sharedBuffer(1000)];
  first.fill(1);
  second.fill(2);
  const hashed = hasher.add(first);
  expect(await hashed.md5).toBe(md5Hex(first));
  hasher.skipMd5();
  const skipped = hasher.add(second);
  expect(crc32Base64((await skipped.crc32)!)).toBe((await crc32(second)).toString('base64'));
  expect(await skipped.md5).toBeUndefined();
  hasher.stop();
});

test('one part is the plain CRC32; no part at all is the empty content', async () => {
  const content = Buffer.from('one log line\n');
  const hasher = new PartHasher();
  const buffer = sharedBuffer(content.length);
  content.copy(buffer);
  const hashing = hasher.add(buffer);
  expect(objectCrc32([await hashing.crc32])).toBe((await crc32(content)).toString('base64'));
  expect(await hashing.md5).toBe(md5Hex(content));
  hasher.stop();
  const empty = new PartHasher();
  const nothing = empty.add(sharedBuffer(0));
  expect(objectCrc32([await nothing.crc32])).toBe('AAAAAA==');
  expect(await nothing.md5).toBe('d41d8cd98f00b204e9800998ecf8427e');
  empty.stop();
});

test('a part that is not a shared buffer is refused: it could not be hashed without a copy', () => {
  const hasher = new PartHasher();
  expect(() => hasher.add(Buffer.alloc(16))).toThrow('PartHasher.add takes a view from offset 0 of a SharedArrayBuffer');
  expect(() => hasher.add(sharedBuffer(16).subarray(4))).toThrow('PartHasher.add takes a view from offset 0 of a SharedArrayBuffer');
  hasher.stop();
});

test('a stopped hasher rejects what is still asked of it instead of hanging', async () => {
  const hasher = new PartHasher();
  hasher.stop();
  const hashing = hasher.add(sharedBuffer(8));
  await expect(hashing.crc32).rejects.toThrow('the hashing worker was stopped');
  await expect(hashing.md5).rejects.toThrow('the hashing worker was stopped');
});

test('download side: file ranges named in order are read back by the worker; digests as if the bytes had streamed through', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-part-hasher-'));
  try {
    const content = randomBytes(9 * MIB + 3);
    const path = join(dir, 'parts.bin');
    writeFileSync(path, content);
    const fd = openSync(path, 'r');
    const stream = new DigestStream({ md5: true }).resume();
    for (let offset = 0; offset < content.length; offset += 3 * MIB) stream.hashFileRange(fd, offset, Math.min(3 * MIB, content.length - offset));
    await new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject).end());
    closeSync(fd);
    expect(stream.bytes).toBe(content.length);
    expect(stream.md5()).toBe(createHash('md5').update(content).digest('hex'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('download side: a range the file does not hold fails the stream (a torn temp file is never taken as checked)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-part-hasher-'));
  try {
    const path = join(dir, 'short.bin');
    writeFileSync(path, randomBytes(1000));
    const fd = openSync(path, 'r');
    const stream = new DigestStream({ md5: true }).resume();
    stream.hashFileRange(fd, 0, 2000);
    await expect(new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject).end())).rejects.toThrow('the file ended at byte 1000 before the range to hash did');
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
