// The digests s3-ops computes in order for a download: the whole MD5 (a single-part ETag) and
// the CRC64NVME S3 reports as a full-object checksum, checked against independent
// implementations (node:crypto's MD5, the AWS SDK's pure-JavaScript CRC64NVME).
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DigestStream } from '../../client/s3/digest-stream';

const MIB = 1024 * 1024;

async function digest(content: Buffer, chunk = MIB): Promise<DigestStream> {
  const stream = new DigestStream({ md5: true, crc64nvme: true });
  const chunks = Array.from({ length: Math.ceil(content.length / chunk) }, (_, i) => content.subarray(i * chunk, (i + 1) * chunk));
  let passed = 0;
  await pipeline(Readable.from(chunks), stream, new Writable({ write: (c: Buffer, _e, done) => ((passed += c.length), done()) }));
  expect(passed).toBe(content.length); // every byte travels on
  expect(stream.bytes).toBe(content.length);
  return stream;
}

async function crc64nvme(bytes: Buffer): Promise<string> {
  const checksum = new Crc64NvmeJs();
  checksum.update(bytes);
  return Buffer.from(await checksum.digest()).toString('base64');
}

test('chunks of any size: the whole MD5 and CRC64NVME, while every byte travels on', async () => {
  const content = randomBytes(9 * MIB + 123);
  const stream = await digest(content, 3 * MIB + 7);
  expect(stream.md5()).toBe(createHash('md5').update(content).digest('hex'));
  expect(stream.crc64nvmeChecksum()).toBe(await crc64nvme(content));
});

test('empty content', async () => {
  const stream = await digest(Buffer.alloc(0));
  expect(stream.md5()).toBe('d41d8cd98f00b204e9800998ecf8427e');
  expect(stream.crc64nvmeChecksum()).toBe(await crc64nvme(Buffer.alloc(0)));
});

test('only what is asked for: no CRC64NVME unless chosen', async () => {
  const stream = new DigestStream();
  await pipeline(Readable.from([Buffer.from('log line\n')]), stream, new Writable({ write: (_c, _e, done) => done() }));
  expect(stream.md5()).toBe(createHash('md5').update('log line\n').digest('hex'));
  expect(stream.crc64nvmeChecksum()).toBeUndefined();
});

test('the digests are asked for before the end of the stream: an error, not a wrong value', () => {
  const stream = new DigestStream();
  expect(() => stream.md5()).toThrow('md5() before the end of the stream');
  expect(() => stream.crc64nvmeChecksum()).toThrow('crc64nvmeChecksum() before the end of the stream');
  stream.destroy();
});
