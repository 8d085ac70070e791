/**
 * `npm run bench`: every benchmark, one after the other (never side by side, so they do not
 * compete for the two cores), a table of each on stdout, and bench/RESULTS.md rewritten with the
 * figures, the machine, the date and how to reproduce them.
 *
 *   npm run bench                     # everything (about 15 minutes on 2 cores, plus OpenTofu's)
 *   npm run bench -- synth vending    # only some
 *   BENCH_RUNS=3 npm run bench        # fewer synth rounds per figure (default 21 for the app, 5 for cdktf synth)
 *
 * Each section's first line names the run that measured it and the 1-minute load average as the
 * section started (a busy machine shows). A run of some suites replaces only their sections (and
 * Targets rows) in the existing file; its introduction lists every section measured by a later run
 * than the one that wrote the file, each with that run (bench/results-file.ts).
 *
 * The OpenTofu suite runs only when `npm run tools:build` has put the pinned tools in the cache
 * (building them takes the better part of an hour); otherwise it says so and is skipped. A suite
 * that fails does not stop the others: its section says what failed, the file is still written,
 * and the run exits 1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchAgentTools } from './agent-tools';
import { benchClient } from './client';
import { missingTools } from '../scripts/tools';
import { benchServe } from './serve';
import { round } from './harness';
import { benchCommand, introduction, mergePartial, provenanceLine, type RunStamp, type SectionStart, type SuiteHeadings } from './results-file';
import { SYNTH_APP_RUNS, SYNTH_CDKTF_RUNS, benchSynth, type SynthRow } from './synth';
import { benchTofu, type TofuRow } from './tofu';
import { benchUploads, type UploadFigures } from './uploads';
import { benchVending } from './vending';

type Figures = Record<string, number | string>;

const SUITES = ['synth', 'vending', 'client', 'serve', 'uploads', 'agents', 'tofu'] as const;
type Suite = (typeof SUITES)[number];

interface Results {
  synth?: SynthRow[];
  vending?: Figures;
  client?: Figures;
  serve?: Figures;
  uploads?: UploadFigures;
  agents?: Figures;
  tofu?: TofuRow[];
  /** Why a suite has no figures: skipped (tools not built) or failed, one line each. */
  notes: Partial<Record<Suite, string>>;
  /** When each suite started and the machine's load then, for its section's first line. */
  starts: Partial<Record<Suite, SectionStart>>;
}

function machine(): string {
  const cpu = cpus();
  const lines = [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; memory ${round(totalmem() / 2 ** 30, 1)} GiB`,
    `- Node ${process.version}, ${process.platform}/${process.arch}`,
  ];
  try {
    lines.push(`- AWS CLI: ${execFileSync('/usr/bin/aws', ['--version'], { encoding: 'utf8' }).trim()}`);
  } catch {
    // The uploads benchmark says so itself when the CLI is missing.
  }
  return lines.join('\n');
}

function table(rows: readonly Figures[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`),
  ].join('\n');
}

function figuresTable(figures: Figures): string {
  return table(Object.entries(figures).map(([figure, value]) => ({ figure, value })));
}

