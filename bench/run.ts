/**
 * `npm run bench`: every benchmark, one after the other (never side by side, so they do not
 * compete for the two cores), a table of each on stdout, and bench/RESULTS.md rewritten with the
 * figures, the machine, the date and how to reproduce them.
 *
 *   npm run bench                     # everything (about 15 minutes on 2 cores, plus the tofu suite)
 *   npm run bench -- tofu             # OpenTofu validate/plan scaling (builds the pinned tools first)
 *   npm run bench -- synth vending    # only some
 *   BENCH_RUNS=3 npm run bench        # fewer synth runs per figure (default 5)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchClient } from './client';
import { round } from './harness';
import { benchSynth, type SynthRow } from './synth';
import { ToolsError } from '../scripts/tools';
import { benchTofu, type TofuRow } from './tofu';
import { benchUploads } from './uploads';
import { benchVending } from './vending';

type Figures = Record<string, number | string>;

const SUITES = ['synth', 'vending', 'client', 'uploads', 'tofu'] as const;
type Suite = (typeof SUITES)[number];

interface Results {
  synth?: SynthRow[];
  vending?: Figures;
  client?: Figures;
  uploads?: Figures[];
  tofu?: TofuRow[];
}

/** The RESULTS.md heading of each suite's section. */
const SECTION_TITLES: Record<Suite, string> = {
  synth: 'Synth scaling',
  vending: 'Credential vending',
  client: 'Client',
  uploads: 'Uploads',
  tofu: 'OpenTofu validate and plan',
};

