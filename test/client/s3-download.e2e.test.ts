// s3-ops download against s3rver (the S3 REST protocol): objects above the part size come down
// as parallel ranged GETs written at their offsets, and the assembled bytes are compared with
// what S3 reports for the object (its MD5 ETag on s3rver; the CRC64NVME or composite CRC32 that
// real S3 reports, which a relay in front of s3rver adds to the HEAD answer as S3 would). A
// failed GET or a mismatch leaves the target as it was and no temp file behind.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Crc32Js, Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { buildBundles, cleanEnv, removeDir, run, tempDir, type Bundles } from './harness';

const NODE = process.execPath;
const MIB = 1024 * 1024;
let s3: LocalS3;
let sdk: S3Client;
let bundles: Bundles;
let home: string;
let relay: Server;
let relayUrl: string;

/** What the relay does to one request; the default passes it through. */
interface RelayHooks {
  /** Headers to add to (or replace in) the answer to a HEAD of the object. */
  head?: (req: IncomingMessage) => Record<string, string>;
  /** Return true to cut the answer to this GET after its headers and 64 KiB of body. */
  cut?: (req: IncomingMessage) => boolean;
}
let hooks: RelayHooks = {};
const gets: { range?: string; ifMatch?: string }[] = [];
let inFlight = 0;
let maxInFlight = 0;

function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const isGet = req.method === 'GET' && !req.url?.includes('?list');
  if (isGet) {
    gets.push({ range: req.headers.range, ifMatch: req.headers['if-match'] as string | undefined });
    maxInFlight = Math.max(maxInFlight, ++inFlight);
  }
  const done = () => isGet && inFlight--;
  const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
    const extra = req.method === 'HEAD' && hooks.head ? hooks.head(req) : {};
    res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...extra });
    if (isGet && hooks.cut?.(req)) {
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        if (sent >= 64 * 1024) return;
        res.write(chunk.subarray(0, 64 * 1024 - sent));
        sent += chunk.length;
        if (sent >= 64 * 1024) {
          answer.destroy();
          res.destroy(); // the connection drops mid-body
          done();
        }
      });
      return;
    }
    answer.pipe(res);
    answer.on('end', done);
    // A client that gave up (s3-ops aborting its other GETs) must not leave s3rver's side open.
    res.on('close', () => answer.destroy());
  });
  req.pipe(upstream);
}

beforeAll(async () => {
  s3 = await startS3();
  sdk = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'eu-west-1', credentials: s3.accessKeys, requestChecksumCalculation: 'WHEN_REQUIRED' });
  bundles = buildBundles();
  home = tempDir('s3-download');
  writeFileSync(join(home, 'aws-config'), '');
  writeFileSync(join(home, 'aws-credentials'), '');
  const target = new URL(s3.url);
  relay = createServer((req, res) => forward(req, res, target));
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  relay?.closeAllConnections();
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
  sdk?.destroy();
  await s3?.close();
  removeDir(bundles?.dir);
  removeDir(home);
});

beforeEach(() => {
  hooks = {};
  gets.length = 0;
  maxInFlight = 0;
});

async function put(key: string, content: Buffer): Promise<void> {
  await sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `web-01/${key}`, Body: content }));
}

function download(key: string, file: string, ...options: string[]) {
  const env = cleanEnv(home, {
    AWS_ACCESS_KEY_ID: s3.accessKeys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.accessKeys.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: relayUrl,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'web-01/',
  });
  return run(NODE, [bundles.s3ops, 'download', key, file, '--path-style', ...options], env, { cwd: home });
}

/** Files in the download directory besides the ones named: a leftover temp file would show here. */
function leftovers(dir: string, ...expected: string[]): string[] {
  return readdirSync(dir).filter((name) => !expected.includes(name));
}

function content(size: number): Buffer {
  return randomBytes(size);
}

async function checksum(algorithm: typeof Crc32Js | typeof Crc64NvmeJs, bytes: Buffer): Promise<Buffer> {
  const hash = new algorithm();
  hash.update(bytes);
  return Buffer.from(await hash.digest());
}

