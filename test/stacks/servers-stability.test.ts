import type { TerraformJson } from '../support/synth';
import { THREE_SERVERS, environmentConfig, server, synthServers } from './servers-fixtures';

/** Everything in the stack except the servers map: resource blocks, outputs, providers, data. */
function withoutServersMap(json: TerraformJson): TerraformJson {
  const { locals, ...rest } = json;
  const { servers, ...otherLocals } = locals ?? {};
  return { ...rest, locals: otherLocals };
}

describe.each(['auth0', 'cognito'] as const)('servers map changes (%s)', (identityProvider) => {
  const before = synthServers(environmentConfig(identityProvider, THREE_SERVERS));

  test('adding a fourth server adds its entry and changes nothing else', () => {
    // First in file order and sorting between existing names, to catch any positional coupling.
    const added = server('web-005', 'web-005/', 'full', { tags: { Team: 'new' } });
    const after = synthServers(environmentConfig(identityProvider, [added, ...THREE_SERVERS]));

    expect(Object.keys(after.locals.servers).sort()).toEqual(['etl-02', 'web-005', 'web-01', 'web-010']);
    for (const name of ['web-01', 'web-010', 'etl-02']) {
      expect(JSON.stringify(after.locals.servers[name])).toBe(JSON.stringify(before.locals.servers[name]));
    }
    expect(after.locals.servers['web-005']).toMatchObject({ s3_path_prefix: 'web-005/', s3_permissions: 'full', tags: { Team: 'new' } });
    // Resource blocks, outputs and everything else are byte-for-byte the same.
    expect(JSON.stringify(withoutServersMap(after))).toBe(JSON.stringify(withoutServersMap(before)));
  });

  test('removing a server removes only its entry', () => {
    const after = synthServers(environmentConfig(identityProvider, THREE_SERVERS.filter((s) => s.name !== 'web-010')));

    expect(Object.keys(after.locals.servers).sort()).toEqual(['etl-02', 'web-01']);
    for (const name of ['web-01', 'etl-02']) {
      expect(JSON.stringify(after.locals.servers[name])).toBe(JSON.stringify(before.locals.servers[name]));
    }
    expect(JSON.stringify(withoutServersMap(after))).toBe(JSON.stringify(withoutServersMap(before)));
  });

  test('changing one server\'s settings changes only its entry', () => {
    const changed = THREE_SERVERS.map((s) => (s.name === 'web-01' ? { ...s, s3Permissions: 'full' as const } : s));
    const after = synthServers(environmentConfig(identityProvider, changed));

    expect(after.locals.servers['web-01'].s3_permissions).toBe('full');
    expect(after.locals.servers['web-01'].s3_policy).not.toBe(before.locals.servers['web-01'].s3_policy);
    for (const name of ['web-010', 'etl-02']) {
      expect(JSON.stringify(after.locals.servers[name])).toBe(JSON.stringify(before.locals.servers[name]));
    }
    expect(JSON.stringify(withoutServersMap(after))).toBe(JSON.stringify(withoutServersMap(before)));
  });
});

describe('an empty servers map', () => {
  test.each(['auth0', 'cognito'] as const)('%s: synthesizes, with an empty map and outputs that evaluate to empty maps', (identityProvider) => {
    const json = synthServers(environmentConfig(identityProvider, []));
    expect(json.locals.servers).toEqual({});
    expect(json.output.server_configurations.value).toMatch(/^\$\{\{ for key, val in local\.servers: key => /);
    expect(json.output.server_secrets.sensitive).toBe(true);
    expect(json.resource.aws_iam_role.server.for_each).toBe('${local.servers}');
  });
});

describe('a thousand servers', () => {
  // Auth0 past 99 enabled servers needs the vending exchange (direct mode's client ID list holds 100).
  test.each(['auth0', 'cognito'] as const)('%s: synthesizes one block per resource type and a map of 1,000 entries', (identityProvider) => {
    const servers = Array.from({ length: 1000 }, (_, i) => server(`host-${String(i).padStart(4, '0')}`, `hosts/${String(i).padStart(4, '0')}/`, (['write', 'read-write', 'full'] as const)[i % 3]));
    const started = process.hrtime.bigint();
    const json = synthServers(environmentConfig(identityProvider, servers, identityProvider === 'auth0' ? { auth0Exchange: 'vending' } : {}));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    // Reported, not asserted: timings belong in bench/.
    process.stdout.write(`[servers stack] ${identityProvider}: 1,000-server synth took ${elapsedMs.toFixed(0)} ms\n`);

    expect(Object.keys(json.locals.servers)).toHaveLength(1000);
    expect(json.locals.servers['host-0999']).toMatchObject({ s3_path_prefix: 'hosts/0999/', s3_permissions: 'write' });
    for (const blocks of Object.values(json.resource as Record<string, Record<string, unknown>>)) expect(Object.keys(blocks)).toHaveLength(1);
  });
});
