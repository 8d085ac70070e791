// s3-ops upload compares what S3 reports for the stored object with digests of the bytes it
// read: the CRC32 checksum (x-amz-checksum-crc32, which the local S3 verifies and reports as S3
// does, sandbox/s3-checksums.ts; a relay in front of it can report another) and the ETag where it
// is an MD5. A report that does not match the file fails the upload with INTEGRITY_CHECK_FAILED.
// The relay also sees each part as sent: its CRC32 header (computed in s3-ops' hashing worker)
// must be the CRC32 of the bytes on the wire, and a part it corrupts on the way must be caught:
// by S3 (BadDigest), or, on a server that ignores checksums (the relay hides them from the local
// S3), by the MD5 ETag against the MD5 the worker computed from the file. A failed multipart
// upload is aborted once its parts in flight are answered (s3rver does not implement
// AbortMultipartUpload, so the relay's record is what shows it was asked for).
import { createHash, randomBytes } from 'node:crypto';
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
/** The part number whose body the relay corrupts (one byte flipped) on its way to s3rver. */
let corruptPart: number | undefined;
/** The part number the relay refuses with 403 AccessDenied, as S3 would. */
let refusePart: number | undefined;
/** The relay plays a server that ignores checksums: it hides them from the local S3, which then neither verifies nor reports any. */
let ignoreChecksums = false;
/** Every request through the relay: method, URL, the checksum and payload-hash headers, and for parts the CRC32 of the bytes received. */
let seen: { method: string; url: string; crc32Header?: string; sha256Header?: string; bodyCrc32?: string; arrived: number; answered?: number }[] = [];

beforeAll(async () => {
  s3 = await startS3();
  bundles = buildBundles();
  home = tempDir('s3-integrity');
  writeFileSync(join(home, 'aws-config'), '');
  writeFileSync(join(home, 'aws-credentials'), '');
  const target = new URL(s3.url);
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const arrived = performance.now();
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const part = /[?&]partNumber=(\d+)/.exec(req.url ?? '');
      const partNumber = part ? Number(part[1]) : undefined;
      const record: (typeof seen)[number] = {
        arrived,
        method: req.method ?? '',
        url: req.url ?? '',
        crc32Header: req.headers['x-amz-checksum-crc32'] as string | undefined,
        sha256Header: req.headers['x-amz-content-sha256'] as string | undefined,
        ...(req.method === 'PUT' ? { bodyCrc32: crc32Base64(body) } : {}),
      };
      seen.push(record);
      res.on('finish', () => (record.answered = performance.now()));
      if (req.method === 'PUT' && partNumber !== undefined && partNumber === refusePart) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
        return;
      }
      if (req.method === 'PUT' && partNumber !== undefined && partNumber === corruptPart) {
        body = Buffer.from(body);
        body[body.length >> 1]! ^= 0xff;
      }
      const headers = ignoreChecksums ? Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith('x-amz-checksum-'))) : req.headers;
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
        const headers = { ...answer.headers };
        if (req.method === 'PUT' && reportedCrc32 !== undefined && partNumber === undefined) headers['x-amz-checksum-crc32'] = reportedCrc32;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
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

beforeEach(() => {
  reportedCrc32 = undefined;
  corruptPart = undefined;
  refusePart = undefined;
  ignoreChecksums = false;
  seen = [];
});

function upload(file: string, key: string, ...options: string[]) {
  const env = cleanEnv(home, {
    AWS_ACCESS_KEY_ID: s3.accessKeys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.accessKeys.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: relayUrl,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'web-01/',
  });
  return run(NODE, [bundles.s3ops, 'upload', file, key, '--path-style', ...options], env, { cwd: home, timeoutMs: 60_000 });
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

const MIB = 1024 * 1024;

test.each([
  ['verifies checksums (S3): the parts are verified on receipt and the composite CRC32 is compared', false, 'CRC32 verified'],
  ['ignores checksums: each part\'s ETag and the object\'s (S3\'s multipart form) are verified', true, 'ETag verified'],
])('multipart on a server that %s; each part carries the CRC32 of its bytes (from the hashing worker) and is signed UNSIGNED-PAYLOAD', async (_server, ignore, verified) => {
  ignoreChecksums = ignore;
  const content = randomBytes(12 * MIB + 12_345);
  const file = join(home, 'parts.bin');
  writeFileSync(file, content);
  const result = await upload(file, 'parts.bin', '--part-size', '5');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`uploaded ${file} to s3://${s3.bucket}/web-01/parts.bin (${content.length} bytes, ${verified})`);
  expect(result.code).toBe(0);
  const parts = seen.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
  expect(parts.map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1])).sort()).toEqual([1, 2, 3]);
  for (const part of parts) {
    const n = Number(/partNumber=(\d+)/.exec(part.url)![1]);
    expect(part.crc32Header).toBe(crc32Base64(content.subarray((n - 1) * 5 * MIB, n * 5 * MIB)));
    expect(part.bodyCrc32).toBe(part.crc32Header);
    expect(part.sha256Header).toBe('UNSIGNED-PAYLOAD');
  }
}, 60_000);

