/**
 * The pieces of the offline Terraform check (`npm run verify:terraform`, scripts/verify-terraform.ts)
 * that the tofu benchmark reuses: a project copy with generated environments, synth, and per
 * stack the local stand-ins (override file, foundation state written by tofu itself) that let
 * `tofu init/validate/plan` run with no network beyond loopback.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, tofuEnv, type Tools } from './tools';

/** Top-level entries of the repository that a project copy leaves out (or links, for node_modules). */
const NOT_COPIED = new Set(['.git', 'node_modules', 'cdktf.out', 'dist', 'environments', 'coverage']);

/** Settings every generated server map mixes, so the large maps exercise every per-server branch. */
export function generatedServersMap(count: number, shards = 1, agentTools = false): { servers: Record<string, unknown>; common_tags: Record<string, string>; shards?: number } {
  const tiers = ['write', 'read-write', 'full'];
  const servers: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const name = `srv-${String(i).padStart(5, '0')}`;
    const server: Record<string, unknown> = { s3_path_prefix: `hosts/${name}/`, s3_permissions: tiers[i % tiers.length] };
    if (i % 7 === 1) server.max_session_duration = 7200;
    if (i % 11 === 2) server.tags = { Team: `team-${i % 5}` };
    if (i % 13 === 3) server.revoke_sessions_issued_before = '2026-01-01T00:00:00Z';
    if (i % 50 === 4) server.enabled = false;
    if (agentTools && i % 3 === 0) server.agent_tools = true;
    servers[name] = server;
  }
  return { servers, common_tags: { Project: 'oidc-s3-verify' }, ...(shards === 1 ? {} : { shards }) };
}

export interface GeneratedEnvironment {
  /** Folder name under environments/ in the project copy. */
  readonly name: string;
  /** A shipped environment whose foundation.json it reuses. */
  readonly foundationFrom: string;
  /**
   * Settings that differ from that environment's foundation.json.
   * @default none
   */
  readonly foundation?: Readonly<Record<string, unknown>>;
  readonly servers: number;
  /** servers.json `shards`. @default 1 */
  readonly shards?: number;
  /** Every third server calls the agent gateway's tools (the foundation must deploy it). @default false */
  readonly agentTools?: boolean;
}

/**
 * The foundation settings with the account-wide names made the generated environment's own: the
 * configuration check refuses two environments of one account sharing an IdP tenant (one IAM OIDC
 * provider per issuer) or a Cognito domain prefix (unique per region).
 */
export function ownAccountWideNames(foundation: Record<string, unknown>, environment: string): Record<string, unknown> {
  const own = { ...foundation };
  if (typeof own.auth0_domain === 'string') own.auth0_domain = `${environment}.eu.auth0.com`;
  // Cognito reserves "aws", "amazon" and "cognito" in domain prefixes.
  if (typeof own.cognito_domain_prefix === 'string') own.cognito_domain_prefix = `oidc-s3-${environment.replace(/aws|amazon|cognito/g, 'idp')}`;
  return own;
}

/**
 * A copy of the repository (sources only; node_modules linked) whose environments/ holds the
 * shipped environments plus the generated ones. The app reads environments/ next to main.ts, so
 * generated maps need their own copy rather than files in the checkout.
 */
