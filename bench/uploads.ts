// Transfer throughput: `s3-ops upload` and `download` (the built bundle) against `aws s3 cp` both
// ways, each with the part size and concurrency it ships with, the same random files, the same
// local s3rver (which verifies and reports CRC32 checksums as S3 does, sandbox/s3-checksums.ts, and
// completes multipart uploads as S3 does, sandbox/s3rver-store.ts), taking turns (s3-ops, aws, s3-ops, aws, …) so that drift of the machine hits both
// alike. Both authenticate with the key pair s3rver accepts, from the environment. Each object is
// deleted after its round so the disk holds at most one copy. At one size, s3-ops uploads also
// run with stderr on a terminal (under script(1)), where the progress bar is drawn, against the
// same command with stderr elsewhere: what the progress display costs. Run directly:
// `npx tsx bench/uploads.ts`.
import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { median, round, runChild } from './harness';
import { benchMain, note, runWorker } from './local-servers';

type Row = Record<string, number | string>;

const AWS_CLI = '/usr/bin/aws';
const MIB = 1024 * 1024;

export interface UploadFigures {
  readonly sizes: Row[];
  /** s3-ops uploads with the progress bar drawn (stderr a terminal) and not. */
  readonly progress: Row;
}

/**
 * The local S3 runs in the worker. Its socket reads are a new 64 KiB buffer each, which V8 counts
 * against an old generation sized for a few MiB of live objects: with the default, s3rver spent
 * about 1.5 s of every GiB uploaded in full garbage collections (user CPU 11–13 s per 2 GiB
 * upload against 8.3–9 s with this), the same for every client (s3-ops ships the same flag for
 * its own reads, modules/bundle.ts NODE_FLAGS).
 */
const LOCAL_S3_NODE_FLAGS = ['--initial-old-space-size=256'];

export async function benchUploads(options: { sizesMiB?: number[]; rounds?: number; progressMiB?: number } = {}): Promise<UploadFigures> {
  return runWorker<UploadFigures>(__filename, options, LOCAL_S3_NODE_FLAGS);
}

/** Random (incompressible) content, written 8 MiB at a time. */
function randomFile(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let left = mib * MIB; left > 0; left -= 8 * MIB) writeSync(fd, randomBytes(Math.min(left, 8 * MIB)));
  } finally {
    closeSync(fd);
  }
}