/** The targets of issues 6 and 16, judged on this run's figures. */
function targets(results: Results): Figures[] {
  const rows: Figures[] = [];
  const check = (target: string, measured: string, met: boolean) => rows.push({ target, measured, met: met ? 'yes' : 'NO' });
  for (const provider of ['auth0', 'cognito'] as const) {
    const synth = results.synth?.filter((r) => r.provider === provider) ?? [];
    const smallest = synth.find((r) => r.servers === 10);
    if (smallest) {
      // 5,000 servers in one shard (what earlier runs measured) and in 50 (what the SLOW_PLAN warning asks for).
      for (const largest of synth.filter((r) => r.servers === 5000)) {
        const spread = largest.shards === 1 ? 'in one shard' : `in ${largest.shards} shards`;
        const appRatio = round(largest.appMs / smallest.appMs, 2);
        const cliRatio = round(largest.cdktfMs / smallest.cdktfMs, 2);
        check(`${provider}: app synth of 5,000 servers ${spread} ≤ 1.3 × app synth of 10`, `${appRatio}×`, appRatio <= 1.3);
        check(`${provider}: cdktf synth of 5,000 servers ${spread} ≤ 1.5 × cdktf synth of 10`, `${cliRatio}×`, cliRatio <= 1.5);
      }
      check(`${provider}: app synth of 10 servers < 0.7 s`, `${smallest.appMs} ms`, smallest.appMs < 700);
      check(`${provider}: cdktf synth of 10 servers < 4 s`, `${smallest.cdktfMs} ms`, smallest.cdktfMs < 4000);
      const peak = Math.max(...synth.map((r) => r.cdktfPeakRssMiB));
      check(`${provider}: peak RSS < 400 MB at every size`, `${peak} MiB`, peak * 1.048576 < 400);
    }
  }
  const vending = results.vending;
  if (vending) {
    check('vending: warm p99 < 10 ms', `${vending.warm_p99_ms} ms`, Number(vending.warm_p99_ms) < 10);
    check('vending: cold init < 150 ms', `${vending.cold_init_ms} ms`, Number(vending.cold_init_ms) < 150);
    check('vending: bundle < 1 MB', `${vending.bundle_kib} KiB`, Number(vending.bundle_kib) * 1024 < 1_000_000);
  }
  for (const provider of ['auth0', 'cognito'] as const) {
    // Linear, not quadratic: per server, a plan of 4,999 in 50 shards costs about what 100 in one does.
    const tofu = results.tofu?.filter((r) => r.provider === provider) ?? [];
    const hundred = tofu.find((r) => r.servers === 100 && r.shards === 1);
    const largest = tofu.find((r) => r.servers === 4999);
    if (hundred && largest) {
      const ratio = round(largest.planMs / largest.servers / (hundred.planMs / hundred.servers), 2);
      check(`tofu: ${provider} plan time per server at 4,999 servers (${largest.shards} shards) ≤ 1.5 × at 100 (one shard)`, `${round(largest.planMs / 1000, 1)} s, ${ratio}×`, ratio <= 1.5);
    }
  }
  const client = results.client;
  if (client) {
    const warm = Number(client.warm_cache_median_ms);
    const floor = Number(client.node_baseline_ms);
    check('client: get-credentials on a warm cache ≤ 1.25 × a bare `node -e 0`', `${warm} ms / ${floor} ms = ${round(warm / floor, 2)}×`, warm <= 1.25 * floor);
    const tokens = Number(client.concurrent_cold_token_requests);
    check('client: 100 concurrent cold invocations make one token request', String(tokens), tokens === 1);
  }
  const serve = results.serve;
  if (serve) {
    check(`serve: ${serve.consumers} concurrent consumers on loopback, every request answered`, `${serve.requests_per_second} req/s, p99 ${serve.p99_ms} ms, ${serve.failed_requests} failed`, Number(serve.failed_requests) === 0);
    const tokens = Number(serve.simulated_hour_token_requests);
    check('serve: one simulated hour of renewals costs one token request per renewal, not per consumer, and no consumer is refused', `${serve.simulated_hour_served} served / ${tokens} token requests, ${serve.simulated_hour_failed_requests} failed`, tokens >= 1 && tokens <= 3 && Number(serve.simulated_hour_failed_requests) === 0);
  }
  for (const row of results.uploads?.sizes ?? []) {
    const up = Number(row.upload_ratio);
    const down = Number(row.download_ratio);
    check(`uploads: s3-ops upload ≥ 1.10 × aws s3 cp at ${row.size_mib} MiB`, `${up}×`, up >= 1.1);
    check(`uploads: s3-ops download ≥ 1.0 × aws s3 cp at ${row.size_mib} MiB`, `${down}×`, down >= 1);
  }
  const progress = results.uploads?.progress;
  if (progress && progress.ratio !== undefined) {
    // Within run-to-run noise: the display is drawn at most ten times a second.
    const ratio = Number(progress.ratio);
    check(`uploads: progress bar drawn costs < 3 % at ${progress.size_mib} MiB (shown / hidden)`, `${ratio}×`, ratio < 1.03);
  }
  return rows;
}