export function prepareProject(generated: readonly GeneratedEnvironment[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-tf-'));
  for (const entry of readdirSync(REPO_ROOT)) {
    if (NOT_COPIED.has(entry) || entry.endsWith('.tfstate')) continue;
    cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  cpSync(join(REPO_ROOT, 'environments'), join(dir, 'environments'), { recursive: true });
  for (const env of generated) {
    const target = join(dir, 'environments', env.name);
    mkdirSync(target, { recursive: true });
    const foundation = JSON.parse(readFileSync(join(REPO_ROOT, 'environments', env.foundationFrom, 'foundation.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(target, 'foundation.json'), JSON.stringify(ownAccountWideNames({ ...foundation, ...env.foundation }, env.name), null, 1));
    writeFileSync(join(target, 'servers.json'), JSON.stringify(generatedServersMap(env.servers, env.shards, env.agentTools), null, 1));
  }
  return dir;
}

/** The environments of a project: folders of environments/ holding a foundation.json, sorted. */
export function environmentsOf(projectDir: string): string[] {
  const dir = join(projectDir, 'environments');
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'foundation.json')))
    .sort();
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Peak resident set of the child, from /usr/bin/time when present. */
  readonly peakRssMiB?: number;
}

const TIME = '/usr/bin/time';

/** Runs a command to completion, capturing output; with `measure`, under /usr/bin/time for peak RSS. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; measure?: boolean }): Promise<RunResult> {
  const measure = options.measure === true && existsSync(TIME);
  const [file, argv] = measure ? [TIME, ['-f', '%M', command, ...args]] : [command, [...args]];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      let peakRssMiB: number | undefined;
      if (measure) {
        const lines = stderr.trimEnd().split('\n');
        const kib = Number(lines.pop());
        if (Number.isFinite(kib)) peakRssMiB = kib / 1024;
        stderr = lines.join('\n');
      }
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr, ms, peakRssMiB });
    });
  });
}

export interface StackInfo {
  readonly name: string;
  /** Absolute directory holding cdk.tf.json, where tofu runs. */
  readonly dir: string;
  readonly json: TerraformJson;
}

export type TerraformJson = Record<string, any>;

/** Synthesizes one environment exactly as cdktf.json's `app` command does, into `outdir`. */
export async function synthEnvironment(projectDir: string, environment: string, outdir: string): Promise<StackInfo[]> {
  const [command, ...args] = (JSON.parse(readFileSync(join(projectDir, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
  const result = await run(command!, args, { cwd: projectDir, env: { ...process.env, ENVIRONMENT: environment, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' } });
  if (result.code !== 0) throw new Error(`synth of ${environment} failed:\n${result.stderr}${result.stdout}`);
  return stacksOf(outdir);
}

/** Every stack cdktf.out/manifest.json lists (not a fixed list: new stacks are covered as they come). */
export function stacksOf(outdir: string): StackInfo[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { name: string; workingDirectory: string; synthesizedStackPath: string }>;
  };
  return Object.values(manifest.stacks).map((stack) => ({
    name: stack.name,
    dir: join(outdir, stack.workingDirectory),
    json: JSON.parse(readFileSync(join(outdir, stack.synthesizedStackPath), 'utf8')) as TerraformJson,
  }));
}

/** Name of the override file verify writes next to cdk.tf.json (Terraform merges `*_override.tf.json`). */
export const OVERRIDE_FILE = 'verify_override.tf.json';

/** Dummy credentials: never valid anywhere, only for the loopback stand-ins. */
// Not an AWS key: the provider is told to skip credential validation, so any string will do.
const DUMMY_ACCESS_KEY = 'offline-verify-dummy-key';
const DUMMY_SECRET_KEY = 'verify-offline-not-a-secret';

export interface StandIns {
  /** http://127.0.0.1:<port> of the loopback STS (GetCallerIdentity, AssumeRole). */
  readonly stsUrl: string;
}

/** The S3 backend key a stack's state lives under, if it uses the S3 backend. */
export function backendKey(stack: StackInfo): string | undefined {
  return stack.json.terraform?.backend?.s3?.key as string | undefined;
}

/**
 * Writes the stack's override file: a local backend in the stack directory; every `aws` provider
 * configuration (each alias) with dummy credentials, the skip_* settings and STS at the loopback
 * stand-in; every `terraform_remote_state` read from the local state file of the stack whose S3
 * key it names (`stateFiles`: key → path).
 */
export function writeOverrides(stack: StackInfo, standIns: StandIns, stateFiles: ReadonlyMap<string, string>): void {
  const override: TerraformJson = {};
  if (stack.json.terraform?.backend) override.terraform = { backend: { local: { path: join(stack.dir, 'terraform.tfstate') } } };
  const awsConfigs = (stack.json.provider?.aws ?? []) as TerraformJson[];
  if (awsConfigs.length > 0) {
    override.provider = {
      aws: awsConfigs.map((config) => ({
        ...(config.alias ? { alias: config.alias } : {}),
        access_key: DUMMY_ACCESS_KEY,
        secret_key: DUMMY_SECRET_KEY,
        skip_credentials_validation: true,
        // A configuration that pins its account (allowed_account_ids) must learn it: from the
        // stand-in's GetCallerIdentity, which answers an assumed role's session in that role's account.
        skip_requesting_account_id: config.allowed_account_ids === undefined && config.forbidden_account_ids === undefined,
        skip_metadata_api_check: true,
        endpoints: [{ sts: standIns.stsUrl }],
      })),
    };
  }
  const remoteStates = (stack.json.data?.terraform_remote_state ?? {}) as Record<string, TerraformJson>;
  for (const [name, remote] of Object.entries(remoteStates)) {
    const key = remote.config?.key as string | undefined;
    const path = key === undefined ? undefined : stateFiles.get(key);
    if (!path) throw new Error(`stack ${stack.name}: terraform_remote_state.${name} reads ${key ?? '(no key)'}, which no synthesized stack writes`);
    override.data ??= { terraform_remote_state: {} };
    override.data.terraform_remote_state[name] = { backend: 'local', config: { path } };
  }
  writeFileSync(join(stack.dir, OVERRIDE_FILE), JSON.stringify(override, null, 2));
}

/** A plausible value for a foundation output, from its name (ARNs, URLs, names, the region). */
export function placeholderOutput(name: string, region: string): string {
  if (name === 'aws_region' || name.endsWith('_region')) return region;
  if (name.endsWith('_arn')) {
    if (name.includes('bucket')) return 'arn:aws:s3:::verify-offline-bucket';
    if (name.includes('oidc_provider')) return 'arn:aws:iam::123456789012:oidc-provider/verify.invalid/';
    if (name.includes('key')) return `arn:aws:kms:${region}:123456789012:key/00000000-0000-0000-0000-000000000000`;
    return `arn:aws:iam::123456789012:role/verify-${name.replace(/_/g, '-')}`;
  }
  if (name.endsWith('_url') && name.startsWith('oidc_provider')) return 'verify.invalid/';
  if (name.endsWith('_url') || name.endsWith('_endpoint') || name === 'audience' || name.endsWith('_identifier') || name === 'issuer') {
    return `https://verify.invalid/${name.replace(/_/g, '-')}`;
  }
  return `verify-${name.replace(/_/g, '-')}`;
}

/**
 * A stack's outputs as its plan says they will be: known values as planned, and every unknown
 * part (an ARN or id AWS assigns at apply) a placeholder named after its nearest key, so a
 * dependant indexing `server_configurations["web-01"].role_arn` reads a value of the real shape.
 * `plan` is `tofu show -json` of a saved plan.
 */
export function outputsFromPlan(plan: TerraformJson, region: string): Record<string, unknown> {
  const fill = (value: unknown, unknown: unknown, key: string): unknown => {
    if (unknown === true) return placeholderOutput(key, region);
    if (Array.isArray(unknown)) return unknown.map((u, i) => fill((value as unknown[] | undefined)?.[i], u, key));
    if (typeof unknown === 'object' && unknown !== null && typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      const marks = unknown as Record<string, unknown>;
      return Object.fromEntries([...new Set([...Object.keys(record), ...Object.keys(marks)])].map((k) => [k, fill(record[k], marks[k], k)]));
    }
    return value;
  };
  const changes = (plan.output_changes ?? {}) as Record<string, { after?: unknown; after_unknown?: unknown }>;
  return Object.fromEntries(Object.entries(changes).map(([name, change]) => [name, fill(change.after, change.after_unknown, name)]));
}

/**
 * The state file of a stack as its dependants read it: a configuration of output blocks with the
 * stack's output names and `values` (see outputsFromPlan), applied by tofu itself into
 * `dir/terraform.tfstate` (so the file is tofu's own, not hand-written JSON).
 */
export async function writeOutputsState(tools: Tools, producer: StackInfo, dir: string, values: Readonly<Record<string, unknown>>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outputs = Object.fromEntries(Object.keys(producer.json.output ?? {}).map((name) => [name, { value: values[name] ?? null }]));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ output: outputs }, null, 2));
  const env = tofuEnv(tools);
  for (const args of [['init', '-input=false', '-no-color'], ['apply', '-input=false', '-no-color', '-auto-approve']]) {
    const result = await run(tools.tofu, args, { cwd: dir, env });
    if (result.code !== 0) throw new Error(`tofu ${args[0]} of the outputs-only ${producer.name} state failed:\n${result.stderr}${result.stdout}`);
  }
  return join(dir, 'terraform.tfstate');
}
