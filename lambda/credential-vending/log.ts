// Structured JSON logs, one object per line on stdout.
//
// SECURITY EVENTS (metric filter contract): every refused authentication (a 401 answer) is logged
// with
//     "event": "authentication_failed"
// so the infrastructure counts them with the CloudWatch Logs metric filter pattern
//     { $.event = "authentication_failed" }
// Other events: "credentials_vended" (200), "request_refused" (400/403/404/405/413/431),
// "upstream_error" (5xx), "jwks_refresh_failed", "configuration_error".
// Every request line carries: request_id, client_id (only once the token verified), server,
// outcome ("success" | "refused" | "error"), status, code, latency_ms, source_ip.
//
// Lines go straight to process.stdout rather than console.log: in the Lambda runtime's text log
// format console.log prefixes a timestamp and level, and a JSON metric filter only matches lines
// that are JSON as a whole. Tokens are never passed in; as a second guard anything shaped like a
// JWT is redacted before writing.

export type LogEvent =
  | 'credentials_vended'
  | 'authentication_failed'
  | 'request_refused'
  | 'upstream_error'
  | 'jwks_refresh_failed'
  | 'configuration_error';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

const JWT_SHAPE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

function redact(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(JWT_SHAPE, '[redacted]') : value;
}

export function logEvent(level: 'info' | 'warn' | 'error', event: LogEvent, fields: LogFields = {}): void {
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) entry[key] = redact(value);
  }
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}
