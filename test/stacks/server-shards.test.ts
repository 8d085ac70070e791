import { getExpressionAst } from '@cdktf/hcl2json';
import { App, DataTerraformRemoteStateS3, Fn, TerraformOutput, TerraformStack, Testing } from 'cdktf';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSettings } from '../../config/types';
import { ConstructConfigError } from '../../modules/construct-validation';
import { SHARD_TEMPLATE_SUFFIX, shardView, writeOncePerShard } from '../../modules/resolved-once-local';
import { Auth0ServerAccess } from '../../modules/server-access-auth0';
import { CognitoServerAccess } from '../../modules/server-access-cognito';
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

  test('hashes the UTF-8 bytes of any name, ASCII or not', () => {
    const reference = (name: string, shards: number) => {
      let hash = 0x811c9dc5;
      for (const byte of Buffer.from(name, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
      return hash % shards;
    };
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), fc.integer({ min: 1, max: 256 }), (name, shards) => expect(shardOf(name, shards)).toBe(reference(name, shards))));
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
  expect((error as ConstructConfigError).message).toMatch(/shardSuffix is "_\w+"; allowed: "" in direct mode: the OIDC provider lists every enabled client/);
});

describe.each(['auth0', 'cognito'] as const)('blocks built once and written once per shard (%s)', (identityProvider) => {
  const servers = [...SERVERS, server('tagged', 'tagged/', 'full', { tags: { Team: 'a' }, maxSessionDuration: 7200, revokeSessionsIssuedBefore: '2026-01-01T00:00:00Z' })];
  const shards = shardServers(servers, 5);

  /** The servers stack's blocks and outputs: a construct per shard, or one written once per shard. */
  function build(stack: TerraformStack, template: boolean): void {
    const remote = new DataTerraformRemoteStateS3(stack, 'foundation', { bucket: 'state', key: 'foundation', region: 'eu-west-1' });
    const output = (name: string) => remote.getString(name);
    const base = { namePrefix: 'oidc-s3-dev', bucketArn: output('bucket_arn'), bucketName: output('bucket_name'), awsRegion: output('aws_region') };
    const make = (id: string, members: readonly ServerSettings[], shardSuffix: string) =>
      identityProvider === 'auth0'
        ? new Auth0ServerAccess(stack, id, {
            ...base,
            servers: members,
            shardSuffix,
            auth0Domain: 'tenant.eu.auth0.com',
            audience: output('audience'),
            vending: { vendingLambdaRoleArn: output('vending_role'), clientRolesTableName: output('table'), credentialVendingUrl: output('url') },
          })
        : new CognitoServerAccess(stack, id, {
            ...base,
            servers: members,
            shardSuffix,
            userPoolId: output('pool'),
            resourceServerIdentifier: output('identifier'),
            vendingLambdaRoleArn: output('vending_role'),
            clientRolesTableName: output('table'),
            accessTokenValiditySeconds: 3600,
            tokenEndpoint: output('token_endpoint'),
            credentialVendingUrl: output('url'),
          });
    let accesses;
    if (template) {
      const construct = make(`server-access${SHARD_TEMPLATE_SUFFIX}`, shards.flatMap((shard) => shard.servers), SHARD_TEMPLATE_SUFFIX);
      writeOncePerShard(construct, shards.map(({ suffix, servers: members }) => ({ suffix, keys: members.map((member) => member.name) })));
      accesses = shards.map(({ suffix }) => ({ serverConfigurations: shardView(construct.serverConfigurations, suffix), serverSecrets: shardView(construct.serverSecrets, suffix) }));
    } else {
      accesses = shards.map(({ suffix, servers: members }) => make(`server-access${suffix}`, members, suffix));
    }
    new TerraformOutput(stack, 'server_configurations', { value: Fn.merge(accesses.map((access) => access.serverConfigurations)) });
    new TerraformOutput(stack, 'server_secrets', { value: Fn.merge(accesses.map((access) => access.serverSecrets)), sensitive: true });
  }

  function written(template: boolean): string {
    const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-shards-'));
    try {
      const app = new App({ outdir, stackTraces: false, skipValidation: true });
      build(new TerraformStack(app, 'servers'), template);
      app.synth();
      return readFileSync(join(outdir, 'stacks', 'servers', 'cdk.tf.json'), 'utf8');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  test('write the same cdk.tf.json as a construct per shard, through the app and through Testing.synth', () => {
    const perShard = written(false);
    expect(written(true)).toBe(perShard);
    expect(perShard).not.toContain(SHARD_TEMPLATE_SUFFIX);
    const synth = (template: boolean) => {
      const stack = new TerraformStack(Testing.app(), 'servers');
      build(stack, template);
      return Testing.synth(stack);
    };
    expect(synth(true)).toBe(synth(false));
    // Not vacuous: every shard's blocks and locals are there, each holding its own servers.
    const json = JSON.parse(perShard) as TerraformJson;
    expect(Object.keys(json.resource.aws_iam_role).sort()).toEqual(shards.map(({ suffix }) => `server${suffix}`).sort());
    for (const { suffix, servers: members } of shards) expect(Object.keys(json.locals[`servers${suffix}`])).toEqual(members.map((member) => member.name).sort());
  });

  test('refuse a map key that is in no shard', () => {
    const stack = new TerraformStack(Testing.app(), 'servers');
    const remote = new DataTerraformRemoteStateS3(stack, 'foundation', { bucket: 'state', key: 'foundation', region: 'eu-west-1' });
    const output = (name: string) => remote.getString(name);
    const construct = new CognitoServerAccess(stack, 'access', {
      namePrefix: 'oidc-s3-dev',
      bucketArn: output('bucket_arn'),
      bucketName: 'b',
      awsRegion: 'eu-west-1',
      servers,
      shardSuffix: SHARD_TEMPLATE_SUFFIX,
      userPoolId: 'pool',
      resourceServerIdentifier: 'id',
      vendingLambdaRoleArn: 'role',
      clientRolesTableName: 'table',
      accessTokenValiditySeconds: 3600,
      tokenEndpoint: 'https://x',
      credentialVendingUrl: 'https://y',
    });
    writeOncePerShard(construct, [{ suffix: '_0', keys: servers.slice(1).map((member) => member.name) }]);
    expect(() => Testing.synth(stack)).toThrow(/"host-0" of local servers_shard\w+ is in no shard/);
  });
});
