import { getExpressionAst } from '@cdktf/hcl2json';
import fc from 'fast-check';
import { ConstructConfigError } from '../../modules/construct-validation';
import { shardOf, shardServers, shardSuffix } from '../../stacks/server-shards';
import type { TerraformJson } from '../support/synth';
import { environmentConfig, server, synthServers } from './servers-fixtures';

describe('shard assignment', () => {
  test('is FNV-1a (32-bit) of the name modulo the shards: the published test vectors', () => {
    // FNV-1a 32: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968 (http://www.isthe.com/chongo/tech/comp/fnv/).
    expect(shardOf('', 256)).toBe(0x811c9dc5 % 256);
    expect(shardOf('a', 256)).toBe(0x2c);
    expect(shardOf('a', 97)).toBe(0xe40c292c % 97);
    expect(shardOf('foobar', 50)).toBe(0xbf9cf968 % 50);
    expect(shardOf('anything', 1)).toBe(0);
  });

  test('suffixes are "" for one shard, else zero-padded to the widest index', () => {
    expect(shardSuffix(0, 1)).toBe('');
    expect(shardSuffix(3, 10)).toBe('_3');
    expect(shardSuffix(7, 50)).toBe('_07');
    expect(shardSuffix(255, 256)).toBe('_255');
    expect(shardSuffix(9, 256)).toBe('_009');
  });

  test('every server lands in exactly one shard, and adding or removing a server moves no other', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}[a-z0-9]$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 60 }), name, fc.integer({ min: 1, max: 256 }), (names, extra, shards) => {
        const where = (list: readonly string[]) =>
          new Map(shardServers(list.map((n) => ({ name: n })), shards).flatMap((shard) => shard.servers.map((s) => [s.name, shard.suffix] as const)));
        const before = where(names);
        expect(before.size).toBe(names.length);
        const added = where(names.includes(extra) ? names : [...names, extra]);
        const removed = where(names.slice(1));
        for (const n of names) expect(added.get(n)).toBe(before.get(n));
        for (const n of names.slice(1)) expect(removed.get(n)).toBe(before.get(n));
      }),
    );
  });

  test('one shard is kept even when empty; with more, only shards that hold a server', () => {
    expect(shardServers([], 1)).toEqual([{ suffix: '', servers: [] }]);
    expect(shardServers([], 8)).toEqual([]);
    const two = shardServers([{ name: 'a' }], 50);
    expect(two).toEqual([{ suffix: `_${String(0xe40c292c % 50).padStart(2, '0')}`, servers: [{ name: 'a' }] }]);
  });

  test('4,999 generated names spread over 50 shards of 60–140 servers', () => {
    const names = Array.from({ length: 4999 }, (_, i) => ({ name: `srv-${String(i).padStart(5, '0')}` }));
    const sizes = shardServers(names, 50).map((shard) => shard.servers.length);
    expect(sizes).toHaveLength(50);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(140);
  });
});

const SERVERS = Array.from({ length: 12 }, (_, i) => server(`host-${i}`, `hosts/${i}/`, (['write', 'read-write', 'full'] as const)[i % 3], { enabled: i !== 5 }));

/** The local each resource block's for_each reads, by block name. */
function forEachLocals(json: TerraformJson, type: string): Record<string, string> {
  return Object.fromEntries(Object.entries(json.resource[type] as Record<string, TerraformJson>).map(([name, block]) => [name, /local\.(\w+)/.exec(block.for_each as string)![1]!]));
}

describe.each([
  ['auth0', { auth0Exchange: 'vending' as const }],
  ['cognito', {}],
] as const)('servers stack over 4 shards (%s)', (identityProvider, foundation) => {
  let json: TerraformJson;
  beforeAll(() => {
    json = synthServers(environmentConfig(identityProvider, SERVERS, foundation, 4));
  });
  const groups = shardServers(SERVERS, 4);

  test("each shard's local holds exactly its servers, and every server is in one", () => {
    const locals = json.locals as Record<string, Record<string, unknown>>;
    const seen: string[] = [];
    for (const { suffix, servers } of groups) {
      expect(Object.keys(locals[`servers${suffix}`]!).sort()).toEqual(servers.map((s) => s.name).sort());
      seen.push(...Object.keys(locals[`servers${suffix}`]!));
    }
    expect(seen.sort()).toEqual(SERVERS.map((s) => s.name).sort());
    expect(locals.servers).toBeUndefined();
  });

  test("every per-server block carries its shard's suffix and iterates over its shard's local", () => {
    const types = identityProvider === 'auth0' ? ['auth0_client', 'auth0_client_credentials', 'aws_iam_role', 'aws_dynamodb_table_item'] : ['aws_cognito_user_pool_client', 'aws_iam_role', 'aws_dynamodb_table_item'];
    for (const type of types) {
      const locals = forEachLocals(json, type);
      expect(Object.values(locals).sort()).toEqual(groups.map((g) => `servers${g.suffix}`).sort());
      for (const [name, local] of Object.entries(locals)) expect(name.slice(name.lastIndexOf('_'))).toBe(local.slice(local.lastIndexOf('_')));
    }
    const role = json.resource.aws_iam_role[`server${groups[0]!.suffix}`];
    // A sibling instance is read in the same shard's block.
    expect(json.resource.aws_iam_role_policy[`server_s3_access${groups[0]!.suffix}`].role).toBe(`\${aws_iam_role.server${groups[0]!.suffix}[each.key].id}`);
    expect(role.name).toBe('oidc-s3-dev-${each.key}');
  });

  test('server_configurations and server_secrets merge every shard into one map keyed by server name', async () => {
    for (const output of ['server_configurations', 'server_secrets']) {
      const value: string = json.output[output].value;
      expect(value.startsWith('${merge(')).toBe(true);
      await expect(getExpressionAst('main.tf', `"${value}"`)).resolves.not.toBeNull();
      for (const { suffix } of groups) expect(value).toContain(`{ for key, val in local.servers${suffix}: key => `);
    }
    expect(json.output.server_configurations.value).toContain(`"role_arn" = aws_iam_role.server${groups[1]!.suffix}[key].arn`);
  });
});

test("auth0 direct: the construct refuses a shard suffix (the OIDC provider lists every enabled client)", () => {
  let error: unknown;
  try {
    synthServers(environmentConfig('auth0', SERVERS, { auth0Exchange: 'direct' }, 3));
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConstructConfigError);
  expect((error as ConstructConfigError).code).toBe('INVALID_CONSTRUCT_CONFIG');
  expect((error as ConstructConfigError).message).toMatch(/shardSuffix is "_\d"; allowed: "" in direct mode: the OIDC provider lists every enabled client/);
});
