import { firstLine } from '../errors';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTP request with a deadline. Network failures come back as a short cause (ECONNREFUSED,
 * timeout…) instead of undici's nested error, so callers can turn them into one clear line.
 */
export async function httpRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutSeconds: number,
): Promise<HttpAnswer | { readonly failure: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutSeconds * 1000), redirect: 'error' });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { failure: networkCause(error, timeoutSeconds) };
  }
}

function networkCause(error: unknown, timeoutSeconds: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutSeconds} s`;
  return e?.cause?.code ?? firstLine(e?.cause?.message ?? e?.message ?? String(error));
}

/** Parses a JSON body, or undefined. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** `{"error","message"}` (vending API) or `{"error","error_description"}` (OAuth) as one phrase. */
export function describeErrorBody(status: number, body: string): string {
  const json = parseJson(body) as { error?: unknown; message?: unknown; error_description?: unknown } | undefined;
  const code = typeof json?.error === 'string' ? json.error : undefined;
  const detail = typeof json?.message === 'string' ? json.message : typeof json?.error_description === 'string' ? json.error_description : undefined;
  const parts = [`HTTP ${status}`, code, detail && firstLine(detail)].filter(Boolean);
  return parts.join(' ');
}