/** The sections of the previous RESULTS.md, by heading, so a partial run keeps the others. */
function previousSections(path: string): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(path)) return sections;
  for (const chunk of readFileSync(path, 'utf8').split(/^(?=## )/m)) {
    const title = /^## (.+)$/m.exec(chunk)?.[1];
    if (title) sections.set(title.trim(), chunk.trimEnd());
  }
  return sections;
}

/** The OpenTofu section: the scaling table, the 5,000/10 ratio and the marginal cost of one server. */
function tofuSection(rows: readonly TofuRow[]): string {
  const lines = [table(rows.filter((r) => r.servers !== 5001) as unknown as Figures[]), ''];
  for (const provider of ['auth0', 'cognito'] as const) {
    const of = (n: number) => rows.find((r) => r.provider === provider && r.servers === n);
    const small = of(10);
    const large = of(5000);
    const more = of(5001);
    if (small && large) lines.push(`- ${provider}: plan(5,000)/plan(10) = ${round(large.planMs / small.planMs, 1)}×, validate(5,000)/validate(10) = ${round(large.validateMs / small.validateMs, 1)}×`);
    if (large && more) lines.push(`- ${provider}: one more server on top of 5,000 (both on empty state): plan ${more.planMs - large.planMs} ms more`);
  }
  lines.push(
    '',
    "Empty state, so these plans measure configuration evaluation and the providers' planning, not refresh.",
    'Planning one added server on top of a real 5,000-server state costs what planning 5,000 costs (OpenTofu',
    'evaluates and diffs every instance; the added one is a small share) plus the refresh of every existing',
    'instance: per server one `iam:GetRole` and one `iam:GetRolePolicy` (plus, for Auth0, three Management API',
    'reads, which the tenant rate-limits; for Cognito a `DescribeUserPoolClient` and a `GetItem`). Refresh',
    "therefore dominates at 5,000 servers; `-refresh=false` (or `-target` on the new server's instances) plans",
    'an onboarding in about the empty-state time above. Tool builds (cold and warm, peak memory): tools/README.md.',
  );
  return lines.join('\n');
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

/** The targets of issue 6, judged on this run's figures. */
function targets(results: Results): Figures[] {
  const rows: Figures[] = [];
  const check = (target: string, measured: string, met: boolean) => rows.push({ target, measured, met: met ? 'yes' : 'NO' });
  for (const provider of ['auth0', 'cognito'] as const) {
    const synth = results.synth?.filter((r) => r.provider === provider) ?? [];
    const smallest = synth.find((r) => r.servers === 10);
    const largest = synth.find((r) => r.servers === 5000);
    if (smallest && largest) {
      const appRatio = round(largest.appMs / smallest.appMs, 2);
      const cliRatio = round(largest.cdktfMs / smallest.cdktfMs, 2);
      check(`${provider}: synth of 5,000 servers ≤ 1.5 × synth of 10 (app / cdktf synth)`, `${appRatio}× / ${cliRatio}×`, appRatio <= 1.5 && cliRatio <= 1.5);
      check(`${provider}: app synth of 10 servers < 1 s`, `${smallest.appMs} ms`, smallest.appMs < 1000);
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
  const client = results.client;
  if (client) {
    const warm = Number(client.warm_cache_median_ms);
    check('client: get-credentials on a warm cache < 100 ms median', `${warm} ms`, warm < 100);
    const tokens = Number(client.concurrent_cold_token_requests);
    check('client: 100 concurrent cold invocations make one token request', String(tokens), tokens === 1);
  }
  for (const row of results.uploads ?? []) {
    const ratio = Number(row.throughput_ratio);
    check(`uploads: s3-ops ≥ aws s3 cp at ${row.size_mib} MiB`, `${ratio}×`, ratio >= 1);
  }
  return rows;
}

function resultsMarkdown(results: Results, started: Date, seconds: number, suites: readonly Suite[]): string {
  const sections: string[] = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${started.toISOString()} (${round(seconds, 0)} s). Every figure below`,
    'comes from that one run, so ratios compare measurements taken side by side.',
    '',
    '## Machine',
    '',
    machine(),
    '',
    '## How to reproduce',
    '',
    '```bash',
    'npm ci',
    `npm run bench${suites.length === SUITES.length ? '' : ` -- ${suites.join(' ')}`}`,
    '```',
    '',
    'Synth: medians of 5 runs after a warm-up (`BENCH_RUNS`), on a copy of the repository with',
    'generated servers maps; "app" is cdktf.json\'s app command (`node --require tsx/cjs main.ts`) alone, "cdktf" the full `cdktf synth`; peak RSS is',
    'the largest of any Node process in a run. Vending: the esbuild bundle against dynalite and the',
    'STS stand-in over loopback. Client: the built bundle against the local OAuth server and STS',
    'stand-in. Uploads: `s3-ops upload` and `aws s3 cp` alternating against the same s3rver.',
    '',
    '## Targets',
    '',
    table(targets(results)),
  ];
  if (results.synth) sections.push('', '## Synth scaling', '', table(results.synth as unknown as Figures[]));
  if (results.vending) sections.push('', '## Credential vending', '', figuresTable(results.vending));
  if (results.client) sections.push('', '## Client', '', figuresTable(results.client));
  if (results.uploads) sections.push('', '## Uploads', '', table(results.uploads));
  if (results.tofu) sections.push('', `## ${SECTION_TITLES.tofu}`, '', tofuSection(results.tofu));
  // Suites not run this time keep their section from the previous file, marked as such.
  const previous = previousSections(join(__dirname, 'RESULTS.md'));
  for (const suite of SUITES) {
    if (suites.includes(suite)) continue;
    const kept = previous.get(SECTION_TITLES[suite]);
    if (kept) sections.push('', kept.replace(/^(## .+)$/m, '$1\n\n(From an earlier run: this run did not include it.)'));
  }
  return `${sections.join('\n')}\n`;
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = asked.filter((name) => !(SUITES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${SUITES.join(', ')}`);
  const suites: Suite[] = asked.length > 0 ? (asked as Suite[]) : [...SUITES];
  const started = new Date();
  const results: Results = {};
  for (const suite of suites) {
    process.stderr.write(`== ${suite}\n`);
    if (suite === 'synth') {
      results.synth = await benchSynth({ runs: Number(process.env.BENCH_RUNS ?? 5) });
      console.table(results.synth);
    } else if (suite === 'vending') {
      results.vending = await benchVending();
      console.table(results.vending);
    } else if (suite === 'client') {
      results.client = await benchClient();
      console.table(results.client);
    } else if (suite === 'uploads') {
      results.uploads = await benchUploads();
      console.table(results.uploads);
    } else {
      try {
        results.tofu = await benchTofu({ runs: Number(process.env.BENCH_RUNS ?? 3) });
        console.table(results.tofu);
      } catch (error) {
        // Without Go or the module proxy the pinned tools cannot be built: the other suites still count.
        if (!(error instanceof ToolsError)) throw error;
        process.stderr.write(`tofu: skipped (${error.code}: ${error.message})\n`);
      }
    }
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const summary = targets(results);
  console.table(summary);
  writeFileSync(join(__dirname, 'RESULTS.md'), resultsMarkdown(results, started, seconds, suites));
  process.stderr.write(`bench/RESULTS.md written (${round(seconds, 0)} s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
