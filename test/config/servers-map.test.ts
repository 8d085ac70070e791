import type { ConfigProblem } from '../../config/errors';
import { prefixRule, serverNameRule } from '../../config/rules';
import { parseServers } from '../../config/schema';

const file = 'environments/dev/servers.json';
const namePrefix = 'oidc-s3-dev';

function parse(raw: unknown): { problems: ConfigProblem[]; result: ReturnType<typeof parseServers> } {
  const problems: ConfigProblem[] = [];
  const result = parseServers({ file, raw, namePrefix }, problems);
  return { problems, result };
}

function serversWith(entries: Record<string, Record<string, unknown>>) {
  return { servers: entries };
}

describe('server prefixes', () => {
  it.each([
    ['/web-01/', /must not start with "\/"/],
    ['web-01', /must end with "\/", or "web-01\*" would also match "web-010\/…"|must end with "\/"/],
    ['web-*/', /IAM wildcards and policy variables/],
    ['web-?/', /IAM wildcards and policy variables/],
    ['${aws:username}/', /IAM wildcards and policy variables/],
    ['logs/../web-02/', /"\." or "\.\." path segments/],
    ['a..b/', /"\." or "\.\." path segments or "\.\."/],
    ['logs//web/', /must not contain "\/\/"/],
    ['web 01/', /may hold only letters, digits/],
    ['/', /must be 2-512 characters/],
  ])('%j is refused', (prefix, rule) => {
    const { problems, result } = parse(serversWith({ 'web-01': { s3_path_prefix: prefix } }));
    expect(result).toBeUndefined();
    expect(problems).toEqual([{ file, key: 'servers["web-01"].s3_path_prefix', value: prefix, rule: expect.stringMatching(rule) }]);
  });

  it.each(['web-01/', 'logs/web-01/', 'a_b.c-d/e/'])('%j is accepted', (prefix) => {
    expect(prefixRule(prefix)).toBeUndefined();
  });

  it('refuses a prefix inside another server\'s prefix, naming both', () => {
    const { problems } = parse(
      serversWith({ logs: { s3_path_prefix: 'logs/' }, 'web-01': { s3_path_prefix: 'logs/web-01/' }, 'web-02': { s3_path_prefix: 'other/' } }),
    );
    expect(problems).toEqual([
      {
        file,
        key: 'servers["web-01"].s3_path_prefix',
        value: 'logs/web-01/',
        rule: 'lies inside server "logs"\'s prefix "logs/", so "logs" could read this server\'s files; use prefixes that do not nest',
      },
    ]);
  });

  it('refuses two servers with the same prefix, once', () => {
    const { problems } = parse(serversWith({ a1: { s3_path_prefix: 'shared/' }, b2: { s3_path_prefix: 'shared/' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'servers.b2.s3_path_prefix', value: 'shared/' });
    expect(problems[0]!.rule).toMatch(/is also the prefix of server "a1"/);
  });

  it('accepts prefixes that share leading characters but not a folder', () => {
    const { problems, result } = parse(serversWith({ 'web-01': { s3_path_prefix: 'web-01/' }, 'web-010': { s3_path_prefix: 'web-010/' } }));
    expect(problems).toEqual([]);
    expect(result!.servers.map((s) => s.s3PathPrefix)).toEqual(['web-01/', 'web-010/']);
  });
});

describe('server names', () => {
  it.each([
    ['Web-01', /lower case because IAM role names ignore case/],
    ['web_01!', /a-z, 0-9, "\.", "_" and "-"/],
    ['-web', /starting and ending with a letter or digit/],
    ['x', /at least 2 characters/],
    ['credential-vending', /is reserved: "oidc-s3-dev-credential-vending" is the vending Lambda's own role/],
  ])('%j is refused', (name, rule) => {
    const { problems } = parse(serversWith({ [name]: { s3_path_prefix: 'p/' } }));
    expect(problems).toEqual([{ file, key: expect.stringContaining(name), value: name, rule: expect.stringMatching(rule) }]);
  });

  it('counts the name prefix against the 64-character role name limit', () => {
    const longest = 'a'.repeat(64 - namePrefix.length - 1);
    expect(serverNameRule(namePrefix)(longest)).toBeUndefined();
    expect(serverNameRule(namePrefix)(`${longest}b`)).toBe(
      `makes the IAM role name "${namePrefix}-${longest}b" 65 characters long; the limit is 64, so the server name may have at most ${longest.length}`,
    );
  });
});

describe('server settings', () => {
  it.each([
    [{ s3_permissions: 'admin' }, 's3_permissions', 'admin', /must be one of "write", "read-write", "full"/],
    [{ max_session_duration: 600 }, 'max_session_duration', 600, /from 900 \(the shortest role session STS issues\) to 43200/],
    [{ max_session_duration: 43201 }, 'max_session_duration', 43201, /from 900 \(the shortest role session STS issues\) to 43200/],
    [{ max_session_duration: 3600.5 }, 'max_session_duration', 3600.5, /whole number of seconds/],
    [{ enabled: 'no' }, 'enabled', 'no', /must be true or false/],
    [{ s3_path_prefx: 'x/' }, 's3_path_prefx', 'x/', /is not a known setting; did you mean "s3_path_prefix"\?/],
    [{ tags: { Team: 5 } }, 'tags.Team', 5, /tag values must be strings/],
    [{ revoke_sessions_issued_before: '2026-11-22 18:00' }, 'revoke_sessions_issued_before', '2026-11-22 18:00', /must be a UTC timestamp such as "2026-11-22T18:00:00Z"/],
    [{ revoke_sessions_issued_before: '2026-13-40T18:00:00Z' }, 'revoke_sessions_issued_before', '2026-13-40T18:00:00Z', /must be a real date and time/],
  ])('%j is refused', (extra, key, value, rule) => {
    const { problems } = parse(serversWith({ 'web-01': { s3_path_prefix: 'web-01/', ...extra } }));
    expect(problems).toContainEqual(expect.objectContaining({ file, key: `servers["web-01"].${key}`, value, rule: expect.stringMatching(rule) }));
  });

  it('a server without a prefix', () => {
    const { problems } = parse(serversWith({ 'web-01': { s3_permissions: 'write' } }));
    expect(problems).toEqual([{ file, key: 'servers["web-01"].s3_path_prefix', value: undefined, rule: expect.stringMatching(/^is required/) }]);
  });

  it('a file without a servers map', () => {
    const { problems } = parse({ common_tags: {} });
    expect(problems).toEqual([{ file, key: 'servers', value: undefined, rule: expect.stringMatching(/^is required: a map of server name/) }]);
  });

  it('reports every bad server in one pass', () => {
    const { problems } = parse(
      serversWith({
        'Bad Name': { s3_path_prefix: 'ok/' },
        good: { s3_path_prefix: '/lead/' },
        other: { s3_path_prefix: 'o/', s3_permissions: 'root', max_session_duration: 1 },
      }),
    );
    expect(problems.map((p) => p.key).sort()).toEqual([
      'servers.good.s3_path_prefix',
      'servers.other.max_session_duration',
      'servers.other.s3_permissions',
      'servers["Bad Name"]',
    ]);
  });

  it('an empty map is a valid (empty) fleet', () => {
    expect(parse({ servers: {} })).toEqual({ problems: [], result: { servers: [], commonTags: {}, shards: 1 } });
  });
});
