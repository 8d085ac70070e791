/**
 * `npm run verify:terraform`: a real Terraform engine (the pinned OpenTofu) with the real aws
 * provider and the auth0 stand-in checks every environment offline.
 *
 * For every folder of environments/ and for generated maps of up to 4,999 servers per identity
 * provider: synth; then for every stack cdktf.out/manifest.json lists, `tofu init`,
 * `tofu validate` (no errors; warnings only those listed in ALLOWED_WARNINGS with the reason) and
 * `tofu plan` against loopback stand-ins, whose per-type create counts must equal what the
 * configuration implies. For the shipped environments also `cdktf diff <stack>` with
 * TERRAFORM_BINARY_NAME=tofu, as a user types it. Every problem is collected; exit 1 if any.
 *
 * Stand-ins (see scripts/terraform-check.ts): a local backend; for each `aws` provider
 * configuration dummy credentials, the skip_* settings and a loopback STS (GetCallerIdentity,
 * AssumeRole); each `terraform_remote_state` pointed at a state file tofu wrote by applying the
 * producing stack's output names; AUTH0_DOMAIN that need not resolve and a static AUTH0_API_TOKEN.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStsStub } from '../sandbox/sts';
import {
  backendKey,
  environmentsOf,
  prepareProject,
  run,
  synthEnvironment,
  outputsFromPlan,
  writeOutputsState,
  writeOverrides,
  type GeneratedEnvironment,
  type StackInfo,
  type TerraformJson,
} from './terraform-check';
import { ensureTools, REPO_ROOT, tofuEnv, ToolsError, type Tools } from './tools';
import { schemaIndex } from './hcl-render';
import { suppressionFor, trivyFindings, unexplainedFindings, type TrivyFinding } from './trivy-scan';
import { TRIVY_SUPPRESSIONS } from './trivy-suppressions';
import { shardSizeRule, suggestedShards } from '../config/rules';

/** Quotas raised as a platform with thousands of hosts would have them (see config/rules/quotas.ts). */
export const LARGE_QUOTAS = { iam_roles_per_account: 5000, cognito_app_clients_per_user_pool: 10_000, auth0_clients_per_tenant: 10_000 } as const;

/**
 * Generated environments, on the foundation settings of a shipped one: per identity provider the
 * largest map one account holds, 4,999 servers (IAM allows at most 5,000 roles per account and
 * the vending Lambda's is one of them; Auth0 through the vending API, because the direct
 * exchange's IAM OIDC provider lists at most 100 client IDs), and 200 servers; the direct
 * exchange at its limit of 99 enabled servers (101, of which 2 disabled); and 30 servers in 3
 * shards beside the agent gateway.
 */
export const GENERATED: readonly GeneratedEnvironment[] = [
  { name: 'gen-auth0-4999', foundationFrom: 'dev', foundation: { auth0_exchange: 'vending', quotas: LARGE_QUOTAS }, servers: 4999, shards: suggestedShards(4999) },
  { name: 'gen-cognito-4999', foundationFrom: 'dev-cognito', foundation: { quotas: LARGE_QUOTAS }, servers: 4999, shards: suggestedShards(4999) },
  { name: 'gen-auth0-200', foundationFrom: 'dev', foundation: { auth0_exchange: 'vending', quotas: LARGE_QUOTAS }, servers: 200 },
  { name: 'gen-cognito-200', foundationFrom: 'dev-cognito', servers: 200 },
  { name: 'gen-auth0-direct', foundationFrom: 'dev', foundation: { auth0_exchange: 'direct', quotas: LARGE_QUOTAS }, servers: 101 },
  // Shards with the agent gateway, whose stack reads the servers' outputs: a small map in 3 shards.
  { name: 'gen-agent-shards', foundationFrom: 'agents-cognito', servers: 30, shards: 3, agentTools: true },
];


/**
 * trivy scans maps up to this size: the larger ones hold the same resource blocks, only more
 * instances (and shards), which trivy expands one by one (minutes for 5,000).
 */
export const SCANNED_SERVERS_LIMIT = 1000;

/**
 * Validate warnings that are accepted, each with why. Anything else fails the check.
 */
const ALLOWED_WARNINGS: readonly { readonly summary: RegExp; readonly why: string }[] = [];

/** The environment tofu runs in: the project's CLI configuration and stand-in credentials only. */
export function checkEnv(tools: Tools): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('AUTH0_') && !name.startsWith('TF_')));
  return {
    ...tofuEnv(tools, base),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AUTH0_DOMAIN: 'verify-offline.invalid',
    AUTH0_API_TOKEN: 'verify-offline-static-token',
    TF_IN_AUTOMATION: '1',
  };
}

