// Verifies client-credentials access tokens of Cognito or Auth0. Every check is explicit: no
// library default is relied on to reject anything. Messages go to the caller, so they name the
// failed rule, never a claim value.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthenticationError, AuthorizationError, UpstreamError } from './errors';
import { JwksUnavailableError, UnknownKeyError, type JwksCache } from './jwks-cache';

/** Which identity provider's access tokens, and so which claims name the client. */
export type TokenDialect = 'cognito' | 'auth0';

export interface TokenVerifierOptions {
  /** Compared verbatim with `iss`. */
  readonly issuer: string;
  /**
   * The resource server (API) identifier. Cognito: a token needs at least one scope
   * `<resourceServer>/<name>`. Auth0: the token's `aud` must be (or contain) it.
   */
  readonly resourceServer: string;
  /**
   * Cognito: `token_use` = access, the client in `client_id`, scopes of the resource server.
   * Auth0: `gty` = client-credentials, the client in `sub` = `<client_id>@clients` (and `azp`,
   * when present, the same client), `aud` = the API identifier; Auth0 grants carry no scopes here.
   * @default 'cognito'
   */
  readonly dialect?: TokenDialect;
  readonly keys: JwksCache;
  /** Leeway for exp, nbf and iat. @default 30 */
  readonly clockToleranceSeconds?: number;
  /** Cognito access tokens live at most one day; an older `iat` is refused. @default 86400 (Cognito), 2592000 (Auth0's longest token_lifetime) */
  readonly maxTokenAgeSeconds?: number;
}

export interface VerifiedToken {
  readonly clientId: string;
  /** This resource server's scopes in the token. */
  readonly scopes: readonly string[];
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const CLIENT_ID = /^[\w+]{1,128}$/;
/** Auth0 client-credentials subjects: `<client_id>@clients`. */
const AUTH0_CLIENT_SUBJECT = /^([\w+]{1,128})@clients$/;
const AUTH0_MAX_TOKEN_LIFETIME = 2_592_000;

export class TokenVerifier {
  private readonly tolerance: number;
  private readonly maxTokenAge: number;
  private readonly dialect: TokenDialect;

  constructor(private readonly options: TokenVerifierOptions) {
    this.dialect = options.dialect ?? 'cognito';
    this.tolerance = options.clockToleranceSeconds ?? 30;
    this.maxTokenAge = options.maxTokenAgeSeconds ?? (this.dialect === 'auth0' ? AUTH0_MAX_TOKEN_LIFETIME : 86_400);
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (!COMPACT_JWS.test(token)) throw invalid('the token is not a signed JWT (three base64url parts)');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalid('the token header is not valid JSON');
    }
    if (header.alg !== 'RS256') throw invalid('the token must be signed with RS256');
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256) throw invalid('the token header has no usable kid');
    const kid = header.kid;

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, () => this.options.keys.getKey(kid), {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        requiredClaims: this.dialect === 'auth0' ? ['exp', 'iat', 'sub', 'aud', 'gty'] : ['exp', 'iat', 'client_id', 'token_use'],
        ...(this.dialect === 'auth0' ? { audience: this.options.resourceServer } : {}),
        clockTolerance: this.tolerance,
        maxTokenAge: this.maxTokenAge,
      }));
    } catch (err) {
      throw translate(err, this.dialect);
    }
    return this.dialect === 'auth0' ? auth0Client(payload) : this.cognitoClient(payload);
  }

  private cognitoClient(payload: JWTPayload): VerifiedToken {
    if (payload.token_use !== 'access') throw invalid('the token is not an access token');
    const clientId = payload.client_id;
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) throw invalid('the token client_id is not a valid client id');
    // A client-credentials token's subject is its client. Any other subject (a user signed in
    // through an app client) is not a server, whatever client issued the token.
    if (payload.sub !== clientId) throw invalid('the token subject is not its client: only client-credentials tokens are accepted');
    const prefix = `${this.options.resourceServer}/`;
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s.startsWith(prefix) && s.length > prefix.length) : [];
    if (scopes.length === 0) {
      throw new AuthorizationError('insufficient_scope', `the token holds no scope of the resource server ${this.options.resourceServer}`);
    }
    return { clientId, scopes };
  }
}

/** Auth0: the client is the subject of a client-credentials token. */
function auth0Client(payload: JWTPayload): VerifiedToken {
  if (payload.gty !== 'client-credentials') throw invalid('the token is not a client-credentials token (gty)');
  const match = typeof payload.sub === 'string' ? AUTH0_CLIENT_SUBJECT.exec(payload.sub) : null;
  if (!match) throw invalid('the token subject is not a client (<client_id>@clients)');
  const clientId = match[1]!;
  if (payload.azp !== undefined && payload.azp !== clientId) throw invalid('the token azp names another client than its subject');
  return { clientId, scopes: [] };
}

function invalid(message: string, detail?: string): AuthenticationError {
  return new AuthenticationError('invalid_token', message, detail);
}

function translate(err: unknown, dialect: TokenDialect): Error {
  if (err instanceof JwksUnavailableError) {
    return new UpstreamError(503, 'jwks_unavailable', 'the signing keys cannot be fetched right now; retry later', err.reason);
  }
  // Also during a JWKS outage when other keys are cached: a kid no known key has is the token's
  // fault (401, counted as an authentication failure), not the IdP's.
  if (err instanceof UnknownKeyError) return invalid('the token kid names no signing key of the issuer', err.message);
  if (err instanceof errors.JWTExpired) {
    return new AuthenticationError('token_expired', err.claim === 'iat' ? 'the token was issued too long ago' : 'the token has expired', err.message);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new AuthenticationError('token_not_yet_valid', 'the token is not valid yet (nbf)', err.message);
    if (err.claim === 'iss') return invalid(dialect === 'auth0' ? 'the token was not issued by this tenant' : 'the token was not issued by this user pool');
    if (err.claim === 'aud' && err.reason === 'check_failed') return invalid('the token is not for this API (aud)');
    if (err.claim === 'iat' && err.reason === 'check_failed') return invalid('the token iat is in the future', err.message);
    if (err.reason === 'missing') return invalid(`the token has no ${err.claim} claim`, err.message);
    return invalid(`the token ${err.claim} claim is not valid`, err.message);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('the token signature does not verify');
  if (err instanceof errors.JOSEError) return invalid('the token is malformed or uses an unsupported feature', `${err.code}: ${err.message}`);
  return invalid('the token could not be verified', err instanceof Error ? err.name : String(err));
}