test('above the part size: parallel ranged GETs of the part size, reassembled byte for byte, MD5 verified', async () => {
  const bytes = content(21 * MIB + 123);
  await put('big.bin', bytes);
  const dir = tempDir('dl-big');
  const out = join(dir, 'big.out');
  const result = await download('big.bin', out, '--part-size', '5');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`downloaded s3://${s3.bucket}/web-01/big.bin to ${out} (${bytes.length} bytes in 5 parts, MD5 verified)`);
  expect(result.code).toBe(0);
  expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(leftovers(dir, 'big.out')).toEqual([]);
  // Each part once, by range, pinned to the ETag; several at a time.
  const ranges = gets.map((g) => g.range).sort();
  expect(ranges).toEqual([0, 1, 2, 3, 4].map((i) => `bytes=${i * 5 * MIB}-${Math.min((i + 1) * 5 * MIB, bytes.length) - 1}`).sort());
  expect(gets.every((g) => g.ifMatch === `"${createHash('md5').update(bytes).digest('hex')}"`)).toBe(true);
  expect(maxInFlight).toBeGreaterThan(1);
  removeDir(dir);
}, 60_000);

test('a ranged GET that fails mid-way fails the download: the old file stays as it was, no temp file is left', async () => {
  const bytes = content(12 * MIB);
  await put('cut.bin', bytes);
  const dir = tempDir('dl-cut');
  const out = join(dir, 'cut.out');
  writeFileSync(out, 'the previous version\n');
  hooks.cut = (req) => req.headers.range === `bytes=${5 * MIB}-${10 * MIB - 1}`;
  const result = await download('cut.bin', out, '--part-size', '5');
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  // The relay cut the answer after its headers and 64 KiB of the 5 MiB body.
  const left = /the connection closed (\d+) bytes before the end of the body/.exec(result.stderr)?.[1];
  expect(result.stderr).toBe(`s3-ops: download of s3://${s3.bucket}/web-01/cut.bin to ${out} failed: the connection closed ${left} bytes before the end of the body [S3_OPERATION_FAILED]\n`);
  expect(Number(left)).toBeGreaterThan(5 * MIB - 128 * 1024);
  expect(Number(left)).toBeLessThan(5 * MIB);
  expect(readFileSync(out, 'utf8')).toBe('the previous version\n');
  expect(leftovers(dir, 'cut.out')).toEqual([]);
  removeDir(dir);
}, 60_000);

test('an ETag that is not the MD5 of what came down: INTEGRITY_CHECK_FAILED, nothing written', async () => {
  const bytes = content(7 * MIB);
  await put('etag.bin', bytes);
  const dir = tempDir('dl-etag');
  const out = join(dir, 'etag.out');
  const wrong = createHash('md5').update('something else').digest('hex');
  hooks.head = () => ({ etag: `"${wrong}"` });
  const result = await download('etag.bin', out, '--part-size', '5');
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    `s3-ops: download of s3://${s3.bucket}/web-01/etag.bin: S3 reports MD5 ${wrong}, the downloaded bytes give ${createHash('md5').update(bytes).digest('hex')}; nothing was written to ${out} [INTEGRITY_CHECK_FAILED]\n`,
  );
  expect(existsSync(out)).toBe(false);
  expect(leftovers(dir)).toEqual([]);
  removeDir(dir);
}, 60_000);

test("S3's full-object CRC64NVME is computed over the assembled bytes: verified when equal, refused when not", async () => {
  const bytes = content(11 * MIB + 5);
  await put('crc64.bin', bytes);
  const dir = tempDir('dl-crc64');
  const right = (await checksum(Crc64NvmeJs, bytes)).toString('base64');
  hooks.head = () => ({ 'x-amz-checksum-crc64nvme': right, 'x-amz-checksum-type': 'FULL_OBJECT' });
  const good = await download('crc64.bin', join(dir, 'good.out'), '--part-size', '5');
  expect(good.stderr).toBe('');
  expect(good.stdout.trim()).toBe(`downloaded s3://${s3.bucket}/web-01/crc64.bin to ${join(dir, 'good.out')} (${bytes.length} bytes in 3 parts, CRC64NVME verified)`);
  expect(readFileSync(join(dir, 'good.out')).equals(bytes)).toBe(true);

  const wrong = (await checksum(Crc64NvmeJs, Buffer.from('other'))).toString('base64');
  hooks.head = () => ({ 'x-amz-checksum-crc64nvme': wrong, 'x-amz-checksum-type': 'FULL_OBJECT' });
  const bad = await download('crc64.bin', join(dir, 'bad.out'), '--part-size', '5');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe(`s3-ops: download of s3://${s3.bucket}/web-01/crc64.bin: S3 reports CRC64NVME ${wrong}, the downloaded bytes give ${right}; nothing was written to ${join(dir, 'bad.out')} [INTEGRITY_CHECK_FAILED]\n`);
  expect(leftovers(dir, 'good.out')).toEqual([]);
  removeDir(dir);
}, 60_000);

