// s3-ops upload compares what S3 reports for the stored object with digests of the bytes it
// read: the CRC32 checksum (S3's x-amz-checksum-crc32, which s3rver does not send, so a relay in
// front of s3rver adds it as S3 would) and the ETag where it is an MD5. A report that does not
// match the file fails the upload with INTEGRITY_CHECK_FAILED.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { buildBundles, cleanEnv, removeDir, run, tempDir, type Bundles } from './harness';

const NODE = process.execPath;
let s3: LocalS3;
let bundles: Bundles;
let home: string;
let relay: Server;
let relayUrl: string;
/** What the relay adds to every PutObject answer; undefined: nothing. */
let reportedCrc32: string | undefined;

beforeAll(async () => {
  s3 = await startS3();
  bundles = buildBundles();
  home = tempDir('s3-integrity');
  writeFileSync(join(home, 'aws-config'), '');
  writeFileSync(join(home, 'aws-credentials'), '');
  const target = new URL(s3.url);
  relay = createServer((req, res) => {
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      if (req.method === 'PUT' && reportedCrc32 !== undefined && !req.url?.includes('partNumber=')) headers['x-amz-checksum-crc32'] = reportedCrc32;
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
  await s3?.close();
  removeDir(bundles?.dir);
  removeDir(home);
});

function upload(file: string, key: string) {
  const env = cleanEnv(home, {
    AWS_ACCESS_KEY_ID: s3.accessKeys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.accessKeys.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: relayUrl,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'web-01/',
  });
  return run(NODE, [bundles.s3ops, 'upload', file, key, '--path-style'], env, { cwd: home });
}

function crc32Base64(content: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(content));
  return bytes.toString('base64');
}

test("S3's CRC32 for the object matches the file's: the upload says both checks passed", async () => {
  const content = randomBytes(100_000);
  const file = join(home, 'good.bin');
  writeFileSync(file, content);
  reportedCrc32 = crc32Base64(content);
  const result = await upload(file, 'good.bin');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`uploaded ${file} to s3://${s3.bucket}/web-01/good.bin (100000 bytes, ETag verified, CRC32 verified)`);
  expect(result.code).toBe(0);
}, 60_000);

test('a CRC32 that is not the file\'s fails the upload with INTEGRITY_CHECK_FAILED', async () => {
  const content = randomBytes(100_000);
  const file = join(home, 'bad.bin');
  writeFileSync(file, content);
  reportedCrc32 = crc32Base64(Buffer.from('something else'));
  const result = await upload(file, 'bad.bin');
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(
    `s3-ops: upload of ${file} to s3://${s3.bucket}/web-01/bad.bin: S3 reports CRC32 ${reportedCrc32}, the file gives ${crc32Base64(content)} [INTEGRITY_CHECK_FAILED]\n`,
  );
}, 60_000);
