/**
 * The AWS SDK's HTTP handler for a download's ranged GETs, reading each answer's body into one
 * reused 1 MiB buffer per connection (node:net / node:tls `onread`), handed to the download as
 * views it writes and hashes at once. Through node:http every read of at most 64 KiB is a new
 * buffer that passes through a stream: receiving 512 MiB from the local S3 took 580 ms of CPU
 * that way, 160–230 ms this way (bench/RESULTS.md, Uploads and downloads).
 *
 * Only what is simple to get right is taken here: a GET with a Range header, to an endpoint
 * reached without a proxy, answered 206 with a Content-Length. Everything else goes to the
 * client's own handler (node:http), which the SDK would have used: other requests at once, and
 * any other answer by sending the (idempotent) GET again there, so errors are read, parsed and
 * retried exactly as before. The SDK still resolves the endpoint, signs, retries and parses;
 * this only moves bytes. Connections are kept alive and reused, one exchange at a time.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { buildQueryString } from '@smithy/core/protocols';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { proxyFor } from '../credentials/proxy';

/** Bytes each connection reads into at once: past what a localhost or WAN socket holds per read. */
const READ_BUFFER = 1024 * 1024;
/** An answer whose headers do not end within this many bytes is not one this handler takes. */
const MAX_HEAD = 64 * 1024;
/** Idle connections kept per origin. */
const MAX_IDLE = 16;

/** What a connection delivers to the exchange in progress. */
interface Exchange {
  /** False: pause reading until the body's consumer asks for more. */
  data(bytes: Buffer): boolean;
  closed(error?: Error): void;
}

interface Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
}

/**
 * A body read straight from the connection: `drain` hands each piece to a synchronous sink as a
 * view into the connection's read buffer, valid only during the call (write it and hash it
 * there). Until `drain` is called, and when read as an ordinary stream (what the SDK does with a
 * body it does not expect), pieces are copied, and the connection pauses while they wait.
 */
export class SocketBody extends Readable {
  private sink: ((piece: Buffer) => void) | undefined;
  private finished: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private readonly waiting: Buffer[] = [];
  private failure: Error | undefined;
  private ended = false;

  constructor(
    private readonly connection: { pause(): void; resume(): void; destroy(error?: Error): void },
    private readonly onDone: (reusable: boolean) => void,
  ) {
    super();
  }

  /**
   * Runs `sink` on every piece of the body, in order; resolves once all of it (its Content-Length) came.
   * Rejects with the connection's failure, or with what `sink` threw (the connection is dropped).
   */
  drain(sink: (piece: Buffer) => void): Promise<void> {
    this.sink = sink;
    const done = new Promise<void>((resolve, reject) => (this.finished = { resolve, reject }));
    try {
      for (const piece of this.waiting.splice(0)) sink(piece);
    } catch (error) {
      this.fail(error as Error);
      this.connection.destroy();
    }
    if (this.failure) this.finished!.reject(this.failure);
    else if (this.ended) this.finished!.resolve();
    else this.connection.resume();
    return done;
  }

  /** @internal a piece arrived (a view valid during this call); false: pause the connection. */
  deliver(piece: Buffer): boolean {
    if (this.failure) return false;
    if (this.sink) {
      try {
        this.sink(piece);
        return true;
      } catch (error) {
        this.fail(error as Error);
        this.connection.destroy();
        return false;
      }
    }
    if (this.readableFlowing) return this.push(Buffer.from(piece));
    this.waiting.push(Buffer.from(piece));
    return false;
  }

  /** @internal the last byte came. */
  complete(): void {
    if (this.failure) return;
    this.ended = true;
    this.onDone(true);
    if (this.sink) this.finished?.resolve();
    else if (this.readableFlowing) this.push(null);
  }

  /** @internal the connection failed before the last byte, or the sink threw. */
  fail(error: Error): void {
    if (this.failure || this.ended) return;
    this.failure = error;
    this.onDone(false);
    this.finished?.reject(error);
    if (!this.sink) this.destroy(error);
  }

  override _read(): void {
    while (this.waiting.length > 0) if (!this.push(this.waiting.shift())) return;
    if (this.ended) this.push(null);
    else this.connection.resume();
  }
}

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpHandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type HttpResponse = Awaited<ReturnType<NodeHttpHandler['handle']>>['response'];

