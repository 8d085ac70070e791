import { request as httpRequestRaw, type IncomingMessage } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { firstLine } from '../errors';
import { proxyFor } from './proxy';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The answer's `Date` header, if any. */
  readonly date?: string;
}

/**
 * One HTTP request with a deadline, through the forward proxy the environment names (see
 * `proxyFor`). node:https rather than fetch, because Node's fetch ignores the proxy variables.
 * Network failures come back as a short cause (ECONNREFUSED, timeout…), with the proxy (password
 * hidden) when one was used, so callers can turn them into one clear line. Redirects are not
 * followed: a 3xx is an answer like any other non-200.
 */
export function httpRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutSeconds: number,
): Promise<HttpAnswer | { readonly failure: string }> {
  const route = proxyFor(url);
  const via = route ? ` (via proxy ${route.shown})` : '';
  const send = new URL(url).protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: HttpAnswer | { readonly failure: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = send(url, { method: init.method, headers, agent: route?.agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => done({ failure: networkCause(error) + via }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (route && status === 407) {
          done({ failure: `proxy ${route.shown} requires authentication (HTTP 407): put user and password in the proxy URL` });
          return;
        }
        done({ status, body: Buffer.concat(chunks).toString('utf8'), date: res.headers.date });
      });
    });
    const timer = setTimeout(() => {
      done({ failure: `no answer within ${timeoutSeconds} s${via}` });
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on('error', (error) => done({ failure: networkCause(error) + via }));
    req.end(init.body);
  });
}

function networkCause(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e?.code ?? firstLine(e?.message ?? String(error));
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