function resultsMarkdown(results: Results, run: RunStamp, suites: readonly Suite[]): string {
  const sections: string[] = [
    '# Benchmark results',
    '',
    introduction(run, []),
    '',
    '## Machine',
    '',
    machine(),
    '',
    '## How to reproduce',
    '',
    '```bash',
    'npm ci',
    run.command,
    '```',
    '',
    `Synth: medians of ${SYNTH_APP_RUNS} rounds of the app and ${SYNTH_CDKTF_RUNS} of cdktf synth (\`BENCH_RUNS\`), every size in turn in each round after a warm-up of each, on a copy of the repository with`,
    'generated servers maps; "app" is cdktf.json\'s app command (`node --require tsx/cjs main.ts`) alone, "cdktf" the full `cdktf synth`; peak RSS is',
    'the largest of any Node process in a run. Vending: the esbuild bundle against dynalite and the',
    'STS stand-in over loopback. Client: the built bundle against the local OAuth server and STS',
    'stand-in. Serve: the built bundle\'s `serve`, 50 keep-alive consumers in the benchmark process; its simulated hour scales sessions 1:30 (120 s for 3600 s).',
    'Uploads: `s3-ops upload`/`download` and `aws s3 cp` both ways, alternating against the',
    'same s3rver, which verifies and reports CRC32 checksums as S3 does (sandbox/s3-checksums.ts) and completes a',
    'multipart upload as S3 does, without reading the object again for an MD5 of the whole (sandbox/s3rver-store.ts); both tools',
    'send CRC32 with every part, and the checks columns say what s3-ops verified. s3-ops runs as installed (its #! line,',
    'with the Node options it ships with). The ratios are aws time / s3-ops time (above 1: s3-ops is faster).',
    'OpenTofu: `tofu validate` and `tofu plan` of the servers stack with the pinned tools of',
    '`npm run tools:build` and the stand-ins of `npm run verify:terraform`, medians of 3 runs (one from 300 servers on).',
    'Within one shard, plan time grows with the square of the servers: OpenTofu re-evaluates a resource\'s for_each for every',
    'instance it plans, walking the whole for_each value, and builds the whole referenced resource for every',
    '`resource[each.key]` reference (goroutine samples of a 500-server plan: evaluateForEachExpression and',
    'evaluationStateData.GetResource); 300 servers in one shard show it. Spread over shards of about 100 (servers.json',
    '`shards`, docs/OPERATIONS.md "Thousands of servers"), it grows with the servers: the 1,000 and 4,999 rows.',
    '',
    'Each section\'s first line names the run that measured it and the 1-minute load average as the section',
    'started: above the number of cores, processes were waiting for one, and figures taken then are slower.',
    '',
    '## Targets',
    '',
    table(targets(results)),
  ];
  for (const suite of suites) {
    const note = results.notes[suite];
    const body = note !== undefined ? [note] : sectionBody(results, suite);
    if (body) sections.push('', `## ${SECTION_TITLES[suite]}`, '', provenanceLine(run, results.starts[suite]), '', ...body);
  }
  return `${sections.join('\n')}\n`;
}

/** One suite's section under its title, from this run's figures. */
function sectionBody(results: Results, suite: Suite): string[] | undefined {
  switch (suite) {
    case 'synth':
      return results.synth && [table(results.synth as unknown as Figures[])];
    case 'vending':
      return results.vending && [figuresTable(results.vending)];
    case 'client':
      return results.client && [figuresTable(results.client)];
    case 'serve':
      return results.serve && [figuresTable(results.serve)];
    case 'uploads':
      return results.uploads && [table(results.uploads.sizes), '', '### Progress display', '', table([results.uploads.progress])];
    case 'agents':
      return (
        results.agents && [
          'oidc-s3-mcp: spawned by the MCP SDK\'s stdio client on a warm credential cache, median of 10 starts to the first read_object result. Gateway Lambdas: the bundles in-process, 300 warm calls per tool after 20 warm-up, each through the interceptor (timed separately), against s3rver, dynalite and the STS stand-in.',
          '',
          figuresTable(results.agents),
        ]
      );
    case 'tofu':
      return results.tofu && [table(results.tofu as unknown as Figures[])];
  }
}