/**
 * How many instances a resource block plans, from the synthesized JSON alone: 1; a literal
 * `count`; a literal for_each; or for_each over a literal local map (`${local.x}`), possibly
 * filtered on a boolean field (`${{ for key, val in local.x: key => val if val.f }}`).
 * Anything else is an error naming the resource, so a new construct gets a rule here.
 */
export function expectedInstances(json: TerraformJson, address: string, resource: TerraformJson): number {
  if (resource.count !== undefined) {
    if (typeof resource.count === 'number') return resource.count;
    throw new Error(`${address}: count = ${JSON.stringify(resource.count)} is not a literal; teach expectedInstances() in scripts/verify-terraform.ts how to count it`);
  }
  const forEach = resource.for_each;
  if (forEach === undefined) return 1;
  if (Array.isArray(forEach)) return forEach.length;
  if (typeof forEach === 'object' && forEach !== null) return Object.keys(forEach).length;
  const locals = (json.locals ?? {}) as Record<string, unknown>;
  const literalMap = (name: string): Record<string, TerraformJson> => {
    const value = locals[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${address}: for_each reads local.${name}, which is not a literal map`);
    }
    return value as Record<string, TerraformJson>;
  };
  let match = /^\$\{local\.(\w+)\}$/.exec(forEach);
  if (match) return Object.keys(literalMap(match[1]!)).length;
  match = /^\$\{\{ for (\w+), (\w+) in local\.(\w+): \1 => \2 if \2\.(\w+) \}\}$/.exec(forEach);
  if (match) return Object.values(literalMap(match[3]!)).filter((entry) => entry[match![4]!] === true).length;
  throw new Error(`${address}: for_each = ${JSON.stringify(forEach)} is not a form verify:terraform can count; teach expectedInstances() in scripts/verify-terraform.ts`);
}

/** Per resource type, the creates a plan on empty state must show. */
export function expectedCreates(stack: StackInfo): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [type, blocks] of Object.entries((stack.json.resource ?? {}) as Record<string, Record<string, TerraformJson>>)) {
    for (const [name, resource] of Object.entries(blocks)) {
      counts.set(type, (counts.get(type) ?? 0) + expectedInstances(stack.json, `${stack.name}: ${type}.${name}`, resource));
    }
  }
  return counts;
}

/** Per resource type, the creates of a plan (`tofu show -json`), and any action other than create/read/no-op. */
export function plannedCreates(plan: TerraformJson): { creates: Map<string, number>; unexpected: string[] } {
  const creates = new Map<string, number>();
  const unexpected: string[] = [];
  for (const change of (plan.resource_changes ?? []) as TerraformJson[]) {
    const actions = change.change?.actions as string[];
    if (actions.length === 1 && actions[0] === 'create') creates.set(change.type, (creates.get(change.type) ?? 0) + 1);
    else if (!(actions.length === 1 && (actions[0] === 'read' || actions[0] === 'no-op'))) unexpected.push(`${change.address}: ${actions.join('+')}`);
  }
  return { creates, unexpected };
}

function countsDiffer(expected: Map<string, number>, actual: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const type of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(type) ?? 0;
    const got = actual.get(type) ?? 0;
    if (want !== got) problems.push(`${type}: config implies ${want} creates, plan has ${got}`);
  }
  return problems;
}

interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly range?: { filename: string; start: { line: number } };
}

function describe(diagnostic: Diagnostic): string {
  const at = diagnostic.range ? ` (${diagnostic.range.filename}:${diagnostic.range.start.line})` : '';
  return `${diagnostic.severity}: ${diagnostic.summary}${at}${diagnostic.detail ? `: ${diagnostic.detail.replace(/\s+/g, ' ').slice(0, 400)}` : ''}`;
}

export interface StackReport {
  readonly environment: string;
  readonly stack: string;
  readonly creates: number;
  readonly validateMs: number;
  readonly planMs: number;
  readonly problems: string[];
}

/**
 * init + validate + plan of one stack whose overrides are written; problems are collected, not
 * thrown. `plan` is the plan (`tofu show -json`) when planning succeeded.
 */
export async function checkStack(tools: Tools, env: NodeJS.ProcessEnv, environment: string, stack: StackInfo, options: { readonly plan: boolean } = { plan: true }): Promise<StackReport & { readonly plan?: TerraformJson }> {
  const problems: string[] = [];
  const tofu = (args: string[]) => run(tools.tofu, args, { cwd: stack.dir, env });
  const report = (creates: number, validateMs: number, planMs: number, plan?: TerraformJson) => ({ environment, stack: stack.name, creates, validateMs, planMs, problems, plan });

  const init = await tofu(['init', '-input=false', '-no-color', '-reconfigure']);
  if (init.code !== 0) {
    problems.push(`tofu init failed: ${(init.stderr || init.stdout).trim()}`);
    return report(0, 0, 0);
  }
  const validate = await tofu(['validate', '-json', '-no-color']);
  const validation = JSON.parse(validate.stdout || '{}') as { valid?: boolean; diagnostics?: Diagnostic[] };
  for (const diagnostic of validation.diagnostics ?? []) {
    if (diagnostic.severity === 'warning' && ALLOWED_WARNINGS.some((allowed) => allowed.summary.test(diagnostic.summary))) continue;
    problems.push(`tofu validate: ${describe(diagnostic)}`);
  }
  if (validate.code !== 0 && problems.length === 0) problems.push(`tofu validate failed: ${validate.stderr.trim()}`);
  if (problems.length > 0 || !options.plan) return report(0, validate.ms, 0);

  const plan = await tofu(['plan', '-input=false', '-no-color', '-lock=false', '-out=verify.tfplan']);
  if (plan.code !== 0) {
    problems.push(`tofu plan failed: ${(plan.stderr || plan.stdout).trim().slice(0, 4000)}`);
    return report(0, validate.ms, plan.ms);
  }
  const shown = await tofu(['show', '-json', '-no-color', 'verify.tfplan']);
  rmSync(join(stack.dir, 'verify.tfplan'), { force: true });
  const planned = JSON.parse(shown.stdout) as TerraformJson;
  const { creates, unexpected } = plannedCreates(planned);
  problems.push(...unexpected.map((u) => `plan on empty state wants ${u}`));
  try {
    problems.push(...countsDiffer(expectedCreates(stack), creates));
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  return report([...creates.values()].reduce((a, b) => a + b, 0), validate.ms, plan.ms, planned);
}

/**
 * The stacks in an order where every stack comes after the stacks whose state it reads through
 * terraform_remote_state (foundation, then servers, then agent-gateway). Throws on a cycle.
 */
export function dependencyOrder(stacks: readonly StackInfo[]): StackInfo[] {
  const byKey = new Map(stacks.flatMap((stack) => (backendKey(stack) ? [[backendKey(stack)!, stack] as const] : [])));
  const reads = (stack: StackInfo) =>
    Object.values((stack.json.data?.terraform_remote_state ?? {}) as Record<string, TerraformJson>).flatMap((remote) => {
      const producer = byKey.get(remote.config?.key as string);
      return producer ? [producer] : [];
    });
  const ordered: StackInfo[] = [];
  const visiting = new Set<StackInfo>();
  const visit = (stack: StackInfo): void => {
    if (ordered.includes(stack)) return;
    if (visiting.has(stack)) throw new Error(`stacks read each other's state in a cycle through ${stack.name}`);
    visiting.add(stack);
    reads(stack).forEach(visit);
    ordered.push(stack);
  };
  stacks.forEach(visit);
  return ordered;
}

/**
 * Checks one synthesized environment's stacks in dependency order against the stand-ins. Each
 * stack another one reads gets, once planned, an outputs-only state written by tofu from its own
 * plan (outputsFromPlan), which the dependants' overrides point terraform_remote_state at. A
 * dependant of a stack that failed is reported as not checked.
 */
export async function checkEnvironment(
  tools: Tools,
  env: NodeJS.ProcessEnv,
  environment: string,
  stacks: readonly StackInfo[],
  standIns: {
    readonly stsUrl: string;
    readonly stateDir: string;
    /** @default true */
    readonly plan?: boolean;
    /** Stacks only validated, whatever `plan` says (no dependant may read them). @default [] */
    readonly validateOnly?: readonly string[];
  },
  onReport: (report: StackReport) => void = () => undefined,
): Promise<StackReport[]> {
  const readKeys = new Set(stacks.flatMap((stack) => Object.values((stack.json.data?.terraform_remote_state ?? {}) as Record<string, TerraformJson>).map((remote) => remote.config?.key as string)));
  const stateFiles = new Map<string, string>();
  const reports: StackReport[] = [];
  for (const stack of dependencyOrder(stacks)) {
    let report: StackReport & { plan?: TerraformJson };
    try {
      writeOverrides(stack, { stsUrl: standIns.stsUrl }, stateFiles);
      report = await checkStack(tools, env, environment, stack, { plan: (standIns.plan ?? true) && !(standIns.validateOnly ?? []).includes(stack.name) });
    } catch (error) {
      report = { environment, stack: stack.name, creates: 0, validateMs: 0, planMs: 0, problems: [`not checked: ${error instanceof Error ? error.message : String(error)}`] };
    }
    const key = backendKey(stack);
    if (key && readKeys.has(key) && standIns.plan === false) {
      // Validation never reads a data source: the dependants only need a path to name.
      stateFiles.set(key, join(standIns.stateDir, stack.name, 'terraform.tfstate'));
    } else if (key && readKeys.has(key) && report.plan) {
      const region = (stack.json.provider?.aws?.[0]?.region as string | undefined) ?? 'eu-west-1';
      stateFiles.set(key, await writeOutputsState(tools, stack, join(standIns.stateDir, stack.name), outputsFromPlan(report.plan, region)));
    }
    const { plan: _plan, ...bare } = report;
    reports.push(bare);
    onReport(bare);
  }
  return reports;
}

/**
 * The auth0 stand-in must serve exactly the schema recorded in its schema.json (which the jest
 * test checks the bindings against). `served` is `tofu providers schema -json` (providersSchema).
 */
export function standInSchemaDrift(served: TerraformJson): string | undefined {
  const auth0 = served.provider_schemas?.['registry.opentofu.org/auth0/auth0'];
  const recorded = JSON.parse(readFileSync(join(REPO_ROOT, 'tools/terraform-provider-auth0-standin/schema.json'), 'utf8')) as TerraformJson;
  const same = JSON.stringify({ provider: auth0?.provider, resource_schemas: auth0?.resource_schemas }) === JSON.stringify({ provider: recorded.provider, resource_schemas: recorded.resource_schemas });
  return same ? undefined : 'auth0 stand-in: the schema it serves differs from tools/terraform-provider-auth0-standin/schema.json; rewrite the file from `tofu providers schema -json`';
}

/** Every pinned provider's schema: `tofu providers schema -json` of a configuration needing them all. */
export async function providersSchema(tools: Tools, env: NodeJS.ProcessEnv, dir: string): Promise<TerraformJson> {
  mkdirSync(dir, { recursive: true });
  const required = Object.fromEntries(tools.tools.filter((tool) => tool.provider).map((tool) => [tool.provider!.split('/')[1]!, { source: tool.provider }]));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: required } }));
  const init = await run(tools.tofu, ['init', '-input=false', '-no-color'], { cwd: dir, env });
  if (init.code !== 0) throw new Error(`provider schemas: tofu init failed: ${init.stderr}`);
  const shown = await run(tools.tofu, ['providers', 'schema', '-json'], { cwd: dir, env });
  if (shown.code !== 0) throw new Error(`tofu providers schema failed: ${shown.stderr}`);
  return JSON.parse(shown.stdout) as TerraformJson;
}

