/** Small pieces every benchmark shares: timing, medians, percentiles, child processes with peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const RSS_REPORTER = join(__dirname, 'rss-reporter.cjs');

export interface ChildRun {
  readonly ms: number;
  /** The largest peak RSS of any Node process in the run, in MiB. */
  readonly peakRssMiB: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion. Every Node process it starts (the cdktf CLI and the app it
 * spawns) reports its own peak RSS through a preloaded module, so the figure is the real
 * high-water mark rather than a sample.
 */
export async function runChild(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ChildRun> {
  const rssDir = mkdtempSync(join(tmpdir(), 'oidc-s3-rss-'));
  const env = {
    ...process.env,
    ...options.env,
    OIDC_S3_BENCH_RSS_DIR: rssDir,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${RSS_REPORTER}`.trim(),
  };
  const started = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const peaks = readRssReports(rssDir);
  rmSync(rssDir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`);
  return { ms, peakRssMiB: Math.max(0, ...peaks), stdout, stderr };
}

function readRssReports(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'rss'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line) / 1024);
  } catch {
    return [];
  }
}
