// Upload throughput: `s3-ops upload` (the built bundle) against `aws s3 cp`, both with the part
// size and concurrency they ship with, the same random files, the same local s3rver, taking turns
// (s3-ops, aws, s3-ops, aws, …) so that drift of the machine hits both alike. Both authenticate
// with the key pair s3rver accepts, from the environment. Each object is deleted after its upload
// so the disk holds at most one copy. Run directly: `npx tsx bench/uploads.ts`.
import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { median, round, runChild } from './harness';
import { benchMain, note, runWorker } from './local-servers';

type Row = Record<string, number | string>;

const AWS_CLI = '/usr/bin/aws';
const MIB = 1024 * 1024;

export async function benchUploads(options: { sizesMiB?: number[]; rounds?: number } = {}): Promise<Row[]> {
  return runWorker<Row[]>(__filename, options);
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

async function measure({ sizesMiB = [64, 512], rounds = 3 }: { sizesMiB?: number[]; rounds?: number }): Promise<Row[]> {
  if (rounds < 3) throw new Error(`rounds must be at least 3 (got ${rounds})`);
  const [{ cleanEnv, tempDir, removeDir }, { startS3 }] = await Promise.all([import('../test/client/harness'), import('../sandbox/s3rver')]);
  const home = tempDir('bench-uploads');
  const s3 = await startS3({ bucket: 'oidc-s3-bench-uploads' });
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
    const tools = {
      's3-ops': async (file: string, key: string) => {
        const { stdout } = await runChild(process.execPath, [bundles.s3ops, 'upload', file, key, '--path-style'], {
          cwd: home,
          env: { ...env, AWS_ENDPOINT_URL_S3: s3.url, S3_BUCKET: s3.bucket, S3_PREFIX: prefix },
        });
        if (!stdout.includes('ETag verified')) throw new Error(`s3-ops upload said: ${stdout}`);
      },
      aws: async (file: string, key: string) => {
        await runChild(AWS_CLI, ['s3', 'cp', file, `s3://${s3.bucket}/${prefix}${key}`, '--endpoint-url', s3.url, '--no-progress'], { cwd: home, env });
      },
    };
    const { buildBundles } = await import('../test/client/harness');
    const bundles = buildBundles();
    const stored = (key: string) => join(s3.directory, s3.bucket, prefix, `${key}._S3rver_object`);

    const rows: Row[] = [];
    try {
      for (const mib of sizesMiB) {
        const file = join(home, `random-${mib}.bin`);
        randomFile(file, mib);
        const times: Record<keyof typeof tools, number[]> = { 's3-ops': [], aws: [] };
        // One unmeasured upload each first: page cache, the CLI's Python imports.
        for (let round_ = -1; round_ < rounds; round_ += 1) {
          for (const tool of Object.keys(tools) as (keyof typeof tools)[]) {
            const key = `${tool}-${mib}.bin`;
            const started = performance.now();
            await tools[tool](file, key);
            const ms = performance.now() - started;
            if (statSync(stored(key)).size !== mib * MIB) throw new Error(`${tool}: s3rver holds a ${statSync(stored(key)).size}-byte ${key}`);
            rmSync(join(s3.directory, s3.bucket, prefix), { recursive: true, force: true });
            if (round_ >= 0) times[tool].push(ms);
            note(`uploads: ${mib} MiB ${tool} ${round(ms)} ms${round_ < 0 ? ' (warm-up)' : ''}`);
          }
        }
        rmSync(file, { force: true });
        const ops = median(times['s3-ops']);
        const aws = median(times.aws);
        rows.push({
          size_mib: mib,
          rounds,
          s3ops_median_ms: round(ops),
          aws_median_ms: round(aws),
          s3ops_mib_s: round((mib * 1000) / ops),
          aws_mib_s: round((mib * 1000) / aws),
          throughput_ratio: round(aws / ops, 2),
        });
      }
    } finally {
      removeDir(bundles.dir);
    }
    return rows;
  } finally {
    await s3.close();
    removeDir(home);
  }
}

if (require.main === module) {
  benchMain(measure, () =>
    benchUploads({ sizesMiB: process.env.BENCH_SIZES_MIB?.split(',').map(Number), rounds: process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined }),
  );
}
