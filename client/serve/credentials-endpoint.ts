import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forConsumers, lifetimeLeftSeconds, type AwsCredentials } from '../credentials/aws-credentials';
import { systemClock, type HostClock } from '../credentials/issuer-clock';
import { MIN_USABLE_SECONDS } from '../credentials/credential-provider';
import { describeError, UsageError } from '../errors';
import type { AuthorizationToken } from './authorization-token';

/** The only address the endpoint listens on: credentials never leave this machine. */
export const LOOPBACK_ADDRESS = '127.0.0.1';
export const DEFAULT_PORT = 9911;

export interface CredentialsEndpointOptions {
  /** 0 picks a free port. @default 9911 */
  readonly port?: number;
  /** Refused unless it is 127.0.0.1. @default 127.0.0.1 */
  readonly address?: string;
  readonly token: AuthorizationToken;
  /** Credentials still valid for at least MIN_USABLE_SECONDS, fetching them if need be. */
  readonly credentials: () => Promise<AwsCredentials>;
  /** The host's clocks. @default systemClock */
  readonly clock?: HostClock;
  /** One line per problem worth an operator's attention; never given a token. */
  readonly log: (message: string) => void;
}

export interface CredentialsEndpoint {
  /** `http://127.0.0.1:<port>/`, for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The body the AWS SDKs' container-credentials providers read (`fromHttp` in SDK v3 for
 * JavaScript, botocore's ContainerProvider, the Go SDK's endpointcreds): the shape the ECS agent
 * serves, documented in the AWS SDKs and Tools reference, "Container credential provider".
 */
export function containerCredentialsJson(real: AwsCredentials, clock: HostClock = systemClock): Record<string, string> {
  // Expiration on this host's clock and a little early, as for credential_process (see forConsumers).
  const credentials = forConsumers(real, clock);
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * Starts the container-credentials endpoint: `GET` with `Authorization: <token>` (the whole
 * header value is the token, as the SDKs send it) answers 200 and the credentials; no header 401,
 * a wrong one 403, another method 405, credentials that cannot be had 503. Error bodies are
 * `{"Code","Message"}`, the fields the SDKs copy into their error. Idle keep-alive connections
 * stay open until the consumer closes them (no `Keep-Alive: timeout` is announced).
 * @throws UsageError when `address` is not 127.0.0.1 or `port` is out of range
 */
export async function startCredentialsEndpoint(options: CredentialsEndpointOptions): Promise<CredentialsEndpoint> {
  const address = options.address ?? LOOPBACK_ADDRESS;
  if (address !== LOOPBACK_ADDRESS) {
    throw new UsageError(`serve listens on ${LOOPBACK_ADDRESS} only (refused "${address}"): credentials must not be reachable from another machine`);
  }
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535 (got "${port}")`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Listening on loopback already guarantees this; checked again so no proxy in front can widen it.
    if (req.socket.remoteAddress !== LOOPBACK_ADDRESS && req.socket.remoteAddress !== '::ffff:127.0.0.1') {
      return send(res, 403, { Code: 'Forbidden', Message: 'only this machine may ask' });
    }
    if (req.method !== 'GET') return send(res, 405, { Code: 'MethodNotAllowed', Message: 'use GET' }, { allow: 'GET' });
    const presented = req.headers.authorization;
    if (presented === undefined || presented === '') {
      return send(res, 401, { Code: 'Unauthorized', Message: 'the Authorization header must hold the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE' });
    }
    if (!options.token.matches(presented)) {
      return send(res, 403, { Code: 'Forbidden', Message: 'the Authorization header does not match the endpoint token' });
    }
    try {
      const credentials = await options.credentials();
      const clock = options.clock ?? systemClock;
      if (lifetimeLeftSeconds(credentials, clock) <= MIN_USABLE_SECONDS) throw new Error('no valid credentials to serve');
      return send(res, 200, containerCredentialsJson(credentials, clock));
    } catch (error) {
      const message = describeError(error);
      options.log(`answering 503: ${message}`);
      return send(res, 503, { Code: 'CredentialsUnavailable', Message: message });
    }
  };

  const server: Server = createServer((req, res) => {
    // The request body is never read; drain it so keep-alive connections stay usable.
    req.resume();
    handle(req, res).catch((error: unknown) => send(res, 500, { Code: 'InternalError', Message: describeError(error) }));
  });
  // Idle keep-alive connections are never closed here: the consumer closes its own, which cannot
  // race, as it never sends on a socket it has closed. A server closing an idle connection races
  // every consumer that reuses it: a request sent as the server's FIN is on its way, or before the
  // consumer's event loop has read it, gets no answer ("socket hang up", ECONNRESET). With Node's
  // default (keepAliveTimeout 5 s, sockets closed after 6 s idle) the benchmark's pool, with no
  // idle timeout of its own (http.Agent({ keepAlive: true })), reused sockets after up to 5.98 s
  // idle and lost that race when the machine stalled it; urllib3's pool under botocore has no idle
  // timeout either. An idle socket costs a descriptor, on loopback only; a local process can
  // already hold connections open by never sending a request.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${address} is in use: pick another with --port`) : error),
    );
    server.listen(port, address, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK_ADDRESS}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
