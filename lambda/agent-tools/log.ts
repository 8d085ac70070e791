// JSON log lines for both gateway Lambdas, one object per line on stdout (the vending Lambda's
// format, so one CloudWatch metric filter pattern serves all three).
//
// SECURITY EVENTS: every refusal is logged with "event": "authentication_failed" (no usable
// token) or "request_refused" (a genuine caller refused: not permitted, wrong tier, bad key...),
// with the code and, once known, client_id and server. Tokens are never passed in, and anything
// shaped like a JWT is redacted as a second guard.
export type AgentLogEvent = 'tool_called' | 'request_authorized' | 'authentication_failed' | 'request_refused' | 'upstream_error' | 'configuration_error';

const JWT_SHAPE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

export function logAgentEvent(level: 'info' | 'warn' | 'error', event: AgentLogEvent, fields: Readonly<Record<string, string | number | boolean | undefined>> = {}): void {
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) entry[key] = typeof value === 'string' ? value.replace(JWT_SHAPE, '[redacted]') : value;
  }
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}
