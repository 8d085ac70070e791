/**
 * OpenTofu scaling: `tofu validate` and `tofu plan` of the servers stack (the one that grows with
 * the servers map) for 10, 100, 1,000 and 4,999 servers per identity provider, spread over the
 * shards the SLOW_PLAN warning asks for (1, 1, 10, 50), and 300 servers in one shard (the
 * quadratic case), with the pinned tools and
 * the stand-ins of `npm run verify:terraform` (empty state, loopback STS, a foundation state
 * written from the foundation's plan). Median wall time after `tofu init`; peak RSS of tofu and
 * its providers (/usr/bin/time, the largest process).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startStsStub } from '../sandbox/sts';
import { prepareProject, run, synthEnvironment, type GeneratedEnvironment } from '../scripts/terraform-check';
import { ensureTools } from '../scripts/tools';
import { checkEnv, checkEnvironment, LARGE_QUOTAS } from '../scripts/verify-terraform';
import { suggestedShards } from '../config/rules';
import { median, round } from './harness';

export interface TofuRow {
  readonly provider: 'auth0' | 'cognito';
  readonly servers: number;
  readonly shards: number;
  readonly validateMs: number;
  readonly validatePeakRssMiB: number;
  readonly planMs: number;
  readonly planPeakRssMiB: number;
  readonly creates: number;
}

/**
 * Within one shard, OpenTofu re-evaluates a resource's for_each for every instance it plans
 * (internal/tofu NodeAbstractResourceInstance.plan → evaluateForEachExpression, walking the
 * whole for_each value each time), so plan time grows with the square of a shard's servers:
 * 4,999 in one shard would take hours on two cores (41 s at 300, 181 s at 500 Auth0 servers).
 * Maps of 300 and more are planned once.
 */
export async function benchTofu(options: { sizes?: readonly { servers: number; shards: number }[]; runs?: number } = {}): Promise<TofuRow[]> {
  const sizes = options.sizes ?? [...[10, 100, 1000, 4999].map((servers) => ({ servers, shards: suggestedShards(servers) })), { servers: 300, shards: 1 }];
  const runsOf = (servers: number) => (servers >= 300 ? 1 : (options.runs ?? 3));
  const tools = await ensureTools();
  const env = checkEnv(tools);
  // Auth0 through the vending API: the direct exchange stops at 99 enabled servers.
  const generated: GeneratedEnvironment[] = (['auth0', 'cognito'] as const).flatMap((provider) =>
    sizes.map(({ servers, shards }) =>
      provider === 'auth0'
        ? { name: `b-a-${servers}-${shards}`, foundationFrom: 'dev', foundation: { auth0_exchange: 'vending', quotas: LARGE_QUOTAS }, servers, shards }
        : { name: `b-c-${servers}-${shards}`, foundationFrom: 'dev-cognito', foundation: { quotas: LARGE_QUOTAS }, servers, shards },
    ),
  );
  const projectDir = prepareProject(generated);
  const sts = await startStsStub();
  const rows: TofuRow[] = [];
  try {
    for (const environment of generated) {
      const outdir = join(projectDir, `out-${environment.name}`);
      const stacks = await synthEnvironment(projectDir, environment.name, outdir);
      // One checked pass writes the overrides and the foundation state the servers stack reads;
      // the servers stack is only validated there, since it is planned below.
      const checked = await checkEnvironment(tools, env, environment.name, stacks, { stsUrl: sts.url, stateDir: join(projectDir, 'state', environment.name), validateOnly: ['servers'] });
      const failed = checked.filter((report) => report.problems.length > 0);
      if (failed.length > 0) throw new Error(`${environment.name}: ${failed.map((r) => `${r.stack}: ${r.problems.join('; ')}`).join('\n')}`);
      const servers = stacks.find((s) => s.name === 'servers')!;
      const tofu = (args: string[]) => run(tools.tofu, args, { cwd: servers.dir, env, measure: true });
      const init = await tofu(['init', '-input=false', '-no-color']);
      if (init.code !== 0) throw new Error(`tofu init: ${init.stderr}`);
      const validate = [];
      const plan = [];
      let creates = 0;
      for (let i = 0; i < runsOf(environment.servers); i++) {
        const v = await tofu(['validate', '-no-color']);
        if (v.code !== 0) throw new Error(`tofu validate: ${v.stderr}${v.stdout}`);
        validate.push(v);
        const p = await tofu(['plan', '-input=false', '-no-color', '-lock=false']);
        if (p.code !== 0) throw new Error(`tofu plan: ${p.stderr}${p.stdout}`);
        plan.push(p);
        creates = Number(/Plan: (\d+) to add/.exec(p.stdout)?.[1] ?? 0);
      }
      const provider = environment.foundationFrom === 'dev' ? 'auth0' : 'cognito';
      const row: TofuRow = {
        provider,
        servers: environment.servers,
        shards: environment.shards ?? 1,
        validateMs: round(median(validate.map((r) => r.ms)), 0),
        validatePeakRssMiB: round(Math.max(...validate.map((r) => r.peakRssMiB ?? 0)), 0),
        planMs: round(median(plan.map((r) => r.ms)), 0),
        planPeakRssMiB: round(Math.max(...plan.map((r) => r.peakRssMiB ?? 0)), 0),
        creates,
      };
      rows.push(row);
      process.stderr.write(`tofu ${provider} ${environment.servers} in ${row.shards} shard(s): validate ${row.validateMs} ms, plan ${row.planMs} ms (${creates} creates)\n`);
    }
  } finally {
    await sts.close();
    rmSync(projectDir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  benchTofu({ runs: Number(process.env.BENCH_RUNS ?? 3) }).then((rows) => console.table(rows));
}
