import { ConstructConfigError } from '../../modules/construct-validation';
import { environmentConfig, server, synthServers } from './servers-fixtures';

function synthError(run: () => unknown): ConstructConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConstructConfigError) return error;
    throw error;
  }
  throw new Error('expected synth to fail');
}

describe('servers stack validation at synth', () => {
  test.each(['auth0', 'cognito'] as const)('%s: every problem of the servers map is listed at once, each naming the setting', (identityProvider) => {
    const error = synthError(() =>
      synthServers(
        environmentConfig(identityProvider, [
          server('web-01', 'web-01', 'write'),
          server('web-02', '/web-02/', 'write'),
          server('web-03', 'web-*/', 'write'),
          server('web-04', 'web-${aws:username}/', 'write'),
          server('web-05', 'web/../05/', 'write'),
          server('etl', 'etl/', 'full'),
          server('etl-02', 'etl/02/', 'full', { maxSessionDuration: 600 }),
          server('etl', 'etl-x/', 'write'),
          server('bad-tier', 'bad-tier/', 'admin' as never),
        ]),
      ),
    );
    expect(error.code).toBe('INVALID_CONSTRUCT_CONFIG');
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/ServerAccess servers\/server-access: \d+ invalid setting\(s\):/);
    for (const name of ['web-01', 'web-02', 'web-03', 'web-04', 'web-05']) {
      expect(error.message).toContain(`servers["${name}"].s3_path_prefix is `);
    }
    expect(error.message).toContain('servers["web-01"].s3_path_prefix is "web-01"; allowed: must end with "/"');
    expect(error.message).toContain('servers["etl-02"].s3_path_prefix is "etl/02/"; allowed: a prefix that neither contains nor lies inside another server\'s (servers["etl"] has "etl/")');
    expect(error.message).toContain('servers["etl-02"].max_session_duration is 600; allowed: must be a whole number of seconds from 900 (the shortest role session STS issues) to 43200');
    expect(error.message).toContain('servers["etl"] (name) is "etl"; allowed: each server name once');
    expect(error.message).toContain('servers["bad-tier"].s3_permissions is "admin"; allowed: must be one of "write", "read-write", "full" (see s3_permissions in docs/CONFIGURATION.md)');
    expect(error.problems).toHaveLength(9);
  });

  test('cognito: an access-token lifetime outside Cognito\'s 300–86400 s stops synth', () => {
    const error = synthError(() => synthServers(environmentConfig('cognito', [server('web-01', 'web-01/', 'write')], { tokenLifetimeSeconds: 172800 })));
    expect(error.code).toBe('INVALID_CONSTRUCT_CONFIG');
    expect(error.problems).toEqual([
      'accessTokenValiditySeconds is 172800; allowed: must be a whole number of seconds from 300 to 86400 for cognito access tokens; fix: set token_lifetime_seconds in foundation.json to 300–86400 for Cognito',
    ]);
  });

  test('auth0: an empty auth0_domain stops synth before any resource is built', () => {
    const error = synthError(() => synthServers(environmentConfig('auth0', [server('web-01', 'web-01/', 'write')], { auth0Domain: '' })));
    expect(error.code).toBe('INVALID_CONSTRUCT_CONFIG');
    expect(error.message).toContain('Auth0ServerAccess servers/server-access: 1 invalid setting(s)');
    expect(error.problems).toEqual([
      'auth0Domain is ""; allowed: must be the bare Auth0 tenant host name, e.g. "tenant.eu.auth0.com" (no https://, no path, no trailing slash); fix: set auth0_domain in foundation.json, e.g. "tenant.eu.auth0.com"',
    ]);
  });

  test('prefixes that merely share leading characters (web-01/ and web-010/) are not an overlap', () => {
    expect(() => synthServers(environmentConfig('auth0', [server('web-01', 'web-01/', 'write'), server('web-010', 'web-010/', 'write')]))).not.toThrow();
  });
});
