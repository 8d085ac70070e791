import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, type ConfigProblem } from './errors';
import { environmentClashes, mergedTagProblems, type OtherEnvironment } from './cross-checks';
import { parseHclCached } from './hcl';
import { caretExcerpt, readConfigText, readJsonFile } from './json-file';
import { directExchangeServersRule, directExchangeShardsRule, environmentNameRule, shardSizeRule } from './rules';
import { parseBackend, parseFoundation, parseServers } from './schema';
import type { EnvironmentConfig } from './types';

export interface LoadEnvironmentOptions {
  /** The repository root: holds `environments/` and `backend.hcl`. */
  readonly rootDir: string;
  /** A folder name under `environments/`. */
  readonly environment: string;
  /**
   * Checks of the validated config that need more than the files (the quota check, which
   * measures the policies the constructs build). Their problems join the list; QUOTA_NEAR ones
   * are warnings (as SLOW_PLAN ones), handed to `onWarnings` instead. @default none
   */
  readonly checks?: readonly ((config: EnvironmentConfig) => readonly ConfigProblem[])[];
  /** Receives the warnings (problems that do not stop synth). @default ignored */
  readonly onWarnings?: (warnings: readonly ConfigProblem[]) => void;
}

/** Problems that are reported but do not stop synth. */
export function isWarning(problem: ConfigProblem): boolean {
  return problem.code === 'QUOTA_NEAR' || problem.code === 'SLOW_PLAN';
}

/** SLOW_PLAN, a warning, when the servers per shard would make a plan take minutes. */
export function shardSizeProblems(config: EnvironmentConfig): ConfigProblem[] {
  const { servers, shards } = config.servers;
  const rule = shardSizeRule(shards)(servers.length);
  return rule ? [{ code: 'SLOW_PLAN', file: `environments/${config.environment}/servers.json`, key: 'shards', value: shards, rule }] : [];
}

/** The folders of `environments/` that hold a `foundation.json`, sorted. */
export function knownEnvironments(rootDir: string): string[] {
  const dir = join(rootDir, 'environments');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'foundation.json')))
    .map((entry) => entry.name)
    .sort();
}

const ENVIRONMENT_FILES_FIX = 'every environment folder holds foundation.json and servers.json: copy them from environments/dev/ and edit (docs/INSTALL.md)';

function readJson(rootDir: string, path: string, problems: ConfigProblem[]): unknown {
  return readJsonFile(path, relative(rootDir, path), problems, ENVIRONMENT_FILES_FIX);
}

/**
 * HCL's own diagnostics as problems: `<file>:<line>,<col>-…: <summary>; <detail>`, one per
 * diagnostic; "Attribute redefined" (a setting given twice) becomes DUPLICATE_KEY.
 */
export function hclProblems(file: string, text: string, message: string): ConfigProblem[] {
  const body = message.replace(/^(?:Error: )?parse config: \[/, '').replace(/\]$/, '');
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const diagnostics = body.split(new RegExp(`, (?=${escaped}:\\d+,\\d+(?:-\\d+(?:,\\d+)?)?: )`));
  return diagnostics.map((diagnostic) => {
    const match = new RegExp(`^${escaped}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?: ([^;]*);? ?(.*)$`, 's').exec(diagnostic);
    if (!match) return { code: 'HCL_SYNTAX', file, key: '', value: undefined, rule: `is not valid HCL: ${diagnostic}` };
    const [, line, column, summary, detail] = match;
    const offset = text.split('\n').slice(0, Number(line) - 1).reduce((sum, l) => sum + l.length + 1, 0) + Number(column) - 1;
    const redefined = /^Attribute redefined/.test(summary!) ? /argument "([^"]+)" was already set at [^:]+:(\d+)/.exec(detail!) : null;
    if (redefined) {
      return {
        code: 'DUPLICATE_KEY',
        file,
        line: Number(line),
        column: Number(column),
        key: redefined[1]!,
        value: redefined[1],
        rule: `is given twice (lines ${redefined[2]}, ${line}); each setting may be set only once`,
        fix: 'keep one of the two lines',
        excerpt: caretExcerpt(text, offset),
      };
    }
    return { code: 'HCL_SYNTAX', file, line: Number(line), column: Number(column), key: '', value: undefined, rule: `is not valid HCL: ${summary}${detail ? `; ${detail}` : ''}`, excerpt: caretExcerpt(text, offset) };
  });
}

/**
 * Where state lives: `environments/<env>/backend.hcl` when an environment keeps its state
 * apart (another account, say), else the repository's `backend.hcl`.
 */
export function backendFile(rootDir: string, environment: string): string {
  const own = join(rootDir, 'environments', environment, 'backend.hcl');
  return existsSync(own) ? own : join(rootDir, 'backend.hcl');
}

async function readBackend(rootDir: string, environment: string, problems: ConfigProblem[]) {
  const path = backendFile(rootDir, environment);
  const file = relative(rootDir, path);
  const text = readConfigText(path, file, problems, 'copy the example in docs/CONFIGURATION.md#backendhcl (bucket, region, encrypt, use_lockfile) and name your state bucket');
  if (text === undefined) return undefined;
  if (text.trim().length === 0) {
    problems.push({ code: 'FILE_EMPTY', file, key: '', value: undefined, rule: 'is empty: it must name the state bucket and its region', fix: 'set at least bucket and region' });
    return undefined;
  }
  let raw: unknown;
  try {
    raw = await parseHclCached(file, text);
  } catch (error) {
    problems.push(...hclProblems(file, text, String(error)));
    return undefined;
  }
  return parseBackend(file, raw, problems);
}

