import type { ProviderConfig } from '../config/provider-config';
import { TokenError } from '../errors';
import { describeErrorBody, httpRequest, parseJson } from './http-request';
import type { CachedToken } from './aws-credentials';

/** Used when the IdP states no lifetime and the token's `exp` cannot be read. */
const FALLBACK_LIFETIME_SECONDS = 300;

/**
 * Asks the token endpoint for an access token with the client-credentials grant: Auth0 takes the
 * secret in the body (`client_secret_post`) and needs `audience`; Cognito takes HTTP Basic
 * (`client_secret_basic`) and optional scopes.
 */
export async function requestToken(config: ProviderConfig, nowMs = Date.now()): Promise<CachedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (config.idpType === 'auth0') {
    form.set('client_id', config.clientId);
    form.set('client_secret', config.clientSecret);
    form.set('audience', config.audience);
  } else {
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64ed.
    const basic = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    if (config.scopes.length > 0) form.set('scope', config.scopes.join(' '));
  }
  const answer = await httpRequest(config.tokenUrl, { method: 'POST', headers, body: form.toString() }, config.httpTimeoutSeconds);
  const where = `token endpoint ${config.tokenUrl}`;
  if ('failure' in answer) {
    throw new TokenError('IDP_UNAVAILABLE', `${where} unreachable: ${answer.failure}`);
  }
  if (answer.status >= 500 || answer.status === 429) {
    throw new TokenError('IDP_UNAVAILABLE', `${where} unavailable: ${describeErrorBody(answer.status, answer.body)}`);
  }
  if (answer.status !== 200) {
    throw new TokenError('TOKEN_REJECTED', `${where} refused client ${config.clientId}: ${describeErrorBody(answer.status, answer.body)}`);
  }
  const json = parseJson(answer.body) as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof json?.access_token !== 'string' || json.access_token.length === 0) {
    throw new TokenError('TOKEN_RESPONSE_INVALID', `${where} answered 200 without an access_token`);
  }
  const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : jwtLifetime(json.access_token, nowMs);
  return { accessToken: json.access_token, expiresAt: new Date(nowMs + lifetime * 1000) };
}

/** Seconds until the (unverified) `exp` of a JWT; only a hint for caching, never trusted. */
function jwtLifetime(token: string, nowMs: number): number {
  const payload = token.split('.')[1];
  if (payload) {
    const claims = parseJson(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown } | undefined;
    if (typeof claims?.exp === 'number') {
      const left = claims.exp - nowMs / 1000;
      if (left > 0) return left;
    }
  }
  return FALLBACK_LIFETIME_SECONDS;
}
