// HTTP shaping: what is taken from the request (route, bearer token, body) and how answers look.
// Inputs are bounded before they are parsed, and no answer ever echoes request data.
import { z } from 'zod';
import { AuthenticationError, RequestError, VendingError } from './errors';
import type { HttpApiEvent, HttpApiResult } from './types';

export const MAX_AUTHORIZATION_BYTES = 8 * 1024;
export const MAX_BODY_BYTES = 1024;
const REALM = 'oidc-s3';
/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The body's schema: strict, so a body naming a client (or anything else) is refused. */
const VendingRequestSchema = z
  .object({ duration_seconds: z.number().int().min(900).max(43200).optional() })
  .strict();

export type VendingRequest = z.infer<typeof VendingRequestSchema>;

export function checkRoute(event: HttpApiEvent): void {
  const method = event.requestContext?.http?.method;
  if (method !== 'POST') throw new RequestError(405, 'method_not_allowed', 'only POST is allowed on /credentials');
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '';
  if (!/(^|\/)credentials\/?$/.test(path)) throw new RequestError(404, 'not_found', 'the only route is POST /credentials');
}

export function bearerToken(event: HttpApiEvent): string {
  const header = headerValue(event, 'authorization');
  if (header === undefined || header.trim() === '') throw new AuthenticationError('missing_token', 'an Authorization: Bearer <access token> header is required');
  if (Buffer.byteLength(header) > MAX_AUTHORIZATION_BYTES) {
    throw new RequestError(431, 'header_too_large', `the Authorization header exceeds ${MAX_AUTHORIZATION_BYTES} bytes`);
  }
  const match = BEARER.exec(header);
  if (!match) {
    if (/^Bearer\b/i.test(header)) throw new AuthenticationError('invalid_token', 'the Bearer credentials are not a token');
    throw new AuthenticationError('missing_token', 'the Authorization header must use the Bearer scheme');
  }
  return match[1]!;
}

export function parseBody(event: HttpApiEvent): VendingRequest {
  const raw = event.body ?? '';
  if (raw.length > MAX_BODY_BYTES * 2) throw tooLarge();
  let text = raw;
  if (event.isBase64Encoded) {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
    text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } else if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw tooLarge();
  }
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RequestError(400, 'invalid_request', 'the body must be empty or a JSON object such as {"duration_seconds": 3600}');
  }
  const parsed = VendingRequestSchema.safeParse(json);
  if (!parsed.success) {
    // Issue paths and rules only: never the submitted values.
    const issues = parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `${i.keys.length} unknown key(s)` : `${i.path.join('.') || 'body'}: ${ruleOf(i)}`));
    throw new RequestError(400, 'invalid_request', `invalid body: ${issues.join('; ')} (allowed: {"duration_seconds": integer 900-43200})`);
  }
  return parsed.data;
}

function ruleOf(issue: z.ZodIssue): string {
  if (issue.code === 'invalid_type') return `must be ${issue.expected}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'must be between 900 and 43200';
  return issue.message;
}

function tooLarge(): RequestError {
  return new RequestError(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
}

function headerValue(event: HttpApiEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

const BASE_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpApiResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body), isBase64Encoded: false };
}

/** `{"error","message"}` with the headers the status calls for (WWW-Authenticate, Allow, Retry-After). */
export function errorResponse(error: VendingError): HttpApiResult {
  const headers: Record<string, string> = {};
  if (error.status === 401) {
    // RFC 6750 §3.1: no error attribute when the request carried no bearer credentials.
    headers['www-authenticate'] =
      error.code === 'missing_token' ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted(error.message)}"`;
  } else if (error.code === 'insufficient_scope') {
    headers['www-authenticate'] = `Bearer realm="${REALM}", error="insufficient_scope", error_description="${quoted(error.message)}"`;
  } else if (error.status === 405) {
    headers.allow = 'POST';
  } else if (error.status === 503) {
    headers['retry-after'] = '1';
  }
  return jsonResponse(error.status, { error: error.code, message: error.message }, headers);
}

function quoted(text: string): string {
  return text.replace(/["\\]/g, "'");
}