/**
 * Reads and validates one environment. Throws a ConfigError listing every problem in every
 * file; returns a config in which every default is filled in.
 */
export async function loadEnvironment({ rootDir, environment, checks = [], onWarnings }: LoadEnvironmentOptions): Promise<EnvironmentConfig> {
  const known = knownEnvironments(rootDir);
  if (!known.includes(environment)) {
    throw new ConfigError('UNKNOWN_ENVIRONMENT', [
      {
        file: 'environments/',
        key: 'ENVIRONMENT',
        value: environment,
        rule: `names no environment; known: ${known.join(', ') || '(none)'}. Set ENVIRONMENT to one of them, or add environments/${environment}/foundation.json and servers.json`,
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const nameRule = environmentNameRule(environment);
  if (nameRule) problems.push({ file: `environments/${environment}/`, key: 'ENVIRONMENT', value: environment, rule: nameRule });

  const dir = join(rootDir, 'environments', environment);
  const foundationRaw = readJson(rootDir, join(dir, 'foundation.json'), problems);
  const serversRaw = readJson(rootDir, join(dir, 'servers.json'), problems);
  const foundation =
    foundationRaw === undefined
      ? undefined
      : parseFoundation({ file: `environments/${environment}/foundation.json`, raw: foundationRaw, environment }, problems);
  // Server names are measured against the role-name prefix, which the foundation file sets.
  const projectName = foundation?.projectName ?? projectNameOf(foundationRaw);
  const servers =
    serversRaw === undefined
      ? undefined
      : parseServers(
          {
            file: `environments/${environment}/servers.json`,
            raw: serversRaw,
            namePrefix: `${projectName}-${environment}`,
            identityProvider: foundation?.identityProvider ?? identityProviderOf(foundationRaw),
            bucketAccount: foundation !== undefined ? foundation.bucketAccount !== undefined : valueOf(foundationRaw, 'bucket_account') !== undefined,
          },
          problems,
        );
  const backend = await readBackend(rootDir, environment, problems);
  if (foundation?.identityProvider === 'auth0' && foundation.auth0Exchange === 'direct' && servers) {
    const rule = directExchangeServersRule(servers.servers.filter((server) => server.enabled).length);
    if (rule) problems.push({ file: `environments/${environment}/servers.json`, key: 'servers', value: `${servers.servers.length} servers`, rule });
    const shardsRule = directExchangeShardsRule(servers.shards);
    if (shardsRule) problems.push({ file: `environments/${environment}/servers.json`, key: 'shards', value: servers.shards, rule: shardsRule });
  }
  if (foundation && servers && !foundation.agentGateway) {
    for (const server of servers.servers.filter((s) => s.agentTools)) {
      problems.push({
        file: `environments/${environment}/servers.json`,
        key: `servers[${JSON.stringify(server.name)}].agent_tools`,
        value: true,
        rule: 'needs the agent gateway: set "agent_gateway": true in foundation.json, or remove agent_tools',
      });
    }
  }
  if (foundation && servers) problems.push(...mergedTagProblems(environment, foundation, servers));
  if (foundation && backend) {
    const others = await otherEnvironments(rootDir, known.filter((name) => name !== environment));
    problems.push(...environmentClashes({ environment, foundation, servers: servers ?? { servers: [], commonTags: {}, shards: 1 }, backend }, others));
  }

  if (problems.length > 0 || !foundation || !servers || !backend) throw new ConfigError('CONFIG_INVALID', problems);
  const config: EnvironmentConfig = { environment, foundation, servers, backend };
  const found = [...shardSizeProblems(config), ...checks.flatMap((check) => check(config))];
  const warnings = found.filter(isWarning);
  if (warnings.length > 0) onWarnings?.(warnings);
  const errors = found.filter((problem) => !isWarning(problem));
  if (errors.length > 0) throw new ConfigError('CONFIG_INVALID', errors);
  return config;
}

/**
 * The other environments' foundation settings and backend, for the cross-environment checks.
 * Their own problems are theirs to report when they are synthesized: an environment that does
 * not validate is left out here.
 */
async function otherEnvironments(rootDir: string, names: readonly string[]): Promise<OtherEnvironment[]> {
  const found: OtherEnvironment[] = [];
  for (const name of names) {
    const ignored: ConfigProblem[] = [];
    const raw = readJsonFile(join(rootDir, 'environments', name, 'foundation.json'), name, ignored, '');
    const foundation = raw === undefined ? undefined : parseFoundation({ file: name, raw, environment: name }, ignored);
    if (!foundation) continue;
    found.push({ environment: name, foundation, backend: await readBackend(rootDir, name, []) });
  }
  return found;
}

function valueOf(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
}

/** foundation.json's identity_provider when it is a valid one, even if other keys are wrong. */
function identityProviderOf(raw: unknown): 'auth0' | 'cognito' | undefined {
  const provider = valueOf(raw, 'identity_provider');
  return provider === 'auth0' || provider === 'cognito' ? provider : undefined;
}

function projectNameOf(raw: unknown): string {
  const name = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).project_name : undefined;
  return typeof name === 'string' ? name : 'oidc-s3';
}