/** A multipart upload (5 MiB parts) of `size` random bytes from `name` that must fail: its file, content and result. */
async function failingMultipart(name: string, size: number) {
  const content = randomBytes(size);
  const file = join(home, name);
  writeFileSync(file, content);
  const result = await upload(file, name, '--part-size', '5');
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  return { content, file, result };
}

test('multipart: a part corrupted on the way is refused by S3 (BadDigest): INTEGRITY_CHECK_FAILED, and the upload is aborted', async () => {
  corruptPart = 2;
  const { result } = await failingMultipart('torn.bin', 11 * MIB);
  expect(result.stderr).toBe(
    `s3-ops: upload s3://${s3.bucket}/web-01/torn.bin: S3 refused bytes that do not match the CRC32 sent with them (BadDigest: changed on the way); nothing was stored [INTEGRITY_CHECK_FAILED]\n`,
  );
  const abort = seen.at(-1)!;
  expect(abort.method).toBe('DELETE');
  expect(abort.url).toContain('x-id=AbortMultipartUpload');
}, 60_000);

test('multipart: a part corrupted on the way to a server that ignores checksums (stored as is) fails the upload with INTEGRITY_CHECK_FAILED', async () => {
  ignoreChecksums = true;
  corruptPart = 2;
  const { content, file, result } = await failingMultipart('torn.bin', 11 * MIB);
  const sent = content.subarray(5 * MIB, 10 * MIB);
  const md5 = createHash('md5').update(sent).digest('hex');
  const stored = Buffer.from(sent);
  stored[stored.length >> 1]! ^= 0xff; // as the relay corrupts it
  expect(result.stderr).toBe(
    `s3-ops: upload of ${file} to s3://${s3.bucket}/web-01/torn.bin: S3 reports ETag ${createHash('md5').update(stored).digest('hex')} for part 2, bytes ${5 * MIB}-${10 * MIB - 1} of the file give MD5 ${md5} [INTEGRITY_CHECK_FAILED]\n`,
  );
  // Stopped at the part: the upload is aborted, never completed.
  expect(seen.some((r) => r.method === 'POST' && r.url.includes('uploadId='))).toBe(false);
  expect(seen.at(-1)!.method).toBe('DELETE');
}, 60_000);

test('multipart: a refused part stops the upload, which is aborted once the parts in flight are answered, and explained', async () => {
  refusePart = 2;
  const { result } = await failingMultipart('refused.bin', 16 * MIB);
  expect(result.stderr).toBe(
    `s3-ops: upload s3://${s3.bucket}/web-01/refused.bin was denied: upload needs the "write" tier or higher (upload only); this host's tier is not known here (S3_PERMISSIONS) [S3_ACCESS_DENIED]\n`,
  );
  const uploadId = /uploadId=([^&]+)/.exec(seen.find((r) => r.url.includes('uploadId='))!.url)![1];
  const abort = seen.at(-1)!;
  expect([abort.method, abort.url]).toEqual(['DELETE', `/${s3.bucket}/web-01/refused.bin?uploadId=${uploadId}&x-id=AbortMultipartUpload`]);
  const parts = seen.filter((r) => r.method === 'PUT');
  expect(parts.length).toBeGreaterThanOrEqual(2);
  for (const part of parts) expect(part.answered).toBeLessThanOrEqual(abort.arrived);
}, 60_000);
