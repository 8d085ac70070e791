/**
 * `npm run verify:terraform`: a real Terraform engine (the pinned OpenTofu) with the real aws
 * provider and the auth0 stand-in checks every environment offline.
 *
 * For every folder of environments/ and for generated maps of 5,000 servers per identity
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
  writeOutputsState,
  writeOverrides,
  type GeneratedEnvironment,
  type StackInfo,
  type TerraformJson,
} from './terraform-check';
import { ensureTools, REPO_ROOT, tofuEnv, ToolsError, type Tools } from './tools';

/** Generated environments: 5,000 servers per identity provider, foundation settings of a shipped one. */
export const GENERATED: readonly GeneratedEnvironment[] = [
  { name: 'generated-auth0-5000', foundationFrom: 'dev', servers: 5000 },
  { name: 'generated-cognito-5000', foundationFrom: 'dev-cognito', servers: 5000 },
];

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

/** init + validate + plan of one stack whose overrides are written; problems are collected, not thrown. */
export async function checkStack(tools: Tools, env: NodeJS.ProcessEnv, environment: string, stack: StackInfo): Promise<StackReport> {
  const problems: string[] = [];
  const tofu = (args: string[]) => run(tools.tofu, args, { cwd: stack.dir, env });
  const report = (creates: number, validateMs: number, planMs: number): StackReport => ({ environment, stack: stack.name, creates, validateMs, planMs, problems });

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
  if (problems.length > 0) return report(0, validate.ms, 0);

  const plan = await tofu(['plan', '-input=false', '-no-color', '-lock=false', '-out=verify.tfplan']);
  if (plan.code !== 0) {
    problems.push(`tofu plan failed: ${(plan.stderr || plan.stdout).trim().slice(0, 4000)}`);
    return report(0, validate.ms, plan.ms);
  }
  const shown = await tofu(['show', '-json', '-no-color', 'verify.tfplan']);
  rmSync(join(stack.dir, 'verify.tfplan'), { force: true });
  const { creates, unexpected } = plannedCreates(JSON.parse(shown.stdout) as TerraformJson);
  problems.push(...unexpected.map((u) => `plan on empty state wants ${u}`));
  try {
    problems.push(...countsDiffer(expectedCreates(stack), creates));
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  return report([...creates.values()].reduce((a, b) => a + b, 0), validate.ms, plan.ms);
}

/**
 * Stand-ins for one synthesized environment: the outputs-only state of every stack another
 * stack reads through terraform_remote_state, and each stack's override file.
 */
export async function prepareStandIns(tools: Tools, stacks: readonly StackInfo[], stsUrl: string, stateDir: string): Promise<void> {
  const byKey = new Map(stacks.flatMap((stack) => (backendKey(stack) ? [[backendKey(stack)!, stack] as const] : [])));
  const stateFiles = new Map<string, string>();
  for (const stack of stacks) {
    for (const remote of Object.values((stack.json.data?.terraform_remote_state ?? {}) as Record<string, TerraformJson>)) {
      const key = remote.config?.key as string;
      const producer = byKey.get(key);
      if (!producer || stateFiles.has(key)) continue;
      const region = (producer.json.provider?.aws?.[0]?.region as string | undefined) ?? 'eu-west-1';
      stateFiles.set(key, await writeOutputsState(tools, producer, join(stateDir, producer.name), region));
    }
  }
  for (const stack of stacks) writeOverrides(stack, { stsUrl }, stateFiles);
}

/**
 * The auth0 stand-in must serve exactly the schema recorded in its schema.json (which the jest
 * test checks the bindings against): `tofu providers schema -json` of a configuration needing it.
 */
export async function standInSchemaDrift(tools: Tools, env: NodeJS.ProcessEnv, dir: string): Promise<string | undefined> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { auth0: { source: 'auth0/auth0' } } } }));
  const init = await run(tools.tofu, ['init', '-input=false', '-no-color'], { cwd: dir, env });
  if (init.code !== 0) return `auth0 stand-in: tofu init failed: ${init.stderr}`;
  const shown = await run(tools.tofu, ['providers', 'schema', '-json'], { cwd: dir, env });
  const served = (JSON.parse(shown.stdout) as TerraformJson).provider_schemas?.['registry.opentofu.org/auth0/auth0'];
  const recorded = JSON.parse(readFileSync(join(REPO_ROOT, 'tools/terraform-provider-auth0-standin/schema.json'), 'utf8')) as TerraformJson;
  const same = JSON.stringify({ provider: served?.provider, resource_schemas: served?.resource_schemas }) === JSON.stringify({ provider: recorded.provider, resource_schemas: recorded.resource_schemas });
  return same ? undefined : 'auth0 stand-in: the schema it serves differs from tools/terraform-provider-auth0-standin/schema.json; rewrite the file from `tofu providers schema -json`';
}

async function cdktfDiff(projectDir: string, tools: Tools, env: NodeJS.ProcessEnv, environment: string, stack: string): Promise<string | undefined> {
  const cdktf = join(projectDir, 'node_modules', '.bin', 'cdktf');
  const tofuDir = tools.tofu.slice(0, tools.tofu.lastIndexOf('/'));
  const result = await run(cdktf, ['diff', stack], {
    cwd: projectDir,
    env: { ...env, ENVIRONMENT: environment, TERRAFORM_BINARY_NAME: 'tofu', PATH: `${tofuDir}:${process.env.PATH ?? ''}`, CI: 'true', CHECKPOINT_DISABLE: '1' },
  });
  if (result.code !== 0) return `cdktf diff ${stack} failed: ${(result.stdout + result.stderr).trim().slice(-3000)}`;
  return undefined;
}

async function main(): Promise<number> {
  const started = Date.now();
  const tools = await ensureTools();
  const env = checkEnv(tools);
  const sts = await startStsStub();
  const projectDir = prepareProject(GENERATED);
  const generated = new Set(GENERATED.map((g) => g.name));
  const reports: StackReport[] = [];
  try {
    const drift = await standInSchemaDrift(tools, env, join(projectDir, 'standin-schema'));
    if (drift) reports.push({ environment: '-', stack: 'auth0 stand-in', creates: 0, validateMs: 0, planMs: 0, problems: [drift] });
    for (const environment of environmentsOf(projectDir)) {
      const outdir = join(projectDir, 'cdktf.out');
      rmSync(outdir, { recursive: true, force: true });
      const stacks = await synthEnvironment(projectDir, environment, outdir);
      await prepareStandIns(tools, stacks, sts.url, join(projectDir, 'verify-state', environment));
      for (const stack of stacks) {
        const report = await checkStack(tools, env, environment, stack);
        reports.push(report);
        process.stderr.write(
          `${environment}/${stack.name}: ${report.problems.length === 0 ? 'ok' : 'FAILED'}, ${report.creates} creates, validate ${(report.validateMs / 1000).toFixed(1)} s, plan ${(report.planMs / 1000).toFixed(1)} s\n`,
        );
      }
      if (generated.has(environment)) continue;
      for (const stack of stacks.filter((s) => s.name !== 'state-bootstrap')) {
        const problem = await cdktfDiff(projectDir, tools, env, environment, stack.name);
        process.stderr.write(`${environment}/${stack.name}: cdktf diff ${problem ? 'FAILED' : 'ok'}\n`);
        if (problem) reports.push({ environment, stack: stack.name, creates: 0, validateMs: 0, planMs: 0, problems: [problem] });
      }
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
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof ToolsError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