export class SocketBodyHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly idle = new Map<string, Connection[]>();
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER);

  /** @param fallback the handler the client would use otherwise (the SDK's NodeHttpHandler). */
  constructor(private readonly fallback: NodeHttpHandler) {}

  destroy(): void {
    for (const connections of this.idle.values()) for (const { socket } of connections) socket.destroy();
    this.idle.clear();
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const secure = request.protocol === 'https:';
    const port = request.port ?? (secure ? 443 : 80);
    const origin = `${request.protocol}//${request.hostname}:${port}`;
    if (request.method !== 'GET' || request.headers.range === undefined || request.body !== undefined || proxyFor(origin)) {
      return this.fallback.handle(request, options);
    }
    // A kept connection the server closed meanwhile fails before any answer: try one fresh one then.
    const reused = this.takeIdle(origin);
    const answer = await this.exchange(request, origin, reused ?? this.open(request, secure, port), options.abortSignal).catch((error: unknown) => {
      if (reused && error instanceof StaleConnection) return this.exchange(request, origin, this.open(request, secure, port), options.abortSignal);
      throw error;
    });
    if (answer) return { response: answer };
    return this.fallback.handle(request, options);
  }

  /** A kept connection to `origin` that is still open, if any (ones the server closed are dropped). */
  private takeIdle(origin: string): Connection | undefined {
    const idle = this.idle.get(origin) ?? [];
    let connection = idle.pop();
    while (connection && (connection.socket.destroyed || !connection.socket.writable)) connection = idle.pop();
    return connection;
  }

  private open(request: HttpRequest, secure: boolean, port: number): Connection {
    const connection: Connection = { exchange: undefined } as Connection;
    const onread = {
      buffer: this.buffer,
      // The buffer is shared by every connection: each piece is consumed (written, hashed, or
      // copied) before this returns, and reads of different connections never interleave.
      callback: (length: number, buffer: Buffer) => connection.exchange?.data(buffer.subarray(0, length)) ?? true,
    };
    // node:tls takes onread as node:net does (its type declarations omit it).
    const socket = secure
      ? tlsConnect({ host: request.hostname, port, servername: request.hostname, ALPNProtocols: ['http/1.1'], ...({ onread } as object) })
      : netConnect({ host: request.hostname, port, onread });
    socket.setNoDelay(true);
    socket.on('error', (error) => connection.exchange?.closed(error));
    socket.on('close', () => connection.exchange?.closed());
    (connection as { socket: Socket }).socket = socket;
    return connection;
  }

  /**
   * Sends `request` on `connection` and reads the answer's head. Resolves with the response for a
   * 206 with a Content-Length (its body a SocketBody), or undefined for any other answer (the
   * connection is then dropped and the caller asks the fallback).
   */
  private exchange(request: HttpRequest, origin: string, connection: Connection, signal: HttpHandlerOptions['abortSignal']): Promise<HttpResponse | undefined> {
    // The SDK passes Node's AbortSignal (its type also allows a legacy one without listeners).
    const abortSignal = signal as AbortSignal | undefined;
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let body: SocketBody | undefined;
      let remaining = 0;
      let answered = false;
      const abort = () => connection.socket.destroy(abortError());
      if (abortSignal?.aborted) return reject(abortError());
      abortSignal?.addEventListener('abort', abort, { once: true });
      const release = (reusable: boolean) => {
        abortSignal?.removeEventListener('abort', abort);
        connection.exchange = undefined;
        const idle = this.idle.get(origin) ?? [];
        if (reusable && !connection.socket.destroyed && idle.length < MAX_IDLE) {
          idle.push(connection);
          this.idle.set(origin, idle);
        } else connection.socket.destroy();
      };
      connection.exchange = {
        data: (bytes) => {
          if (body) {
            const piece = bytes.length > remaining ? bytes.subarray(0, remaining) : bytes;
            remaining -= piece.length;
            const more = piece.length === 0 || body.deliver(piece);
            if (remaining === 0) {
              // Bytes past the body: the server sent what was not asked for; the connection is not reused.
              if (bytes.length > piece.length) connection.socket.destroy();
              body.complete();
              return true; // the body is all in: nothing to hold back for it
            }
            return more;
          }
          head = Buffer.concat([head, bytes]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) {
            if (head.length > MAX_HEAD) settleElsewhere();
            return true;
          }
          const parsed = parseHead(head.subarray(0, end).toString('latin1'));
          const length = Number(parsed?.headers['content-length']);
          if (!parsed || parsed.statusCode !== 206 || parsed.headers['transfer-encoding'] !== undefined || !Number.isSafeInteger(length)) {
            settleElsewhere();
            return false;
          }
          answered = true;
          remaining = length;
          const keepAlive = !/\bclose\b/i.test(parsed.headers.connection ?? '');
          const socket = connection.socket;
          body = new SocketBody({ pause: () => socket.pause(), resume: () => socket.resume(), destroy: (error) => socket.destroy(error) }, (reusable) => release(reusable && keepAlive));
          resolve({ statusCode: parsed.statusCode, reason: parsed.reason, headers: parsed.headers, body });
          const rest = head.subarray(end + 4);
          head = Buffer.alloc(0);
          return rest.length > 0 || remaining === 0 ? connection.exchange!.data(rest) : true;
        },
        closed: (error) => {
          if (body) {
            if (remaining > 0) body.fail(new Error(`the connection closed ${remaining} bytes before the end of the body${error ? `: ${error.message}` : ''}`));
            return;
          }
          abortSignal?.removeEventListener('abort', abort);
          connection.exchange = undefined;
          if (abortSignal?.aborted) reject(abortError());
          else if (!answered && head.length === 0) reject(new StaleConnection(error));
          else reject(error ?? new Error('the connection closed before the answer ended'));
        },
      };
      const settleElsewhere = () => {
        // Not an answer taken here: drop the connection, let the fallback ask again.
        abortSignal?.removeEventListener('abort', abort);
        connection.exchange = undefined;
        connection.socket.destroy();
        resolve(undefined);
      };
      connection.socket.resume();
      connection.socket.write(requestHead(request));
    });
  }
}

/** Thrown when a connection closes before any byte of an answer: a kept-alive one the server dropped. */
class StaleConnection extends Error {
  constructor(cause?: Error) {
    super(`the connection closed before an answer${cause ? `: ${cause.message}` : ''}`);
  }
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

/** The request line and headers of a GET, as the SDK built and signed them (its query string written as NodeHttpHandler writes it). */
function requestHead(request: HttpRequest): string {
  const query = request.query ? buildQueryString(request.query) : '';
  const lines = [`GET ${request.path}${query ? `?${query}` : ''} HTTP/1.1`];
  const headers = { ...request.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) headers.host = request.port ? `${request.hostname}:${request.port}` : request.hostname;
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Status line and headers (names lower-cased, repeats joined with ", "); undefined if malformed. */
function parseHead(text: string): { statusCode: number; reason: string; headers: Record<string, string> } | undefined {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine ?? '');
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { statusCode: Number(status[1]), reason: status[2] ?? '', headers };
}
