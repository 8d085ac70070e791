// A local OAuth 2.0 authorization server for the tests and the sandbox: client-credentials token endpoint and JWKS
// over HTTPS (the local CA's certificate), issuing really signed RS256 access tokens shaped like
// Auth0's or Amazon Cognito's.
import { createHash, createHmac, createPublicKey, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localTls } from './local-tls';
import { readBody } from './read-body';

export type TokenStyle = 'auth0' | 'cognito';

export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The scopes the client may be issued. Cognito style: full names (`<resource server>/write`) or
   * short ones (`write`), which are prefixed with the resource server.
   * @default auth0: none; cognito: ['write', 'read']
   */
  readonly scopes?: readonly string[];
  /** auth0 style: whether the client has a grant to the API (`auth0_client_grant`); without one Auth0 answers 403. @default true */
  readonly granted?: boolean;
}

export interface OAuthServerOptions {
  readonly style: TokenStyle;
  readonly clients: readonly OAuthClient[];
  /** auth0 style: the only audience accepted at the token endpoint (the `aud` of issued tokens). */
  readonly audience?: string;
  /** cognito style: the resource server identifier, scopes are `<identifier>/<scope>`; default 'https://s3.test' */
  readonly resourceServer?: string;
  /** Lifetime of issued access tokens. @default 3600 */
  readonly tokenLifetimeSeconds?: number;
  /** cognito style: the user pool id, the issuer's path. @default 'eu-west-1_TestPool' */
  readonly userPoolId?: string;
}

export interface SignOptions {
  /** The `kid` header (signing still uses the current key unless `privateKey` is given). */
  readonly kid?: string;
  /** The `alg` header and algorithm: RS256/384/512, PS256, ES256, HS256/384/512 or `none`. @default 'RS256' */
  readonly alg?: string;
  /** Extra or overriding header members. */
  readonly header?: Record<string, unknown>;
  /** Signs with this key instead of the server's (RS*, PS*, ES*). */
  readonly privateKey?: KeyObject;
  /** HS* secret. @default the current public key's PEM (the classic algorithm-confusion attack) */
  readonly hmacSecret?: string | Buffer;
}

