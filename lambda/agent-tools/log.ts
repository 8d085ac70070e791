// JSON log lines for both gateway Lambdas, one object per line on stdout (the vending Lambda's
// format, so one CloudWatch metric filter pattern serves all three).
//
// SECURITY EVENTS: every refusal is logged with "event": "authentication_failed" (no usable
// token) or "request_refused" (a genuine caller refused: not permitted, wrong tier, bad key...),
// with the code and, once known, client_id and server. Tokens are never passed in, and anything
// shaped like a JWT is redacted as a second guard.
export type AgentLogEvent = 'tool_called' | 'request_authorized' | 'authentication_failed' | 'request_refused' | 'upstream_error' | 'configuration_error';

import { ToolError } from './errors';

const JWT_SHAPE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

export function logAgentEvent(level: 'info' | 'warn' | 'error', event: AgentLogEvent, fields: Readonly<Record<string, string | number | boolean | undefined>> = {}): void {
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) entry[key] = typeof value === 'string' ? value.replace(JWT_SHAPE, '[redacted]') : value;
  }
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

/**
 * Any error of a request as the ToolError the caller gets (unexpected ones become internal_error,
 * their details kept for the log), logged once as a security event or an upstream error.
 */
export function logRefusal(err: unknown, fields: Readonly<Record<string, string | number | undefined>>, started: number): ToolError {
  const error = err instanceof ToolError ? err : new ToolError('internal_error', 'the request failed unexpectedly', err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  const upstream = error.code === 'unavailable' || error.code === 'internal_error';
  logAgentEvent(upstream ? 'error' : 'warn', upstream ? 'upstream_error' : error.code === 'unauthenticated' ? 'authentication_failed' : 'request_refused', {
    ...fields,
    outcome: upstream ? 'error' : 'refused',
    code: error.code,
    reason: error.detail ?? error.message,
    latency_ms: elapsedMs(started),
  });
  return error;
}

/** Milliseconds since `started` (a performance.now() value), to 0.01 ms. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