async function cdktfDiff(projectDir: string, tools: Tools, env: NodeJS.ProcessEnv, environment: string, stack: string): Promise<string | undefined> {
  const cdktf = join(projectDir, 'node_modules', '.bin', 'cdktf');
  const tofuDir = tools.tofu.slice(0, tools.tofu.lastIndexOf('/'));
  // `providers lock`, which cdktf runs after init, asks the origin registries whatever the CLI
  // configuration says; offline (and against a mirror) users pass --skip-provider-lock, as INSTALL.md says.
  const result = await run(cdktf, ['diff', stack, '--skip-provider-lock'], {
    cwd: projectDir,
    env: { ...env, ENVIRONMENT: environment, TERRAFORM_BINARY_NAME: 'tofu', PATH: `${tofuDir}:${process.env.PATH ?? ''}`, CI: 'true', CHECKPOINT_DISABLE: '1' },
  });
  if (result.code !== 0) return `cdktf diff ${stack} failed: ${(result.stdout + result.stderr).trim().slice(-3000)}`;
  return undefined;
}

/** `npm run verify:terraform -- [environment…]`: only those environments (all when none are named). */
async function main(only: readonly string[]): Promise<number> {
  const started = Date.now();
  const tools = await ensureTools();
  const env = checkEnv(tools);
  const sts = await startStsStub();
  const projectDir = prepareProject(GENERATED);
  const generated = new Set(GENERATED.map((g) => g.name));
  const reports: StackReport[] = [];
  const trivy = tools.tools.find((tool) => tool.name === 'trivy-iac')?.path;
  if (!trivy) throw new ToolsError('bad_manifest', 'tools/tools.json has no "trivy-iac" entry');
  const allFindings: { finding: TrivyFinding; foundation: Record<string, unknown> }[] = [];
  try {
    const served = await providersSchema(tools, env, join(projectDir, 'provider-schemas'));
    const drift = standInSchemaDrift(served);
    const schemas = schemaIndex(served);
    if (drift) reports.push({ environment: '-', stack: 'auth0 stand-in', creates: 0, validateMs: 0, planMs: 0, problems: [drift] });
    const all = environmentsOf(projectDir);
    const unknown = only.filter((name) => !all.includes(name));
    if (unknown.length > 0) throw new Error(`no environment ${unknown.join(', ')}; there are: ${all.join(', ')}`);
    for (const environment of all.filter((name) => only.length === 0 || only.includes(name))) {
      const outdir = join(projectDir, 'cdktf.out');
      rmSync(outdir, { recursive: true, force: true });
      let stacks: StackInfo[];
      try {
        stacks = await synthEnvironment(projectDir, environment, outdir);
      } catch (error) {
        reports.push({ environment, stack: '(synth)', creates: 0, validateMs: 0, planMs: 0, problems: [error instanceof Error ? error.message : String(error)] });
        process.stderr.write(`${environment}: synth FAILED\n`);
        continue;
      }
      const generatedMap = GENERATED.find((g) => g.name === environment);
      const servers = generatedMap?.servers ?? 0;
      // A map the SLOW_PLAN warning flags (too many servers per shard: hours for 4,999 in one) is
      // validated, not planned, unless VERIFY_PLAN_ALL=1; the 4,999-server maps are in 50 shards.
      const slowPlan = shardSizeRule(generatedMap?.shards ?? 1)(servers);
      const plan = slowPlan === undefined || process.env.VERIFY_PLAN_ALL === '1';
      const checked = await checkEnvironment(tools, env, environment, stacks, { stsUrl: sts.url, stateDir: join(projectDir, 'verify-state', environment), plan }, (report) =>
        process.stderr.write(
          `${environment}/${report.stack}: ${report.problems.length === 0 ? 'ok' : 'FAILED'}, ` +
            (plan ? `${report.creates} creates, validate ${(report.validateMs / 1000).toFixed(1)} s, plan ${(report.planMs / 1000).toFixed(1)} s\n` : `validated in ${(report.validateMs / 1000).toFixed(1)} s (not planned: ${slowPlan}; VERIFY_PLAN_ALL=1 plans it)\n`),
        ),
      );
      reports.push(...checked);
      if (!plan || servers > SCANNED_SERVERS_LIMIT) continue;
      try {
        const findings = await trivyFindings(trivy, environment, stacks, schemas, join(projectDir, 'trivy', environment));
        const foundation = JSON.parse(readFileSync(join(projectDir, 'environments', environment, 'foundation.json'), 'utf8')) as Record<string, unknown>;
        allFindings.push(...findings.map((finding) => ({ finding, foundation })));
        const problems = unexplainedFindings(findings, foundation);
        reports.push({ environment, stack: '(trivy)', creates: 0, validateMs: 0, planMs: 0, problems });
        process.stderr.write(`${environment}: trivy ${findings.length} findings, ${problems.length} unexplained\n`);
      } catch (error) {
        reports.push({ environment, stack: '(trivy)', creates: 0, validateMs: 0, planMs: 0, problems: [error instanceof Error ? error.message : String(error)] });
      }
      if (generated.has(environment)) continue;
      for (const stack of stacks.filter((s) => s.name !== 'state-bootstrap')) {
        const problem = await cdktfDiff(projectDir, tools, env, environment, stack.name);
        process.stderr.write(`${environment}/${stack.name}: cdktf diff ${problem ? 'FAILED' : 'ok'}\n`);
        if (problem) reports.push({ environment, stack: stack.name, creates: 0, validateMs: 0, planMs: 0, problems: [problem] });
      }
    }
    const stale = TRIVY_SUPPRESSIONS.filter((suppression) => !allFindings.some(({ finding, foundation }) => suppressionFor(finding, foundation, [suppression])));
    if (only.length === 0 && stale.length > 0) {
      reports.push({ environment: '-', stack: 'trivy suppressions', creates: 0, validateMs: 0, planMs: 0, problems: stale.map((s) => `${s.ruleId} on ${s.resource} matches no finding any more: remove it from scripts/trivy-suppressions.ts`) });
    }
  } finally {
    await sts.close();
    if (!process.env.VERIFY_KEEP) rmSync(projectDir, { recursive: true, force: true });
  }
  const failed = reports.filter((r) => r.problems.length > 0);
  for (const report of failed) {
    process.stdout.write(`\n${report.environment}/${report.stack}:\n${report.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  }
  const stacks = new Set(reports.map((r) => `${r.environment}/${r.stack}`)).size;
  process.stdout.write(`verify:terraform: ${stacks} stacks, ${failed.length} failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof ToolsError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
