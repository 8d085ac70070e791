import { parse as parseHcl } from '@cdktf/hcl2json';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, type ConfigProblem } from './errors';
import { environmentNameRule } from './rules';
import { parseBackend, parseFoundation, parseServers } from './schema';
import type { EnvironmentConfig } from './types';

export interface LoadEnvironmentOptions {
  /** The repository root: holds `environments/` and `backend.hcl`. */
  readonly rootDir: string;
  /** A folder name under `environments/`. */
  readonly environment: string;
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

function readJson(rootDir: string, path: string, problems: ConfigProblem[]): unknown {
  const file = relative(rootDir, path);
  if (!existsSync(path)) {
    problems.push({ file, key: '', value: undefined, rule: 'file not found: every environment needs foundation.json and servers.json' });
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ file, key: '', value: undefined, rule: `is not valid JSON (${(error as Error).message})` });
    return undefined;
  }
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
  if (!existsSync(path)) {
    problems.push({
      file,
      key: '',
      value: undefined,
      rule: 'file not found: copy the example in the README (bucket, region, encrypt, use_lockfile) and name your state bucket',
    });
    return undefined;
  }
  let raw: unknown;
  try {
    raw = await parseHcl(file, readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ file, key: '', value: undefined, rule: `is not valid HCL (${String(error).replace(/^Error: /, '')})` });
    return undefined;
  }
  return parseBackend(file, raw, problems);
}

/**
 * Reads and validates one environment. Throws a ConfigError listing every problem in every
 * file; returns a config in which every default is filled in.
 */
export async function loadEnvironment({ rootDir, environment }: LoadEnvironmentOptions): Promise<EnvironmentConfig> {
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
      : parseServers({ file: `environments/${environment}/servers.json`, raw: serversRaw, namePrefix: `${projectName}-${environment}` }, problems);
  const backend = await readBackend(rootDir, environment, problems);

  if (problems.length > 0 || !foundation || !servers || !backend) throw new ConfigError('CONFIG_INVALID', problems);
  return { environment, foundation, servers, backend };
}

function projectNameOf(raw: unknown): string {
  const name = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).project_name : undefined;
  return typeof name === 'string' ? name : 'oidc-s3';
}
