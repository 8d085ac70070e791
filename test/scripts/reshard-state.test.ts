import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ReshardError, familyOf, reshardState, type TerraformState } from '../../scripts/reshard-state';
import { shardOf, shardSuffix } from '../../stacks/server-shards';
import type { TerraformJson } from '../support/synth';
import { environmentConfig, server, synthServers } from '../stacks/servers-fixtures';

const NAMES = ['web-01', 'web-02', 'etl-7', 'db', 'backup-host', 'cache-3'];
const AWS = 'provider["registry.opentofu.org/hashicorp/aws"]';

/** A servers stack's state with one shard, as tofu writes it (the members reshardState reads). */
function unshardedState(): TerraformState {
  const perServer = (type: string, name: string, dependencies: (key: string) => string[]) => ({
    mode: 'managed',
    type,
    name,
    provider: AWS,
    instances: NAMES.map((key) => ({ index_key: key, schema_version: 0, attributes: { id: `${type}-${key}` }, sensitive_attributes: [], dependencies: dependencies(key) })),
  });
  return {
    version: 4,
    terraform_version: '1.10.10',
    serial: 41,
    lineage: '6f1c2a7e-lineage',
    outputs: { server_configurations: { value: {}, type: ['map', 'string'] } },
    resources: [
      { mode: 'data', type: 'terraform_remote_state', name: 'foundation', provider: 'provider["terraform.io/builtin/terraform"]', instances: [{ schema_version: 0, attributes: { backend: 's3' } }] },
      perServer('aws_iam_role', 'server', () => ['data.terraform_remote_state.foundation']),
      perServer('aws_iam_role_policy', 'server_s3_access', () => ['aws_iam_role.server', 'data.terraform_remote_state.foundation']),
      perServer('aws_dynamodb_table_item', 'server_mapping', () => ['aws_cognito_user_pool_client.server', 'aws_iam_role.server']),
      { mode: 'managed', type: 'aws_iam_openid_connect_provider', name: 'tenant', provider: AWS, instances: [{ schema_version: 0, attributes: { id: 'arn' }, dependencies: ['auth0_client.server'] }] },
    ],
    check_results: null,
  };
}

function instancesByAddress(state: TerraformState): Map<string, unknown> {
  return new Map(state.resources.flatMap((r) => r.instances.map((i) => [`${r.type}.${r.name}[${JSON.stringify(i.index_key ?? null)}]`, i] as const)));
}

describe('reshardState', () => {
  test('moves every per-server instance to its shard\'s block, renaming sibling dependencies; nothing else changes', () => {
    const before = unshardedState();
    const { state, moved } = reshardState(before, 4);
    expect(state.serial).toBe(42);
    expect(state.lineage).toBe(before.lineage);
    expect(state.outputs).toEqual(before.outputs);
    expect(moved).toBe(3 * NAMES.length);
    for (const key of NAMES) {
      const suffix = shardSuffix(shardOf(key, 4), 4);
      const policy = state.resources.find((r) => r.type === 'aws_iam_role_policy' && r.name === `server_s3_access${suffix}`)!;
      const instance = policy.instances.find((i) => i.index_key === key)!;
      expect(instance.attributes).toEqual({ id: `aws_iam_role_policy-${key}` });
      expect(instance.dependencies).toEqual([`aws_iam_role.server${suffix}`, 'data.terraform_remote_state.foundation']);
      expect(state.resources.find((r) => r.type === 'aws_dynamodb_table_item' && r.name === `server_mapping${suffix}`)!.instances.find((i) => i.index_key === key)!.dependencies).toEqual([
        `aws_cognito_user_pool_client.server${suffix}`,
        `aws_iam_role.server${suffix}`,
      ]);
    }
    // Every instance is still there once, and the other resources are as they were.
    expect(state.resources.flatMap((r) => r.instances)).toHaveLength(before.resources.flatMap((r) => r.instances).length);
    expect(state.resources.filter((r) => r.name === 'foundation' || r.name === 'tenant')).toEqual(before.resources.filter((r) => r.name === 'foundation' || r.name === 'tenant'));
  });

  test('back to one shard gives the original blocks and instances', () => {
    const before = unshardedState();
    const { state: sharded } = reshardState(before, 4);
    const { state: back, moved } = reshardState(sharded, 1);
    expect(moved).toBe(3 * NAMES.length);
    expect(back.serial).toBe(before.serial + 2);
    expect(instancesByAddress(back)).toEqual(instancesByAddress(before));
  });

  test('resharding to the same shards moves nothing', () => {
    const { state } = reshardState(unshardedState(), 4);
    expect(reshardState(state, 4).moved).toBe(0);
  });

  test('refuses what it cannot reshard, with a code and the reason', () => {
    expect(() => reshardState(unshardedState(), 0)).toThrow(new ReshardError('INVALID_SHARDS', 'shards 0 must be a whole number of shards from 1 to 256'));
    expect(() => reshardState({ ...unshardedState(), version: 3 }, 2)).toThrow(expect.objectContaining({ code: 'STATE_FORMAT', message: expect.stringMatching(/^not a state file of format version 4 \(found version 3\)/) }));
    const counted = unshardedState();
    const withCount = { ...counted, resources: [{ ...counted.resources[1]!, instances: [{ index_key: 0 }] }] };
    expect(() => reshardState(withCount, 2)).toThrow(expect.objectContaining({ code: 'STATE_FORMAT', message: expect.stringContaining('aws_iam_role.server: an instance without a server name as its key (0)') }));
  });

  test.each(['auth0', 'cognito'] as const)('%s: recognises exactly the blocks the stack iterates over the servers with', (identityProvider) => {
    const servers = NAMES.map((n, i) => server(n, `${n}/`, 'write', { enabled: i !== 2 }));
    for (const shards of [1, 5]) {
      const json = synthServers(environmentConfig(identityProvider, servers, identityProvider === 'auth0' ? { auth0Exchange: shards === 1 ? 'direct' : 'vending' } : {}, shards));
      for (const [type, blocks] of Object.entries(json.resource as Record<string, Record<string, TerraformJson>>)) {
        for (const [name, block] of Object.entries(blocks)) {
          const perServer = typeof block.for_each === 'string' && /local\.servers/.test(block.for_each);
          expect([`${type}.${name}`, familyOf(type, name) !== undefined]).toEqual([`${type}.${name}`, perServer]);
        }
      }
    }
  });

  test('the command reads stdin, writes the state to stdout and the summary to stderr', () => {
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '../../scripts/reshard-state.ts'), '3'], { input: JSON.stringify(unshardedState()), encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).serial).toBe(42);
    expect(result.stderr).toBe(`reshard-state: ${3 * NAMES.length} instances moved to 3 shard(s); serial 41 → 42\n`);
    const bad = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '../../scripts/reshard-state.ts'), '300'], { input: JSON.stringify(unshardedState()), encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('reshard-state: INVALID_SHARDS: shards 300 must be a whole number of shards from 1 to 256\n');
  });
});
