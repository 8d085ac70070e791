// The download's HTTP handler, under the real S3 client against the local S3: ranged GETs
// answered 206 come back as SocketBody (drained straight from the connection, or read as a
// stream), everything else goes through node:http exactly as before.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { SocketBody, SocketBodyHandler } from '../../client/s3/socket-body-handler';

let s3: LocalS3;
let client: S3Client;
const content = randomBytes(3 * 1024 * 1024 + 17);

beforeAll(async () => {
  s3 = await startS3({ bucket: 'socket-body' });
  client = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'eu-west-1', credentials: s3.accessKeys, requestHandler: new SocketBodyHandler(new NodeHttpHandler()) });
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'object.bin', Body: content }));
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

const ranged = (range: string, key = 'object.bin') => client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key, Range: range }));

async function drained(body: unknown): Promise<Buffer> {
  expect(body).toBeInstanceOf(SocketBody);
  const pieces: Buffer[] = [];
  await (body as SocketBody).drain((piece) => pieces.push(Buffer.from(piece)));
  return Buffer.concat(pieces);
}

test('a ranged GET answered 206 is a SocketBody that drains exactly the bytes asked for', async () => {
  for (const [start, end] of [[0, 1_048_575], [1_048_576, 3 * 1024 * 1024 + 16], [5, 5]] as const) {
    const answer = await ranged(`bytes=${start}-${end}`);
    expect(answer.ContentRange).toBe(`bytes ${start}-${end}/${content.length}`);
    expect((await drained(answer.Body)).equals(content.subarray(start, end + 1))).toBe(true);
  }
});

test('the same body read as an ordinary stream gives the same bytes (copied)', async () => {
  const answer = await ranged('bytes=100-2000099');
  expect(answer.Body).toBeInstanceOf(SocketBody);
  expect(Buffer.from(await answer.Body!.transformToByteArray()).equals(content.subarray(100, 2_000_100))).toBe(true);
});

test('a sink that throws fails the drain with its error; the next GET still works', async () => {
  const answer = await ranged('bytes=0-2097151');
  await expect((answer.Body as unknown as SocketBody).drain(() => {
    throw new Error('disk full');
  })).rejects.toThrow('disk full');
  expect((await drained((await ranged('bytes=10-19')).Body)).equals(content.subarray(10, 20))).toBe(true);
});

test('any other answer goes through node:http as before: errors are the SDK\'s, whole-object GETs and HEADs are plain streams', async () => {
  const missing = await ranged('bytes=0-9', 'missing.bin').catch((error: { name: string; $metadata: { httpStatusCode: number } }) => error);
  expect([(missing as { name: string }).name, (missing as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
  const whole = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'object.bin' }));
  expect(whole.Body).not.toBeInstanceOf(SocketBody);
  expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(content)).toBe(true);
  expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'object.bin' }))).ContentLength).toBe(content.length);
  const unsatisfiable = await ranged(`bytes=${content.length + 10}-${content.length + 20}`).catch((error: { name: string }) => error);
  expect((unsatisfiable as { name: string }).name).toBe('InvalidRange');
});

test('over TLS (node:tls with onread), checked against the local CA as node:https would', async () => {
  const secure = await startS3({ bucket: 'socket-body-tls', tls: true });
  const tlsClient = new S3Client({ endpoint: secure.url, forcePathStyle: true, region: 'eu-west-1', credentials: secure.accessKeys, requestHandler: new SocketBodyHandler(new NodeHttpHandler()) });
  try {
    await tlsClient.send(new PutObjectCommand({ Bucket: secure.bucket, Key: 'object.bin', Body: content }));
    const answer = await tlsClient.send(new GetObjectCommand({ Bucket: secure.bucket, Key: 'object.bin', Range: 'bytes=1000-3000999' }));
    expect((await drained(answer.Body)).equals(content.subarray(1000, 3_001_000))).toBe(true);
  } finally {
    tlsClient.destroy();
    await secure.close();
  }
});

test('a kept connection the server closed meanwhile is not used again: the next GET opens a fresh one', async () => {
  const body = randomBytes(100_000);
  const connections: number[] = [];
  const server = createServer((req, res) => {
    const [, start, end] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')!.map(Number);
    res.writeHead(206, { 'content-length': String(end! - start! + 1), 'content-range': `bytes ${start}-${end}/${body.length}` });
    res.end(body.subarray(start, end! + 1));
  });
  server.on('connection', () => connections.push(Date.now()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handler = new SocketBodyHandler(new NodeHttpHandler());
  const get = async (range: string) => {
    const { response } = await handler.handle({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/o', query: {}, headers: { range } } as never);
    return drained(response.body);
  };
  try {
    expect((await get('bytes=0-999')).equals(body.subarray(0, 1000))).toBe(true);
    expect((await get('bytes=1000-99999')).equals(body.subarray(1000))).toBe(true);
    expect(connections).toHaveLength(1); // kept alive
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await get('bytes=5-9')).equals(body.subarray(5, 10))).toBe(true);
    expect(connections).toHaveLength(2);
  } finally {
    handler.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
