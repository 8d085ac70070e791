// Verifies Auth0 client-credentials access tokens again, in the interceptor: RS256 by a key of
// the tenant's JWKS, iss = the tenant, aud = the API identifier, sub = "<client id>@clients"
// (Auth0's subject for client-credentials grants). The JWKS cache is the vending Lambda's.
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ToolError } from '../agent-tools/errors';
import { JwksUnavailableError, UnknownKeyError, type JwksCache } from '../credential-vending/jwks-cache';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const CLIENTS_SUBJECT = /^([A-Za-z0-9_-]{1,128})@clients$/;

export interface Auth0VerifierOptions {
  /** `https://<tenant domain>/`, compared verbatim with iss. */
  readonly issuer: string;
  /** The API identifier tokens must be issued for. */
  readonly audience: string;
  readonly keys: JwksCache;
  /** @default 30 */
  readonly clockToleranceSeconds?: number;
}

export class Auth0TokenVerifier {
  constructor(private readonly options: Auth0VerifierOptions) {}

  /** The client id of a genuine token; ToolError unauthenticated (or unavailable) otherwise. */
  async verify(token: string): Promise<{ clientId: string }> {
    if (!COMPACT_JWS.test(token)) throw unauthenticated('the token is not a signed JWT');
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw unauthenticated('the token header is not valid JSON');
    }
    if (header.alg !== 'RS256') throw unauthenticated('the token must be signed with RS256');
    const kid = header.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw unauthenticated('the token header has no usable kid');
    let sub: unknown;
    try {
      ({ payload: { sub } } = await jwtVerify(token, () => this.options.keys.getKey(kid), {
        algorithms: ['RS256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
      }));
    } catch (error) {
      if (error instanceof JwksUnavailableError) throw new ToolError('unavailable', 'the signing keys cannot be fetched right now; retry later', error.reason);
      if (error instanceof UnknownKeyError) throw unauthenticated('the token kid names no signing key of the tenant');
      if (error instanceof errors.JWTExpired) throw unauthenticated('the token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`the token ${error.claim} claim is not valid`, error.message);
      if (error instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('the token signature does not verify');
      throw unauthenticated('the token could not be verified', error instanceof Error ? error.name : String(error));
    }
    const match = typeof sub === 'string' ? CLIENTS_SUBJECT.exec(sub) : null;
    if (!match) throw unauthenticated('the token is not a client-credentials token (sub is not <client id>@clients)');
    return { clientId: match[1]! };
  }
}

function unauthenticated(message: string, detail?: string): ToolError {
  return new ToolError('unauthenticated', message, detail);
}
