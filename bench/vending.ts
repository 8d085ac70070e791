// Benchmark of the credential-vending Lambda as it ships: the esbuild bundle from
// modules/bundle.ts, against the local servers the tests use (HTTPS JWKS, dynalite, STS stub).
// Reports the bundle size, cold init (module load in a fresh Node process, and that process's
// first request, which also fetches the JWKS and opens connections) and warm latency over 1,000
// sequential requests. Run directly: `npx tsx bench/vending.ts`.
//
// The work runs in a child process started through scripts/with-local-ca.mjs, because Node only
// trusts the local servers' test CA if NODE_EXTRA_CA_CERTS is set when the process starts.
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleVendingLambda, REPO_ROOT } from '../modules/bundle';
import { median, percentile, round as roundTo } from './harness';
import { benchMain, runWorker } from './local-servers';

const WARM_REQUESTS = 1000;
const COLD_RUNS = 5;

type Figures = Record<string, number | string>;

export function benchVending(): Promise<Figures> {
  return runWorker<Figures>(__filename, {});
}

const round = (ms: number): number => roundTo(ms, 2);

async function measure(): Promise<Figures> {
  // Imported here: the harness needs the test CA, which only the worker has.
  const { startVendingEnv, tokenFor, vendingEvent } = await import('../test/lambda/harness');
  const outdir = join(REPO_ROOT, 'bench/.work/vending');
  mkdirSync(outdir, { recursive: true });
  const outfile = bundleVendingLambda(outdir);
  const ctx = await startVendingEnv();
  try {
    const event = vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') });
    const childEnv = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...ctx.env, EVENT: JSON.stringify(event) };
    const coldScript = `const t0 = performance.now(); const { handler } = require(${JSON.stringify(outfile)}); const init = performance.now() - t0;
      handler(JSON.parse(process.env.EVENT)).then((r) => { if (r.statusCode !== 200) throw new Error('status ' + r.statusCode);
        process.stderr.write(JSON.stringify({ init, first: performance.now() - t0 - init })); });`;
    const cold: { init: number; first: number }[] = [];
    for (let i = 0; i < COLD_RUNS; i += 1) {
      // Asynchronous: the servers answering the child live in this process's event loop.
      const { stderr } = await promisify(execFile)(process.execPath, ['-e', coldScript], { env: childEnv });
      cold.push(JSON.parse(stderr.slice(stderr.lastIndexOf('{"init"'))) as { init: number; first: number });
    }

    Object.assign(process.env, ctx.env);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(outfile) as { handler: (e: unknown) => Promise<{ statusCode: number }> };
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // the handler's logs
    const latencies: number[] = [];
    try {
      for (let i = 0; i < WARM_REQUESTS + 20; i += 1) {
        const started = performance.now();
        const result = await handler(event);
        const took = performance.now() - started;
        if (result.statusCode !== 200) throw new Error(`warm request ${i} answered ${result.statusCode}`);
        if (i >= 20) latencies.push(took);
      }
    } finally {
      process.stdout.write = write;
    }
    return {
      bundle_kib: round(statSync(outfile).size / 1024),
      cold_init_ms: round(median(cold.map((c) => c.init))),
      cold_first_request_ms: round(median(cold.map((c) => c.first))),
      warm_p50_ms: round(percentile(latencies, 50)),
      warm_p99_ms: round(percentile(latencies, 99)),
      warm_mean_ms: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      warm_requests: latencies.length,
    };
  } finally {
    await ctx.close();
  }
}

if (require.main === module) benchMain(measure, benchVending);