const SECTION_TITLES: Readonly<Record<Suite, string>> = {
  synth: 'Synth scaling',
  vending: 'Credential vending',
  client: 'Client',
  serve: 'Credentials endpoint (serve)',
  uploads: 'Uploads and downloads',
  agents: 'Agent tools',
  tofu: 'OpenTofu scaling',
};
/** How each suite's rows in the Targets table begin. */
const TARGET_PREFIXES: Readonly<Record<Suite, readonly string[]>> = { synth: ['auth0:', 'cognito:'], vending: ['vending:'], client: ['client:'], serve: ['serve:'], uploads: ['uploads:'], agents: ['agents:'], tofu: ['tofu:'] };
/** Every suite's headings, in the order of the file. */
const HEADINGS: Readonly<Record<Suite, SuiteHeadings>> = Object.fromEntries(SUITES.map((suite) => [suite, { title: SECTION_TITLES[suite], targetPrefixes: TARGET_PREFIXES[suite] }])) as Record<Suite, SuiteHeadings>;

/** The OpenTofu suite needs the pinned tools, which only `npm run tools:build` builds. */
export const TOFU_SKIPPED = 'skipped: run npm run tools:build first';

/** Runs one suite into `results`. */
async function runSuite(suite: Suite, results: Results): Promise<void> {
  switch (suite) {
    case 'synth':
      const runs = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;
      results.synth = await benchSynth({ appRuns: runs, cdktfRuns: runs });
      console.table(results.synth);
      return;
    case 'vending':
      results.vending = await benchVending();
      console.table(results.vending);
      return;
    case 'client':
      results.client = await benchClient();
      console.table(results.client);
      return;
    case 'serve':
      results.serve = await benchServe();
      console.table(results.serve);
      return;
    case 'uploads':
      results.uploads = await benchUploads();
      console.table(results.uploads.sizes);
      console.table([results.uploads.progress]);
      return;
    case 'agents':
      results.agents = await benchAgentTools();
      console.table(results.agents);
      return;
    case 'tofu': {
      const missing = missingTools();
      if (missing.length > 0) {
        results.notes.tofu = `${TOFU_SKIPPED} (not in the tools cache: ${missing.join(', ')})`;
        process.stderr.write(`tofu: ${results.notes.tofu}\n`);
        return;
      }
      results.tofu = await benchTofu({ runs: Number(process.env.BENCH_TOFU_RUNS ?? 3) });
      console.table(results.tofu);
      return;
    }
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = asked.filter((name) => !(SUITES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${SUITES.join(', ')}`);
  const suites: Suite[] = asked.length > 0 ? (asked as Suite[]) : [...SUITES];
  const started = new Date();
  const results: Results = { notes: {}, starts: {} };
  const failed: Suite[] = [];
  for (const suite of suites) {
    // The 1-minute load average as the suite starts, so a reader can tell figures taken on a busy
    // machine (other builds, other benchmarks) from an idle one's.
    const start: SectionStart = { started: new Date().toISOString(), loadAverage: loadavg()[0]!, cores: cpus().length };
    results.starts[suite] = start;
    process.stderr.write(`== ${suite} (1-minute load average ${start.loadAverage.toFixed(2)} on ${start.cores} cores)\n`);
    try {
      await runSuite(suite, results);
    } catch (error) {
      // The other suites still run and the file is still written: one broken suite must not
      // cost the figures of a quarter of an hour's run.
      failed.push(suite);
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${suite} failed: ${message}\n`);
      results.notes[suite] = `failed: ${message.split('\n')[0]}`;
    }
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const summary = targets(results);
  console.table(summary);
  const file = join(__dirname, 'RESULTS.md');
  const run: RunStamp = { command: benchCommand(suites.length === SUITES.length ? 'all' : suites), started: started.toISOString(), seconds: round(seconds, 0) };
  const fresh = resultsMarkdown(results, run, suites);
  const partial = suites.length < SUITES.length && existsSync(file);
  writeFileSync(file, partial ? mergePartial(readFileSync(file, 'utf8'), fresh, suites, HEADINGS) : fresh);
  process.stderr.write(`bench/RESULTS.md written (${round(seconds, 0)} s)\n`);
  if (failed.length > 0) {
    process.stderr.write(`failed suites: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