async function measure({ sizesMiB = [64, 512, 2048], rounds = 3, progressMiB = 512 }: { sizesMiB?: number[]; rounds?: number; progressMiB?: number }): Promise<UploadFigures> {
  if (rounds < 3) throw new Error(`rounds must be at least 3 (got ${rounds})`);
  const [{ cleanEnv, tempDir, removeDir, buildBundles }, { startS3 }] = await Promise.all([import('../test/client/harness'), import('../sandbox/s3rver')]);
  const home = tempDir('bench-uploads');
  const s3 = await startS3({ bucket: 'oidc-s3-bench-uploads' });
  const bundles = buildBundles();
  try {
    // The CLI reads addressing style from its config file; s3-ops takes --path-style.
    writeFileSync(join(home, 'aws-config'), '[default]\nregion = eu-west-1\ns3 =\n    addressing_style = path\n');
    writeFileSync(join(home, 'aws-credentials'), '');
    const env = cleanEnv(home, {
      AWS_ACCESS_KEY_ID: s3.accessKeys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.accessKeys.secretAccessKey,
      AWS_REGION: 'eu-west-1',
    });
    const prefix = 'bench/';
    const opsEnv = { ...env, AWS_ENDPOINT_URL_S3: s3.url, S3_BUCKET: s3.bucket, S3_PREFIX: prefix };
    // s3-ops as installed: the bundle started by its #! line, with the Node options it ships with
    // (modules/bundle.ts NODE_FLAGS), as /usr/bin/aws starts the CLI.
    const s3ops = (...args: string[]) => runChild(bundles.s3ops, [...args, '--path-style'], { cwd: home, env: opsEnv });
    const awsCp = (from: string, to: string) => runChild(AWS_CLI, ['s3', 'cp', from, to, '--endpoint-url', s3.url, '--no-progress'], { cwd: home, env });
    const url = (key: string) => `s3://${s3.bucket}/${prefix}${key}`;
    /** What s3-ops last said it verified, as the table reports it. */
    const opsChecks = { upload: '', download: '' };
    const tools = {
      's3-ops': {
        upload: async (file: string, key: string) => {
          const { stdout } = await s3ops('upload', file, key);
          const checks = /\(\d+ bytes, (.*verified)\)/.exec(stdout)?.[1];
          if (!checks) throw new Error(`s3-ops upload verified nothing: ${stdout}`);
          opsChecks.upload = checks;
        },
        download: async (key: string, file: string) => {
          const { stdout } = await s3ops('download', key, file);
          const check = /, (\S+(?: composite)?) verified\)/.exec(stdout)?.[1];
          if (!check) throw new Error(`s3-ops download verified nothing: ${stdout}`);
          opsChecks.download = check;
        },
      },
      aws: {
        upload: (file: string, key: string) => awsCp(file, url(key)),
        download: (key: string, file: string) => awsCp(url(key), file),
      },
    };
    type Tool = keyof typeof tools;
    const stored = (key: string) => join(s3.directory, s3.bucket, prefix, `${key}._S3rver_object`);
    const clearBucket = () => rmSync(join(s3.directory, s3.bucket, prefix), { recursive: true, force: true });
    const timed = async (action: () => Promise<unknown>) => {
      const started = performance.now();
      await action();
      return performance.now() - started;
    };

    const rows: Row[] = [];
    let progress: Row | undefined;
    for (const [index, mib] of sizesMiB.entries()) {
      const file = join(home, `random-${mib}.bin`);
      const copy = join(home, `downloaded-${mib}.bin`);
      randomFile(file, mib);
      const times: Record<Tool, { up: number[]; down: number[] }> = { 's3-ops': { up: [], down: [] }, aws: { up: [], down: [] } };
      // One unmeasured round first (page cache, the CLI's Python imports), at the first size only.
      for (let round_ = index === 0 ? -1 : 0; round_ < rounds; round_ += 1) {
        for (const tool of Object.keys(tools) as Tool[]) {
          const key = `${tool}-${mib}.bin`;
          const up = await timed(() => tools[tool].upload(file, key));
          if (statSync(stored(key)).size !== mib * MIB) throw new Error(`${tool}: s3rver holds a ${statSync(stored(key)).size}-byte ${key}`);
          const down = await timed(() => tools[tool].download(key, copy));
          if (statSync(copy).size !== mib * MIB) throw new Error(`${tool}: downloaded ${statSync(copy).size} bytes of ${key}`);
          rmSync(copy);
          clearBucket();
          if (round_ >= 0) {
            times[tool].up.push(up);
            times[tool].down.push(down);
          }
          note(`uploads: ${mib} MiB ${tool} up ${round(up)} ms, down ${round(down)} ms${round_ < 0 ? ' (warm-up)' : ''}`);
        }
      }
      if (mib === progressMiB) progress = await measureProgress(bundles.s3ops, file, opsEnv, home, rounds);
      rmSync(file, { force: true });
      const [opsUp, awsUp, opsDown, awsDown] = [times['s3-ops'].up, times.aws.up, times['s3-ops'].down, times.aws.down].map(median) as [number, number, number, number];
      rows.push({
        size_mib: mib,
        rounds,
        s3ops_upload_ms: round(opsUp),
        aws_upload_ms: round(awsUp),
        upload_ratio: round(awsUp / opsUp, 2),
        s3ops_download_ms: round(opsDown),
        aws_download_ms: round(awsDown),
        download_ratio: round(awsDown / opsDown, 2),
        s3ops_upload_mib_s: round((mib * 1000) / opsUp),
        aws_upload_mib_s: round((mib * 1000) / awsUp),
        s3ops_upload_checks: opsChecks.upload,
        s3ops_download_check: opsChecks.download,
      });
    }
    return { sizes: rows, progress: progress ?? { size_mib: 0 } };
  } finally {
    removeDir(bundles.dir);
    await s3.close();
    removeDir(home);
  }
}

/**
 * s3-ops uploads under script(1), so that stderr is a terminal and the bar is drawn, taking turns
 * with the same command whose stderr goes to /dev/null (no terminal, no bar): the same wrapper
 * both ways, so the difference is the display alone.
 */
async function measureProgress(bundle: string, file: string, env: Record<string, string>, home: string, rounds: number): Promise<Row> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = (stderr: string) => `${[bundle, 'upload', file, 'progress.bin', '--path-style'].map(quote).join(' ')}${stderr}`;
  const shown: number[] = [];
  const hidden: number[] = [];
  let drawn = '';
  for (let i = 0; i < rounds; i += 1) {
    const on = await runChild('/usr/bin/script', ['-qec', command(''), '/dev/null'], { cwd: home, env });
    const off = await runChild('/usr/bin/script', ['-qec', command(' 2>/dev/null'), '/dev/null'], { cwd: home, env });
    shown.push(on.ms);
    hidden.push(off.ms);
    drawn = on.stdout;
  }
  // The terminal's output holds the bar's redraws: proof that it was drawn.
  const redraws = drawn.split('\r').length - 1;
  if (redraws < 2) throw new Error(`no progress bar was drawn: ${drawn.slice(0, 200)}`);
  const [on, off] = [median(shown), median(hidden)];
  return { size_mib: Math.round(statSync(file).size / MIB), rounds, progress_shown_ms: round(on), progress_hidden_ms: round(off), ratio: round(on / off, 3), redraws };
}

if (require.main === module) {
  benchMain(measure, () =>
    benchUploads({
      sizesMiB: process.env.BENCH_SIZES_MIB?.split(',').map(Number),
      rounds: process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined,
      progressMiB: process.env.BENCH_PROGRESS_MIB ? Number(process.env.BENCH_PROGRESS_MIB) : undefined,
    }),
  );
}