export interface OAuthServer {
  readonly url: string;
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  /** The current signing key id. */
  readonly kid: string;
  /** The current public key as PEM (e.g. the secret of an HS256 confusion attack). */
  readonly publicKeyPem: string;
  /** cognito style: the resource server identifier. */
  readonly resourceServer: string;
  tokenRequests: number;
  jwksRequests: number;
  /** Set false and every endpoint answers 503 (IdP down). */
  available: boolean;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  accessTokenClaims(clientId: string, scopes?: readonly string[]): Record<string, unknown>;
  rotateKey(options?: { dropOld?: boolean }): Promise<void>;
  /** Replaces the registered clients (the sandbox, when servers.json changes). */
  setClients(clients: readonly OAuthClient[]): void;
  close(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
  return { kid, privateKey, publicKey };
}

function signature(alg: string, input: string, key: SigningKey, options: SignOptions): Buffer {
  if (alg === 'none') return Buffer.alloc(0);
  const hash = HASHES[alg.slice(2)];
  if (!hash) throw new Error(`sign: unsupported alg ${alg}`);
  const family = alg.slice(0, 2);
  if (family === 'HS') {
    const secret = options.hmacSecret ?? key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    return createHmac(hash, secret).update(input).digest();
  }
  const privateKey = options.privateKey ?? key.privateKey;
  if (family === 'RS') return cryptoSign(hash, Buffer.from(input), privateKey);
  if (family === 'PS') return cryptoSign(hash, Buffer.from(input), { key: privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(alg.slice(2)) / 8 });
  if (family === 'ES') return cryptoSign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  throw new Error(`sign: unsupported alg ${alg}`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseParams(req: IncomingMessage, text: string): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      }
    } catch {
      // falls through to "no parameters"
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const tls = localTls();
  const style = options.style;
  const resourceServer = options.resourceServer ?? 'https://s3.test';
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  let clients = new Map(options.clients.map((c) => [c.clientId, c]));
  let keys: SigningKey[] = [newSigningKey()];
  const current = (): SigningKey => keys[keys.length - 1]!;

  const allowedScopes = (client: OAuthClient | undefined): string[] => {
    if (style === 'auth0') return [...(client?.scopes ?? [])];
    return (client?.scopes ?? ['write', 'read']).map((s) => (s.includes('/') ? s : `${resourceServer}/${s}`));
  };

  const server: Server = createServer({ key: tls.key, cert: tls.cert });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = style === 'auth0' ? `${url}/` : `${url}/${options.userPoolId ?? 'eu-west-1_TestPool'}`;
  const jwksUrl = style === 'auth0' ? `${url}/.well-known/jwks.json` : `${issuer}/.well-known/jwks.json`;
  const tokenUrl = style === 'auth0' ? `${url}/oauth/token` : `${url}/oauth2/token`;
  const jwksPath = new URL(jwksUrl).pathname;
  const tokenPath = new URL(tokenUrl).pathname;

  const api: OAuthServer = {
    url,
    issuer,
    jwksUrl,
    tokenUrl,
    resourceServer,
    get kid() {
      return current().kid;
    },
    get publicKeyPem() {
      return current().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    },
    tokenRequests: 0,
    jwksRequests: 0,
    available: true,

    async sign(claims, signOptions = {}) {
      const alg = signOptions.alg ?? 'RS256';
      const key = current();
      const header = { alg, typ: 'JWT', kid: signOptions.kid ?? key.kid, ...signOptions.header };
      const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
      return `${input}.${signature(alg, input, key, signOptions).toString('base64url')}`;
    },

    accessTokenClaims(clientId, scopes) {
      const now = Math.floor(Date.now() / 1000);
      const granted = scopes ? [...scopes] : allowedScopes(clients.get(clientId));
      if (style === 'auth0') {
        return {
          iss: issuer,
          sub: `${clientId}@clients`,
          aud: options.audience,
          iat: now,
          exp: now + lifetime,
          ...(granted.length > 0 ? { scope: granted.join(' ') } : {}),
          gty: 'client-credentials',
          azp: clientId,
        };
      }
      return {
        sub: clientId,
        token_use: 'access',
        scope: granted.join(' '),
        auth_time: now,
        iss: issuer,
        exp: now + lifetime,
        iat: now,
        version: 2,
        jti: randomUUID(),
        client_id: clientId,
      };
    },

    setClients(next) {
      clients = new Map(next.map((c) => [c.clientId, c]));
    },

    async rotateKey(rotateOptions = {}) {
      keys = rotateOptions.dropOld ? [newSigningKey()] : [...keys, newSigningKey()];
    },

    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };

  const tokenEndpoint = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const params = parseParams(req, await readBody(req));
    if (style === 'auth0') {
      const client = clients.get(params.client_id ?? '');
      if (!client || client.clientSecret !== params.client_secret) {
        return sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      }
      if (params.grant_type !== 'client_credentials') {
        return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${params.grant_type}` });
      }
      if (!params.audience || params.audience !== options.audience) {
        return sendJson(res, 403, { error: 'access_denied', error_description: `Service not enabled within domain: ${params.audience}` });
      }
      if (client.granted === false) {
        return sendJson(res, 403, { error: 'access_denied', error_description: `Client is not authorized to access "${params.audience}". You need to create a "client-grant" associated to this API.` });
      }
      const claims = api.accessTokenClaims(client.clientId);
      const body: Record<string, unknown> = { access_token: await api.sign(claims), token_type: 'Bearer', expires_in: lifetime };
      if (typeof claims.scope === 'string') body.scope = claims.scope;
      return sendJson(res, 200, body);
    }
    // Cognito: client_secret_basic (or client_secret_post), form body only.
    const basic = basicCredentials(req) ?? (params.client_id ? { id: params.client_id, secret: params.client_secret ?? '' } : undefined);
    const client = basic ? clients.get(basic.id) : undefined;
    if (!client || client.clientSecret !== basic?.secret) return sendJson(res, 401, { error: 'invalid_client' });
    if (params.grant_type !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const allowed = allowedScopes(client);
    const requested = params.scope ? params.scope.split(' ').filter(Boolean) : allowed;
    if (requested.some((s) => !allowed.includes(s))) return sendJson(res, 400, { error: 'invalid_scope' });
    const claims = api.accessTokenClaims(client.clientId, requested);
    return sendJson(res, 200, { access_token: await api.sign(claims), expires_in: lifetime, token_type: 'Bearer' });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === tokenPath && req.method === 'POST') api.tokenRequests += 1;
    if (path === jwksPath && req.method === 'GET') api.jwksRequests += 1;
    if (!api.available) return sendJson(res, 503, { error: 'temporarily_unavailable' });
    if (path === jwksPath && req.method === 'GET') {
      const jwks = keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: 'RS256', use: 'sig' }));
      return sendJson(res, 200, { keys: jwks });
    }
    if (path === tokenPath && req.method === 'POST') {
      tokenEndpoint(req, res).catch((err: unknown) => sendJson(res, 500, { error: 'server_error', error_description: String(err) }));
      return undefined;
    }
    return sendJson(res, 404, { error: 'not_found' });
  });

  return api;
}

/** The public part of a key as a JWK, e.g. for a JWKS a test builds by hand. */
export function publicJwk(key: KeyObject): Record<string, unknown> {
  return createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>;
}
