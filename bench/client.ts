// Benchmark of `oidc-credential-provider get-credentials` as it ships (the esbuild bundle, run by
// `node` the way credential_process runs it), Auth0 flavour: the local OAuth server and the STS
// stub of the e2e tests. Reports the warm-cache and cold-cache wall time of one invocation, and
// 100 invocations started at once on a cold cache: wall time, and the token requests and STS
// exchanges the servers saw (the cache lock must make that one and one). `node -e 0` is the floor
// every invocation pays, measured in turn with the warm-cache runs. Run directly: `npx tsx bench/client.ts`.
import { rmSync, statSync } from 'node:fs';
import { median, round, runChild, type ChildRun } from './harness';
import { benchMain, note, runWorker, startAuth0Stack } from './local-servers';

type Figures = Record<string, number | string>;

const CONCURRENT = 100;

export async function benchClient(options: { runs?: number } = {}): Promise<Figures> {
  return runWorker<Figures>(__filename, options);
}

async function measure({ runs = 20 }: { runs?: number }): Promise<Figures> {
  if (runs < 20) throw new Error(`runs must be at least 20 (got ${runs})`);
  const { cleanEnv } = await import('../test/client/harness');
  const stack = await startAuth0Stack();
  const { host, envFile, cacheDir } = stack;
  try {
    const env = cleanEnv(host.home);
    const getCredentials = async (): Promise<ChildRun> => {
      const run = await runChild(process.execPath, [host.bundles.provider, 'get-credentials', '--env-file', envFile], { cwd: host.home, env });
      const json = JSON.parse(run.stdout) as { AccessKeyId?: string };
      if (!json.AccessKeyId || run.stderr) throw new Error(`get-credentials answered ${run.stdout} ${run.stderr}`);
      return run;
    };
    const emptyCache = () => rmSync(cacheDir, { recursive: true, force: true });

    const bareNode = () => runChild(process.execPath, ['-e', '0'], { cwd: host.home, env });
    await bareNode();

    // The same number of bare Node processes started at once: what the machine alone costs.
    const concurrentBaseline: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENT }, () => runChild(process.execPath, ['-e', '0'], { cwd: host.home, env })));
      concurrentBaseline.push(performance.now() - started);
    }

    const cold: ChildRun[] = [];
    for (let i = 0; i < Math.max(5, Math.ceil(runs / 4)); i += 1) {
      emptyCache();
      cold.push(await getCredentials());
    }
    note(`client: cold ${round(median(cold.map((r) => r.ms)))} ms`);

    for (let i = 0; i < 3; i += 1) await getCredentials(); // warm-up: page cache, cache files
    const tokensBefore = stack.tokenRequests();
    // Side by side with the floor, in turn, so that drift of the machine hits both alike.
    const warm: ChildRun[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      baseline.push((await bareNode()).ms);
      warm.push(await getCredentials());
    }
    if (stack.tokenRequests() !== tokensBefore) throw new Error('a warm-cache get-credentials asked for a token');
    note(`client: warm ${round(median(warm.map((r) => r.ms)))} ms`);

    const concurrent: { ms: number; tokens: number; exchanges: number }[] = [];
    for (let i = 0; i < 3; i += 1) {
      emptyCache();
      const [tokens, exchanges] = [stack.tokenRequests(), stack.stsExchanges()];
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: CONCURRENT }, getCredentials));
      const ms = performance.now() - started;
      if (new Set(results.map((r) => r.stdout)).size !== 1) throw new Error('concurrent invocations printed different credentials');
      concurrent.push({ ms, tokens: stack.tokenRequests() - tokens, exchanges: stack.stsExchanges() - exchanges });
      note(`client: ${CONCURRENT} concurrent ${round(ms)} ms, ${concurrent.at(-1)!.tokens} token request(s)`);
    }

    return {
      bundle_kib: round(statSync(host.bundles.provider).size / 1024),
      node_baseline_ms: round(median(baseline)),
      warm_cache_median_ms: round(median(warm.map((r) => r.ms))),
      warm_cache_runs: warm.length,
      warm_cache_peak_rss_mib: round(Math.max(...warm.map((r) => r.peakRssMiB))),
      cold_cache_median_ms: round(median(cold.map((r) => r.ms))),
      cold_cache_runs: cold.length,
      cold_cache_peak_rss_mib: round(Math.max(...cold.map((r) => r.peakRssMiB))),
      concurrent_invocations: CONCURRENT,
      concurrent_cold_median_ms: round(median(concurrent.map((c) => c.ms))),
      concurrent_runs: concurrent.length,
      concurrent_node_baseline_ms: round(median(concurrentBaseline)),
      // The worst run: the target is exactly one of each.
      concurrent_cold_token_requests: Math.max(...concurrent.map((c) => c.tokens)),
      concurrent_cold_sts_exchanges: Math.max(...concurrent.map((c) => c.exchanges)),
    };
  } finally {
    await stack.close();
  }
}

if (require.main === module) {
  benchMain(measure, () => benchClient({ runs: Number(process.env.BENCH_RUNS ?? 20) }));
}