test("a composite CRC32 is rebuilt at the upload's part boundaries (part 1's size), not the download's", async () => {
  const bytes = content(13 * MIB);
  await put('crc32.bin', bytes);
  const uploadPart = 6 * MIB; // differs from the 5 MiB ranges the download uses
  const partCrcs: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += uploadPart) partCrcs.push(await checksum(Crc32Js, bytes.subarray(offset, offset + uploadPart)));
  const composite = `${(await checksum(Crc32Js, Buffer.concat(partCrcs))).toString('base64')}-${partCrcs.length}`;
  hooks.head = (req): Record<string, string> =>
    req.url?.includes('partNumber=1')
      ? { 'content-length': String(uploadPart), 'x-amz-mp-parts-count': String(partCrcs.length) }
      : { 'x-amz-checksum-crc32': composite, 'x-amz-checksum-type': 'COMPOSITE', etag: `"${'0'.repeat(32)}-${partCrcs.length}"` };
  const dir = tempDir('dl-crc32');
  const out = join(dir, 'crc32.out');
  const result = await download('crc32.bin', out, '--part-size', '5');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`downloaded s3://${s3.bucket}/web-01/crc32.bin to ${out} (${bytes.length} bytes in 3 parts, CRC32 composite verified)`);
  expect(readFileSync(out).equals(bytes)).toBe(true);
  removeDir(dir);
}, 60_000);

test("an object s3-ops uploaded in 6 MiB parts downloads in 5 MiB ranges, checked against the COMPOSITE CRC32 S3 computed from the parts", async () => {
  const bytes = content(13 * MIB);
  const dir = tempDir('dl-own');
  const source = join(dir, 'own.bin');
  writeFileSync(source, bytes);
  const env = cleanEnv(home, {
    AWS_ACCESS_KEY_ID: s3.accessKeys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.accessKeys.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: s3.url,
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'web-01/',
  });
  const up = await run(NODE, [bundles.s3ops, 'upload', source, 'own.bin', '--path-style', '--part-size', '6'], env, { cwd: home });
  expect(up.stdout.trim()).toBe(`uploaded ${source} to s3://${s3.bucket}/web-01/own.bin (${bytes.length} bytes, CRC32 verified)`);
  const out = join(dir, 'own.out');
  const result = await download('own.bin', out, '--part-size', '5');
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`downloaded s3://${s3.bucket}/web-01/own.bin to ${out} (${bytes.length} bytes in 3 parts, CRC32 composite verified)`);
  expect(readFileSync(out).equals(bytes)).toBe(true);
  removeDir(dir);
}, 60_000);

test.each([
  ['zero-byte', Buffer.alloc(0)],
  ['one-byte', Buffer.from('x')],
])('a %s object is one plain GET and arrives exactly', async (name, bytes) => {
  await put(`${name}.bin`, bytes);
  const dir = tempDir(`dl-${name}`);
  const out = join(dir, `${name}.out`);
  writeFileSync(out, 'previous content that must be replaced\n');
  const result = await download(`${name}.bin`, out);
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe(`downloaded s3://${s3.bucket}/web-01/${name}.bin to ${out} (${bytes.length} bytes in 1 part, MD5 verified)`);
  expect(readFileSync(out).equals(bytes)).toBe(true);
  expect(gets).toEqual([{ range: undefined, ifMatch: undefined }]);
  expect(leftovers(dir, `${name}.out`)).toEqual([]);
  removeDir(dir);
}, 60_000);
