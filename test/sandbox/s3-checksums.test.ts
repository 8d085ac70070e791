// The local S3's additional checksums (sandbox/s3-checksums.ts) behave as AWS documents them, seen
// through the real AWS SDK v3 client. Expected checksums come from the SDK's own CRC32
// implementation (@aws-sdk/checksums), not from the code under test.
import { Crc32Js } from '@aws-sdk/checksums/crc';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';

let s3: LocalS3;
let client: S3Client;
const MIB = 1024 * 1024;

beforeAll(async () => {
  s3 = await startS3({ bucket: 'checksums' });
  client = new S3Client({
    endpoint: s3.url,
    forcePathStyle: true,
    region: 'eu-west-1',
    credentials: s3.accessKeys,
    // Only what each test sends: no checksum the SDK would add on its own.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

async function crc32(bytes: Uint8Array): Promise<Buffer> {
  const hash = new Crc32Js();
  hash.update(bytes);
  return Buffer.from(await hash.digest());
}
const base64 = async (bytes: Uint8Array) => (await crc32(bytes)).toString('base64');

async function errorOf(call: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call succeeded');
}

test('PutObject with the right CRC32: echoed, then reported as FULL_OBJECT by HEAD and GET with checksum mode, not for a range', async () => {
  const body = randomBytes(100_000);
  const checksum = await base64(body);
  const put = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'one.bin', Body: body, ChecksumCRC32: checksum }));
  expect(put.ChecksumCRC32).toBe(checksum);
  const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'one.bin', ChecksumMode: 'ENABLED' }));
  expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([checksum, 'FULL_OBJECT']);
  const plainHead = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'one.bin' }));
  expect(plainHead.ChecksumCRC32).toBeUndefined();
  const get = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'one.bin', ChecksumMode: 'ENABLED' }));
  expect(get.ChecksumCRC32).toBe(checksum);
  expect(Buffer.from(await get.Body!.transformToByteArray()).equals(body)).toBe(true);
  const ranged = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'one.bin', ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }));
  expect(ranged.ChecksumCRC32).toBeUndefined();
  expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(body.subarray(0, 10))).toBe(true);
});

test('PutObject with a CRC32 that is not the body\'s: 400 BadDigest, and no object is left', async () => {
  const wrong = await base64(Buffer.from('something else'));
  const error = await errorOf(client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'bad.bin', Body: randomBytes(1000), ChecksumCRC32: wrong })));
  expect(error).toEqual({ name: 'BadDigest', status: 400, message: 'The CRC32 you specified did not match the calculated checksum.' });
  expect((await errorOf(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'bad.bin' })))).status).toBe(404);
});

test('multipart with CRC32 parts: each part echoed, the object COMPOSITE; partNumber reads one part', async () => {
  const sizes = [5 * MIB, 5 * MIB, 1234];
  const parts = sizes.map((size) => randomBytes(size));
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'multi.bin', ChecksumAlgorithm: 'CRC32' }));
  const completed = [];
  for (const [i, part] of parts.entries()) {
    const checksum = await base64(part);
    const answer = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'multi.bin', UploadId, PartNumber: i + 1, Body: part, ChecksumCRC32: checksum }));
    expect(answer.ChecksumCRC32).toBe(checksum);
    completed.push({ PartNumber: i + 1, ETag: answer.ETag, ChecksumCRC32: checksum });
  }
  const complete = await client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'multi.bin', UploadId, MultipartUpload: { Parts: completed } }));
  const partCrcs = await Promise.all(parts.map(crc32));
  const composite = `${await base64(Buffer.concat(partCrcs))}-3`;
  expect(complete.ChecksumCRC32).toBe(composite);

  const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'multi.bin', ChecksumMode: 'ENABLED' }));
  expect([head.ChecksumCRC32, head.ChecksumType, head.PartsCount, head.ContentLength]).toEqual([composite, 'COMPOSITE', 3, 10 * MIB + 1234]);
  const second = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'multi.bin', PartNumber: 2 }));
  expect([second.ContentLength, second.ContentRange, second.PartsCount]).toEqual([5 * MIB, `bytes ${5 * MIB}-${10 * MIB - 1}/${10 * MIB + 1234}`, 3]);
  expect(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
  const beyond = await errorOf(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'multi.bin', PartNumber: 4 })));
  expect(beyond.status).toBe(416);
  const beyondGet = await errorOf(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'multi.bin', PartNumber: 4 })));
  expect([beyondGet.name, beyondGet.status, beyondGet.message]).toEqual(['InvalidPartNumber', 416, 'The requested partnumber is not satisfiable']);
});

test('a part whose CRC32 is wrong is refused (BadDigest); a part sent without one leaves the object without a checksum', async () => {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mixed.bin' }));
  const part = randomBytes(5 * MIB);
  const refused = await errorOf(client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'mixed.bin', UploadId, PartNumber: 1, Body: part, ChecksumCRC32: await base64(Buffer.from('x')) })));
  expect([refused.name, refused.status]).toEqual(['BadDigest', 400]);
  const first = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'mixed.bin', UploadId, PartNumber: 1, Body: part, ChecksumCRC32: await base64(part) }));
  const second = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'mixed.bin', UploadId, PartNumber: 2, Body: Buffer.from('tail') }));
  expect(second.ChecksumCRC32).toBeUndefined();
  await client.send(
    new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mixed.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] } }),
  );
  const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'mixed.bin', ChecksumMode: 'ENABLED' }));
  expect([head.ChecksumCRC32, head.ContentLength]).toEqual([undefined, 5 * MIB + 4]);
});

test('an object overwritten without a checksum, or deleted and put again, reports none', async () => {
  const body = Buffer.from('first');
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'over.bin', Body: body, ChecksumCRC32: await base64(body) }));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'over.bin', Body: Buffer.from('second') }));
  expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'over.bin', ChecksumMode: 'ENABLED' }))).ChecksumCRC32).toBeUndefined();

  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'gone.bin', Body: body, ChecksumCRC32: await base64(body) }));
  await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'gone.bin' }));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'gone.bin', Body: body }));
  expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'gone.bin', ChecksumMode: 'ENABLED' }))).ChecksumCRC32).toBeUndefined();
});
