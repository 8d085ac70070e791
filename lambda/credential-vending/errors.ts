// Every refusal the function can answer, as an error with a stable code and HTTP status. Clients
// and dashboards rely on the codes; change none, add new ones at the end of their group.
//
// | status | code                 | when                                                                |
// |--------|----------------------|---------------------------------------------------------------------|
// | 400    | invalid_request      | body not JSON, not an object, unknown key, bad duration_seconds     |
// | 401    | missing_token        | no Authorization header, or not the Bearer scheme                  |
// | 401    | invalid_token        | malformed, forged, wrong alg, unknown kid (also during a JWKS       |
// |        |                      | outage), wrong iss, not an access token, sub other than client_id,  |
// |        |                      | missing or ill-typed claims, iat in the future                      |
// | 401    | token_expired        | exp (plus leeway) has passed                                        |
// | 401    | token_not_yet_valid  | nbf (minus leeway) is in the future                                 |
// | 403    | insufficient_scope   | no scope `<RESOURCE_SERVER_IDENTIFIER>/<name>` in the token         |
// | 403    | unknown_client       | no mapping item for the token's client_id                           |
// | 403    | client_disabled      | mapping item with enabled = false (the kill switch)                 |
// | 403    | scope_exceeds_tier   | a scope of this resource server the client's tier does not have     |
// | 404    | not_found            | a path other than /credentials                                      |
// | 405    | method_not_allowed   | a method other than POST                                            |
// | 413    | payload_too_large    | body over 1 KiB                                                      |
// | 431    | header_too_large     | Authorization header over 8 KiB                                     |
// | 500    | internal_error       | a bug or a misconfigured function (details only in the logs)        |
// | 502    | mapping_invalid      | the mapping item is malformed (missing or ill-typed attribute)      |
// | 502    | upstream_denied      | STS refused AssumeRole (AccessDenied, ValidationError, ...)         |
// | 502    | upstream_invalid     | STS answered without complete credentials                           |
// | 503    | mapping_unavailable  | DynamoDB unreachable or failing                                     |
// | 503    | jwks_unavailable     | the signing keys cannot be fetched and none is cached for the kid   |
// | 503    | sts_unavailable      | STS unreachable, failing, or still throttling after retries         |

export type ErrorCode =
  | 'invalid_request'
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'insufficient_scope'
  | 'unknown_client'
  | 'client_disabled'
  | 'scope_exceeds_tier'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'header_too_large'
  | 'internal_error'
  | 'mapping_invalid'
  | 'upstream_denied'
  | 'upstream_invalid'
  | 'mapping_unavailable'
  | 'jwks_unavailable'
  | 'sts_unavailable';

/** Base of every answer other than 200. `message` goes to the caller: never put a token or a secret in it. */
export class VendingError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** For the logs only (e.g. the upstream error's name); never sent to the caller. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400, 404, 405, 413, 431: the request itself is unusable. */
export class RequestError extends VendingError {}

/** 401: no usable token. Logged as an `authentication_failed` security event. */
export class AuthenticationError extends VendingError {
  constructor(code: 'missing_token' | 'invalid_token' | 'token_expired' | 'token_not_yet_valid', message: string, detail?: string) {
    super(401, code, message, detail);
  }
}

/** 403: a genuine token whose client may not have credentials. */
export class AuthorizationError extends VendingError {
  constructor(code: 'insufficient_scope' | 'unknown_client' | 'client_disabled' | 'scope_exceeds_tier', message: string, detail?: string) {
    super(403, code, message, detail);
  }
}

/** 5xx: a dependency (DynamoDB, STS, the JWKS) failed or answered something unusable. */
export class UpstreamError extends VendingError {
  constructor(
    status: 502 | 503,
    code: 'mapping_invalid' | 'upstream_denied' | 'upstream_invalid' | 'mapping_unavailable' | 'jwks_unavailable' | 'sts_unavailable',
    message: string,
    detail?: string,
  ) {
    super(status, code, message, detail);
  }
}
