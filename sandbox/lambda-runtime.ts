/**
 * The vending Lambda behind its HTTP API route, for the sandbox: a child process (a Lambda
 * container has its own environment) serving HTTPS, turning each request into the HTTP API
 * payload-2.0 event API Gateway would send, and the handler's result into the response. Only the
 * route `POST /credentials` reaches the handler, as with the deployed API's one route.
 *
 * Protocol with the parent (IPC): the child sends `{ port }` once listening; the parent sends
 * `{ env }` (the function's environment from the synthesized stack) before the first request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HttpApiEvent, HttpApiResult } from '../lambda/credential-vending/types';
import { localTls } from './local-tls';

type Handler = (event: HttpApiEvent, context?: { awsRequestId?: string }) => Promise<HttpApiResult>;

let handler: Handler | undefined;
let waiting: Array<() => void> = [];

process.on('message', (message: { env?: Record<string, string> }) => {
  if (message.env && !handler) {
    Object.assign(process.env, message.env);
    // Loaded only now: the handler reads its settings from the environment at init, like a Lambda container.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../lambda/credential-vending/handler') as { handler: Handler }).handler;
    for (const resolve of waiting) resolve();
    waiting = [];
  }
});

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  if (route !== 'POST /credentials') {
    // An HTTP API answers an unknown route itself, without invoking the function.
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Not Found' }));
    return;
  }
  if (!handler) await new Promise<void>((resolve) => waiting.push(resolve));
  const body = await readBody(req);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const requestId = randomUUID();
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: 'POST /credentials',
    rawPath: url.pathname,
    headers,
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
    requestContext: { requestId, http: { method: 'POST', path: url.pathname, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' } },
  };
  const result = await handler!(event, { awsRequestId: requestId });
  res.writeHead(result.statusCode, { ...result.headers });
  res.end(result.body);
}

const tls = localTls();
const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
  serve(req, res).catch(() => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Internal Server Error' }));
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
