/**
 * `npm run -s reshard-state -- <shards> < before.json > after.json`: a servers stack's state
 * (`tofu state pull`, format version 4) with every server's instances moved to the blocks of
 * `<shards>` shards (stacks/server-shards.ts), for `tofu state push` after servers.json's
 * `shards` is changed. Without it, the next plan would destroy every server's role and OAuth
 * client and create new ones under the new block names: new client ids and secrets for every
 * host. (`moved` blocks cannot do it: there would be one per server and block, and OpenTofu
 * checks moved blocks against each other pairwise.)
 *
 * Only the per-server blocks move (`server`, `server_s3_access`, `server_mapping`, with or
 * without a shard suffix); each instance keeps its key and attributes, and its dependencies on
 * sibling per-server blocks are renamed to the server's new shard. The serial is raised by one,
 * so `tofu state push` accepts the result as the next state of the same lineage. Nothing else in
 * the state changes. Docs: docs/OPERATIONS.md, "Thousands of servers".
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { shardsRule } from '../config/rules';
import { shardOf, shardSuffix } from '../stacks/server-shards';

/** One resource of a version 4 state file (the members this script reads or writes). */
interface StateResource {
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly provider: string;
  readonly each?: string;
  readonly instances: readonly StateInstance[];
  readonly [other: string]: unknown;
}

interface StateInstance {
  readonly index_key?: string | number;
  readonly dependencies?: readonly string[];
  readonly [other: string]: unknown;
}

export interface TerraformState {
  readonly version: number;
  readonly serial: number;
  readonly lineage: string;
  readonly resources: readonly StateResource[];
  readonly [other: string]: unknown;
}

/** Why a state cannot be resharded. */
export class ReshardError extends Error {
  public constructor(
    public readonly code: 'STATE_FORMAT' | 'INVALID_SHARDS',
    message: string,
  ) {
    super(message);
    this.name = 'ReshardError';
  }
}

/** The per-server block names the server-access constructs write, with an optional shard suffix. */
const PER_SERVER_BLOCK = /^(server|server_s3_access|server_mapping)(?:_\d+)?$/;

/** `<type>.<base name>`: a per-server block family, whatever shard suffix its blocks carry. */
export function familyOf(type: string, name: string): string | undefined {
  const match = PER_SERVER_BLOCK.exec(name);
  return match ? `${type}.${match[1]}` : undefined;
}

/**
 * `state` with every per-server instance under its block for `shards` shards.
 * @returns the new state and how many instances changed address.
 * @throws ReshardError STATE_FORMAT (not a version 4 state, a per-server instance without a string
 *   key, a per-server block inside a module) or INVALID_SHARDS (see config/rules shardsRule).
 */
export function reshardState(state: TerraformState, shards: number): { state: TerraformState; moved: number } {
  const invalid = shardsRule(shards);
  if (invalid) throw new ReshardError('INVALID_SHARDS', `shards ${shards} ${invalid}`);
  if (state.version !== 4 || !Array.isArray(state.resources)) {
    throw new ReshardError('STATE_FORMAT', `not a state file of format version 4 (found version ${String(state.version)}): pass what \`tofu state pull\` prints`);
  }
  const blockFor = (family: string, key: string) => `${family.slice(family.indexOf('.') + 1)}${shardSuffix(shardOf(key, shards), shards)}`;
  const kept: StateResource[] = [];
  const families = new Map<string, { template: StateResource; instances: { instance: StateInstance; from: string }[] }>();
  for (const resource of state.resources) {
    const family = resource.mode === 'managed' ? familyOf(resource.type, resource.name) : undefined;
    if (family === undefined) {
      kept.push(resource);
      continue;
    }
    if (resource.module !== undefined) throw new ReshardError('STATE_FORMAT', `${resource.module}.${resource.type}.${resource.name}: per-server blocks are expected in the root module`);
    const entry = families.get(family) ?? { template: resource, instances: [] as { instance: StateInstance; from: string }[] };
    families.set(family, entry);
    for (const instance of resource.instances) {
      if (typeof instance.index_key !== 'string') {
        throw new ReshardError('STATE_FORMAT', `${resource.type}.${resource.name}: an instance without a server name as its key (${JSON.stringify(instance.index_key)}): not a servers stack's state`);
      }
      entry.instances.push({ instance, from: resource.name });
    }
  }

  let moved = 0;
  const rewritten: StateResource[] = [];
  for (const [family, { template, instances }] of families) {
    const blocks = new Map<string, StateInstance[]>();
    for (const { instance, from } of instances) {
      const key = instance.index_key as string;
      const name = blockFor(family, key);
      if (name !== from) moved += 1;
      // A per-server block depends only on the same server's instances of its siblings.
      const dependencies = instance.dependencies?.map((dependency) => {
        const [type, depName] = dependency.split('.') as [string, string | undefined];
        const sibling = depName === undefined ? undefined : familyOf(type, depName);
        return sibling === undefined ? dependency : `${type}.${blockFor(sibling, key)}`;
      });
      const list = blocks.get(name) ?? [];
      blocks.set(name, list);
      list.push(dependencies === undefined ? instance : { ...instance, dependencies: [...new Set(dependencies)].sort() });
    }
    for (const [name, list] of [...blocks].sort(([a], [b]) => a.localeCompare(b))) {
      rewritten.push({ ...template, name, instances: list });
    }
  }
  return { state: { ...state, serial: state.serial + 1, resources: [...kept, ...rewritten] }, moved };
}

function main(argv: readonly string[]): number {
  const { positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    process.stderr.write('usage: npm run -s reshard-state -- <shards> < state.json > resharded.json   (docs/OPERATIONS.md, "Thousands of servers")\n');
    return 2;
  }
  try {
    const state = JSON.parse(readFileSync(0, 'utf8')) as TerraformState;
    const { state: resharded, moved } = reshardState(state, Number(positionals[0]));
    process.stdout.write(`${JSON.stringify(resharded, null, 2)}\n`);
    process.stderr.write(`reshard-state: ${moved} instances moved to ${positionals[0]} shard(s); serial ${state.serial} → ${resharded.serial}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`reshard-state: ${error instanceof ReshardError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
