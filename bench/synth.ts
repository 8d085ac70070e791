/**
 * Synth scaling: the app alone (cdktf.json's `app` command) and the full `cdktf synth`, for servers maps of
 * 10 to 5,000 servers and both identity providers, on a copy of the repository whose
 * environments/ holds generated maps. Medians of rounds taken in turn after one warm-up each; peak RSS of the runs.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suggestedShards } from '../config/rules';
import { median, round, runChild } from './harness';

const REPO = join(__dirname, '..');
const COPIED = ['main.ts', 'cdktf.json', 'package.json', 'tsconfig.json', 'backend.hcl', 'config', 'stacks', 'modules', 'lambda'];

export interface SynthRow {
  readonly provider: 'auth0' | 'cognito';
  readonly servers: number;
  readonly shards: number;
  readonly appMs: number;
  readonly appPeakRssMiB: number;
  readonly cdktfMs: number;
  readonly cdktfPeakRssMiB: number;
}

function serversMap(count: number, shards: number) {
  const servers: Record<string, unknown> = {};
  const tiers = ['write', 'read-write', 'full'];
  for (let i = 0; i < count; i++) {
    const name = `srv-${String(i).padStart(5, '0')}`;
    servers[name] = { s3_path_prefix: `hosts/${name}/`, s3_permissions: tiers[i % tiers.length] };
  }
  return { servers, common_tags: { Project: 'bench' }, shards };
}

/** Quotas raised far enough for the largest map, as an account that size would have them. */
const BENCH_QUOTAS = { iam_roles_per_account: 10_000, cognito_app_clients_per_user_pool: 10_000, auth0_clients_per_tenant: 10_000 };

// Auth0 in vending mode at every count: direct mode stops at 99 enabled servers (the OIDC provider's
// client ID list), so only vending mode scales to thousands and the ratios compare like with like.
// Each Auth0 environment its own tenant: one account holds one IAM OIDC provider per issuer.
function foundation(provider: 'auth0' | 'cognito', name: string) {
  return provider === 'auth0'
    ? { identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: `bench-${name}.eu.auth0.com`, auth0_exchange: 'vending', object_expiration_days: 10, quotas: BENCH_QUOTAS }
    : { identity_provider: 'cognito', aws_region: 'eu-west-1', object_expiration_days: 10, quotas: BENCH_QUOTAS };
}

/** One generated map: its servers and the shards they are spread over. */
export interface SynthSize {
  readonly servers: number;
  readonly shards: number;
}

/**
 * 10 to 5,000 servers spread over the shards the SLOW_PLAN warning asks for (one per 100 servers),
 * as an operator of that many would, and 5,000 in one shard (what earlier runs measured).
 */
export const SYNTH_SIZES: readonly SynthSize[] = [...[10, 100, 1000, 5000].map((servers) => ({ servers, shards: suggestedShards(servers) })), { servers: 5000, shards: 1 }];

const environmentName = (provider: 'auth0' | 'cognito', { servers, shards }: SynthSize) => `${provider[0]}-${servers}-${shards}`;

/** A copy of the app whose environments are `<a|c>-<servers>-<shards>`, sharing this checkout's node_modules. */
export function prepareProject(sizes: readonly SynthSize[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-bench-synth-'));
  for (const entry of COPIED) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  for (const provider of ['auth0', 'cognito'] as const) {
    for (const size of sizes) {
      const name = environmentName(provider, size);
      const env = join(dir, 'environments', name);
      mkdirSync(env, { recursive: true });
      writeFileSync(join(env, 'foundation.json'), JSON.stringify(foundation(provider, name)));
      writeFileSync(join(env, 'servers.json'), JSON.stringify(serversMap(size.servers, size.shards)));
    }
  }
  return dir;
}

type Sample = { ms: number; peakRssMiB: number };

/**
 * Runs each command once (warm-up: file system cache, tsx's transform cache), then `runs` rounds
 * of all of them in turn, so that drift of the machine during the section hits every size alike
 * and the ratios between sizes stay fair; the median and the peak RSS of each.
 */
async function roundRobin(commands: readonly (() => Promise<Sample>)[], runs: number): Promise<{ ms: number; peakRssMiB: number }[]> {
  for (const run of commands) await run();
  const samples: Sample[][] = commands.map(() => []);
  for (let round_ = 0; round_ < runs; round_++) {
    for (const [i, run] of commands.entries()) samples[i]!.push(await run());
  }
  return samples.map((taken) => ({ ms: median(taken.map((s) => s.ms)), peakRssMiB: Math.max(...taken.map((s) => s.peakRssMiB)) }));
}

/**
 * Default rounds: the app's figures carry the tight targets and single runs vary by ±20 % here;
 * with 11 rounds, two full runs an hour apart put Cognito's 10 servers at 555.7 and 492.2 ms
 * against 569.8 and 574.4 ms for 100. A round of the app is about 6 s; `cdktf synth` takes 3 s a run.
 */
export const SYNTH_APP_RUNS = 21;
export const SYNTH_CDKTF_RUNS = 5;

export async function benchSynth(options: { sizes?: readonly SynthSize[]; appRuns?: number; cdktfRuns?: number } = {}): Promise<SynthRow[]> {
  const sizes = options.sizes ?? SYNTH_SIZES;
  const dir = prepareProject(sizes);
  // The app exactly as cdktf.json runs it, without the CLI around it.
  const [appCommand, ...appArgs] = (JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
  const cdktf = join(dir, 'node_modules/.bin/cdktf');
  try {
    const cases = (['auth0', 'cognito'] as const).flatMap((provider) =>
      sizes.map((size) => {
        const environment = environmentName(provider, size);
        const env = { ENVIRONMENT: environment, CHECKPOINT_DISABLE: '1', CI: 'true', CDKTF_OUTDIR: join(dir, 'out', environment) };
        mkdirSync(env.CDKTF_OUTDIR, { recursive: true });
        const { CDKTF_OUTDIR: _appOnly, ...cliEnv } = env;
        return {
          provider,
          size,
          app: () => runChild(appCommand!, appArgs, { cwd: dir, env }),
          full: () => runChild(cdktf, ['synth'], { cwd: dir, env: cliEnv }),
        };
      }),
    );
    const app = await roundRobin(cases.map((c) => c.app), options.appRuns ?? SYNTH_APP_RUNS);
    const full = await roundRobin(cases.map((c) => c.full), options.cdktfRuns ?? SYNTH_CDKTF_RUNS);
    return cases.map(({ provider, size }, i) => {
      process.stderr.write(`synth ${provider} ${size.servers} in ${size.shards} shard(s): app ${round(app[i]!.ms)} ms, cdktf ${round(full[i]!.ms)} ms\n`);
      return { provider, servers: size.servers, shards: size.shards, appMs: round(app[i]!.ms), appPeakRssMiB: round(app[i]!.peakRssMiB), cdktfMs: round(full[i]!.ms), cdktfPeakRssMiB: round(full[i]!.peakRssMiB) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const runs = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;
  benchSynth({ appRuns: runs, cdktfRuns: runs }).then((rows) => console.table(rows));
}
