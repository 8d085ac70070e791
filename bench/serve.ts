// Benchmark of `oidc-credential-provider serve` as it ships (the esbuild bundle), Auth0 flavour,
// against the local OAuth server and STS stand-in:
// - throughput: 50 concurrent consumers on loopback, each a keep-alive connection sending GET with
//   the token as fast as answers come, for 10 s: requests/s, p50 and p99 latency;
// - refreshes: one simulated hour, scaled 1:30 (tokens and sessions of 120 s stand for 3600 s; the
//   renewal margin is 45 s, serve's floor, so the renewal comes at ~63 % of the session rather than
//   at 92 % with the default 300 s of 3600 s), with 50 consumers each fetching every 100 ms:
//   credentials served, token requests and STS exchanges, and credentials served per token request.
// Run directly: `npx tsx bench/serve.ts`.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { percentile, round } from './harness';
import { benchMain, note, runWorker } from './local-servers';

type Figures = Record<string, number | string>;

const CONSUMERS = 50;
const THROUGHPUT_SECONDS = 10;
const SIMULATED_HOUR_SECONDS = 120;

export async function benchServe(): Promise<Figures> {
  return runWorker<Figures>(__filename, {});
}

/** When each keep-alive socket last finished a request: how long a failed request's socket had been idle. */
const lastUsed = new WeakMap<Socket, number>();

/**
 * One GET: the status, or for a request that got no answer, what happened (error code, whether
 * the agent had reused an idle socket, and for how long it had been idle), so a failure is counted
 * and explained rather than ending the run.
 */
function get(agent: Agent, url: URL, token: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { authorization: token } }, (res) => {
      const socket = res.socket; // gone from res once the answer ends and the socket is back in the pool
      res.resume();
      res.on('end', () => {
        lastUsed.set(socket, performance.now());
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const idle = req.socket && lastUsed.has(req.socket) ? `, idle ${round((performance.now() - lastUsed.get(req.socket)!) / 1000, 2)} s` : '';
      resolve(`${error.message}${error.code ? ` (${error.code})` : ''} (${req.reusedSocket ? 'reused keep-alive socket' : 'new socket'}${idle})`);
    });
    req.end();
  });
}

async function measure(): Promise<Figures> {
  const [{ TestHost, auth0HostSettings, cleanEnv }, { startOAuthServer }, { startStsStub }, { startServe }] = await Promise.all([
    import('../test/client/harness'),
    import('../sandbox/oauth-server'),
    import('../sandbox/sts'),
    import('../test/client/serve-process'),
  ]);
  const audience = 'https://s3-uploader.bench.example';
  const clientId = 'benchServeClient';
  const roleArn = 'arn:aws:iam::123456789012:role/oidc-s3-bench-serve';
  const clientSecret = `bench-secret-${Math.random().toString(36).slice(2)}`;
  const host = new TestHost('bench-serve-host');
  const idp = await startOAuthServer({ style: 'auth0', audience, tokenLifetimeSeconds: SIMULATED_HOUR_SECONDS, clients: [{ clientId, clientSecret }] });
  const sts = await startStsStub({
    sessionLifetimeSeconds: SIMULATED_HOUR_SECONDS,
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, roles: { [roleArn]: `${clientId}@clients` } },
  });
  host.settings = {
    ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId, clientSecret, audience, roleArn, region: 'eu-west-1' }),
    OIDC_REFRESH_MARGIN_SECONDS: '45',
  };
  const tokenFile = join(host.home, 'serve.token');
  const { serve, url } = await startServe(process.execPath, host.bundles.provider, ['--port', '0', '--token-file', tokenFile, '--env-file', host.envFile()], cleanEnv(host.home));
  try {
    await serve.waitFor(/refreshed; valid until/);
    const token = readFileSync(tokenFile, 'utf8');
    const target = new URL(url);
    const agent = new Agent({ keepAlive: true, maxSockets: CONSUMERS });

    note(`serve: ${CONSUMERS} consumers for ${THROUGHPUT_SECONDS} s`);
    const latencies: number[] = [];
    let failures = 0;
    let hourFailures = 0;
    const failureKinds = new Map<string, number>();
    const tally = (answer: number | string) => {
      const kind = typeof answer === 'number' ? `HTTP ${answer}` : answer.replace(/, idle [\d.]+ s/, '');
      if (!failureKinds.has(kind)) note(`serve: request failed: ${answer}`);
      failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
    };
    const end = performance.now() + THROUGHPUT_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONSUMERS }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          const answer = await get(agent, target, token);
          if (answer !== 200) {
            failures += 1;
            tally(answer);
          }
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;

    note(`serve: one simulated hour (sessions of ${SIMULATED_HOUR_SECONDS} s) with ${CONSUMERS} consumers every 100 ms`);
    const tokensBefore = idp.tokenRequests;
    const exchangesBefore = sts.calls.length;
    let served = 0;
    const hourEnd = performance.now() + SIMULATED_HOUR_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONSUMERS }, async () => {
        while (performance.now() < hourEnd) {
          const answer = await get(agent, target, token);
          if (answer === 200) served += 1;
          else {
            hourFailures += 1;
            tally(answer);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    const tokenRequests = idp.tokenRequests - tokensBefore;
    const exchanges = sts.calls.length - exchangesBefore;
    agent.destroy();
    return {
      consumers: CONSUMERS,
      requests: latencies.length,
      requests_per_second: round(latencies.length / elapsed, 0),
      p50_ms: round(percentile(latencies, 50), 2),
      p99_ms: round(percentile(latencies, 99), 2),
      failed_requests: failures,
      simulated_hour_served: served,
      simulated_hour_failed_requests: hourFailures,
      simulated_hour_token_requests: tokenRequests,
      simulated_hour_sts_exchanges: exchanges,
      served_per_token_request: tokenRequests > 0 ? round(served / tokenRequests, 0) : `${served} (no token request)`,
      ...(failureKinds.size > 0 ? { failures: [...failureKinds].map(([kind, count]) => `${count} × ${kind}`).join('; ') } : {}),
    };
  } finally {
    await serve.stop();
    await Promise.all([idp.close(), sts.close()]);
    host.close();
  }
}

if (require.main === module) benchMain(measure, benchServe);
