// The zod-free reading of servers.json must give exactly zod's answer: the same value for every
// file zod accepts, and no value (so that zod runs and names the problems) for every file zod
// refuses. Generated files mix valid values with each kind of wrong one.
import fc from 'fast-check';
import type { ConfigProblem } from '../../config/errors';
import { parseServers } from '../../config/schema';
import { parseServersFast } from '../../config/servers-fast-path';
import { serversShape } from '../../config/shapes';

const anyJson = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant([]), fc.constant({}));
const tagValue = fc.oneof(fc.constantFrom('', 'team a', 'ops/1', 'x'.repeat(256), 'x'.repeat(257), 'no#hash', 'naïve'), anyJson);
const tags = fc.dictionary(fc.constantFrom('Team', 'owner', 'aws:x', '', '__proto__'), tagValue, { maxKeys: 3 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const server = fc
  .record(
    {
      s3_path_prefix: optional(fc.oneof(fc.constantFrom('web-01/', 'a/b/', 'no-slash', '/lead/'), anyJson)),
      s3_permissions: optional(fc.oneof(fc.constantFrom('write', 'read-write', 'full', 'admin', 'Write'), anyJson)),
      max_session_duration: optional(fc.oneof(fc.constantFrom(900, 3600, 43200, 899, 43201, 1000.5), anyJson)),
      enabled: optional(fc.oneof(fc.boolean(), anyJson)),
      agent_tools: optional(fc.oneof(fc.boolean(), anyJson)),
      revoke_sessions_issued_before: optional(fc.oneof(fc.constantFrom('2026-11-22T18:00:00Z', '2026-13-40T99:00:00Z', 'yesterday'), anyJson)),
      tags: optional(fc.oneof(tags, anyJson)),
      unknown_key: optional(fc.constant('x')),
    },
    { requiredKeys: [] },
  )
  .map((entry) => Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)));

const serversFile = fc
  .record(
    {
      servers: fc.oneof(fc.dictionary(fc.constantFrom('web-01', 'web-02', 'db', '__proto__'), fc.oneof(server, anyJson), { maxKeys: 3 }), anyJson),
      common_tags: optional(fc.oneof(tags, anyJson)),
      shards: optional(fc.oneof(fc.constantFrom(1, 2, 50, 256, 0, 257, 2.5, -1), anyJson)),
      extra: optional(fc.constant(1)),
    },
    { requiredKeys: [] },
  )
  .map((file) => Object.fromEntries(Object.entries(file).filter(([, value]) => value !== undefined)));

/** A value as JSON.parse gives it to the loader (a generated `__proto__` becomes an own key). */
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('servers.json without zod', () => {
  it('accepts exactly the files zod accepts, with zod\'s value', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(serversFile, anyJson), (generated) => {
        const raw = asParsed(generated);
        const zod = serversShape.safeParse(raw);
        const fast = parseServersFast(raw);
        if (fast !== undefined) accepted++;
        // `__proto__` keys are the one case the fast path leaves to zod even when it accepts them.
        if (zod.success && !JSON.stringify(raw).includes('"__proto__"')) expect(fast).toEqual(zod.data);
        else if (!zod.success) expect(fast).toBeUndefined();
      }),
      // A fixed seed: the same 3,000 files every run (a failure names its counterexample).
      { numRuns: 3000, seed: 16 },
    );
    // The generator reaches valid files often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(50);
  });

  it('accepts every valid file, with zod\'s value', () => {
    const validServer = fc
      .record(
        {
          s3_path_prefix: fc.constantFrom('web-01/', 'a/b/', 'x_y.z/'),
          s3_permissions: fc.constantFrom('write', 'read-write', 'full'),
          max_session_duration: fc.integer({ min: 900, max: 43200 }),
          enabled: fc.boolean(),
          agent_tools: fc.boolean(),
          revoke_sessions_issued_before: fc.constant('2026-11-22T18:00:00Z'),
          tags: fc.dictionary(fc.constantFrom('Team', 'owner', 'Cost Center'), fc.constantFrom('', 'a', 'ops/1 + x@y')),
        },
        { requiredKeys: ['s3_path_prefix'] },
      );
    const validFile = fc.record(
      { servers: fc.dictionary(fc.constantFrom('web-01', 'web-02', 'db'), validServer), common_tags: fc.dictionary(fc.constantFrom('Owner'), fc.constant('ops')) },
      { requiredKeys: ['servers'] },
    );
    fc.assert(
      fc.property(validFile, (generated) => {
        const raw = asParsed(generated);
        const zod = serversShape.safeParse(raw);
        expect(zod.success).toBe(true);
        expect(parseServersFast(raw)).toEqual(zod.data);
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it('gives the loader the same settings and problems as before for a realistic file', () => {
    const raw = {
      servers: {
        'web-01': { s3_path_prefix: 'web-01/', s3_permissions: 'full', tags: { Team: 'a' } },
        'web-02': { s3_path_prefix: 'web-02/', enabled: false, revoke_sessions_issued_before: '2026-11-22T18:00:00Z' },
      },
      common_tags: { Owner: 'ops' },
    };
    const problems: ConfigProblem[] = [];
    const parsed = parseServers({ file: 'servers.json', raw, namePrefix: 'oidc-s3-dev' }, problems);
    expect(problems).toEqual([]);
    expect(parsed).toEqual({
      servers: [
        { name: 'web-01', s3PathPrefix: 'web-01/', s3Permissions: 'full', maxSessionDuration: 3600, enabled: true, agentTools: false, revokeSessionsIssuedBefore: undefined, tags: { Team: 'a' } },
        { name: 'web-02', s3PathPrefix: 'web-02/', s3Permissions: 'write', maxSessionDuration: 3600, enabled: false, agentTools: false, revokeSessionsIssuedBefore: '2026-11-22T18:00:00Z', tags: {} },
      ],
      commonTags: { Owner: 'ops' },
      shards: 1,
    });
    // One wrong value: the fast path steps aside and zod names it.
    const wrong = { servers: { 'web-01': { s3_path_prefix: 'web-01/', max_session_duration: 60 } } };
    expect(parseServersFast(wrong)).toBeUndefined();
    const wrongProblems: ConfigProblem[] = [];
    expect(parseServers({ file: 'servers.json', raw: wrong, namePrefix: 'oidc-s3-dev' }, wrongProblems)).toBeUndefined();
    expect(wrongProblems).toEqual([
      { file: 'servers.json', key: 'servers["web-01"].max_session_duration', value: 60, rule: expect.stringMatching(/^must be a whole number of seconds from 900/) },
    ]);
  });
});
