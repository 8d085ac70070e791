import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir, loadProviderConfig } from '../../client/config/provider-config';
import { loadS3OpsConfig } from '../../client/config/s3-ops-config';
import { formatEnvValue, parseEnvFile, readEnvFile } from '../../client/config/env-file';
import { ClientError, ConfigError, describeError } from '../../client/errors';

const AUTH0 = {
  OIDC_IDP_TYPE: 'auth0',
  OIDC_TOKEN_URL: 'https://tenant.eu.auth0.com/oauth/token',
  OIDC_CLIENT_ID: 'abc123',
  OIDC_CLIENT_SECRET: 's3cr3t',
  OIDC_AUDIENCE: 'https://s3-uploader.dev.tenant.eu.auth0.com',
  OIDC_ROLE_ARN: 'arn:aws:iam::123456789012:role/oidc-s3-dev-web-01',
  AWS_REGION: 'eu-west-1',
  HOME: '/home/app',
};
const COGNITO = {
  OIDC_IDP_TYPE: 'cognito',
  OIDC_TOKEN_URL: 'https://pool.auth.eu-west-1.amazoncognito.com/oauth2/token',
  OIDC_CLIENT_ID: 'client1',
  OIDC_CLIENT_SECRET: 'secret1',
  CREDENTIAL_VENDING_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/credentials',
  OIDC_SCOPES: 'https://s3.test/write https://s3.test/read',
  HOME: '/home/app',
};

function fileError(env: Record<string, string | undefined>): ClientError {
  try {
    loadProviderConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientError);
    return error as ClientError;
  }
  throw new Error('expected a ClientError');
}

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadProviderConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('provider configuration', () => {
  test('auth0 with CREDENTIAL_VENDING_URL (auth0_exchange "vending"): the vending API, no role, no region needed', () => {
    const { OIDC_ROLE_ARN: _role, AWS_REGION: _region, ...rest } = AUTH0;
    const env = { ...rest, CREDENTIAL_VENDING_URL: 'https://vend.example/credentials' };
    expect(loadProviderConfig(env)).toMatchObject({ idpType: 'auth0', exchange: 'vending', audience: AUTH0.OIDC_AUDIENCE, vendingUrl: 'https://vend.example/credentials' });
    expect(loadProviderConfig(env)).not.toHaveProperty('roleArn');
    expect(() => loadProviderConfig({ ...AUTH0, CREDENTIAL_VENDING_URL: 'https://vend.example/credentials' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('OIDC_ROLE_ARN and CREDENTIAL_VENDING_URL are both set: set OIDC_ROLE_ARN for auth0_exchange "direct", CREDENTIAL_VENDING_URL for "vending"'),
      }),
    );
  });

  test('auth0 defaults: cache under ~/.cache, margin 960 s (beyond botocore\'s 15-minute window), timeout 10 s', () => {
    expect(loadProviderConfig(AUTH0)).toEqual({
      idpType: 'auth0',
      exchange: 'sts',
      tokenUrl: AUTH0.OIDC_TOKEN_URL,
      clientId: 'abc123',
      clientSecret: 's3cr3t',
      audience: AUTH0.OIDC_AUDIENCE,
      scopes: [],
      roleArn: AUTH0.OIDC_ROLE_ARN,
      vendingUrl: undefined,
      region: 'eu-west-1',
      cacheDir: '/home/app/.cache/oidc-s3',
      refreshMarginSeconds: 960,
      sessionDurationSeconds: undefined,
      httpTimeoutSeconds: 10,
    });
  });

  test('cognito: scopes split on spaces, XDG_CACHE_HOME honoured, no region needed', () => {
    const config = loadProviderConfig({ ...COGNITO, XDG_CACHE_HOME: '/var/cache/app', OIDC_SESSION_DURATION_SECONDS: '1800' });
    expect(config.scopes).toEqual(['https://s3.test/write', 'https://s3.test/read']);
    expect(config.cacheDir).toBe('/var/cache/app/oidc-s3');
    expect(config).toMatchObject({ idpType: 'cognito', vendingUrl: COGNITO.CREDENTIAL_VENDING_URL });
    expect(config.sessionDurationSeconds).toBe(1800);
    expect(config.region).toBeUndefined();
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/oidc-s3');
  });

  test('every missing variable is named, in one message', () => {
    const error = configError({});
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.variable).toBe('OIDC_IDP_TYPE');
    expect(error.message).toBe(
      'OIDC_IDP_TYPE is required ("auth0" or "cognito"); OIDC_TOKEN_URL is required; OIDC_CLIENT_ID is required; OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE is required',
    );
  });

  test.each([
    [{ OIDC_IDP_TYPE: 'okta' }, 'OIDC_IDP_TYPE', 'OIDC_IDP_TYPE must be "auth0" or "cognito" (got "okta")'],
    [{ OIDC_TOKEN_URL: 'http://tenant.auth0.com/oauth/token' }, 'OIDC_TOKEN_URL', 'OIDC_TOKEN_URL must use https:// (got "http://tenant.auth0.com/oauth/token")'],
    [{ OIDC_TOKEN_URL: 'tenant.auth0.com' }, 'OIDC_TOKEN_URL', 'OIDC_TOKEN_URL must be an absolute https:// URL (got "tenant.auth0.com")'],
    [{ OIDC_AUDIENCE: '' }, 'OIDC_AUDIENCE', 'OIDC_AUDIENCE is required when OIDC_IDP_TYPE=auth0 (the API identifier)'],
    [{ OIDC_ROLE_ARN: 'arn:aws:iam::12:role/x' }, 'OIDC_ROLE_ARN', 'OIDC_ROLE_ARN must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "arn:aws:iam::12:role/x")'],
    [{ AWS_REGION: '' }, 'AWS_REGION', 'AWS_REGION is required when OIDC_IDP_TYPE=auth0 (the region of STS)'],
    [{ OIDC_CLIENT_SECRET_FILE: '/etc/x' }, 'OIDC_CLIENT_SECRET', 'OIDC_CLIENT_SECRET and OIDC_CLIENT_SECRET_FILE are both set: set only one'],
    [{ OIDC_CACHE_DIR: 'cache' }, 'OIDC_CACHE_DIR', 'OIDC_CACHE_DIR must be an absolute path (got "cache")'],
    [{ OIDC_REFRESH_MARGIN_SECONDS: '5m' }, 'OIDC_REFRESH_MARGIN_SECONDS', 'OIDC_REFRESH_MARGIN_SECONDS must be a whole number of seconds from 0 to 3600 (got "5m")'],
    [{ OIDC_SESSION_DURATION_SECONDS: '600' }, 'OIDC_SESSION_DURATION_SECONDS', 'OIDC_SESSION_DURATION_SECONDS must be a whole number of seconds from 900 to 43200 (got "600")'],
  ])('%j is refused naming the variable', (override, variable, message) => {
    const error = configError({ ...AUTH0, ...override });
    expect(error.variable).toBe(variable);
    expect(error.message).toBe(message);
  });

  test('cognito needs an https vending URL; plain http only to loopback', () => {
    expect(configError({ ...COGNITO, CREDENTIAL_VENDING_URL: undefined }).message).toBe('CREDENTIAL_VENDING_URL is required');
    expect(configError({ ...COGNITO, CREDENTIAL_VENDING_URL: 'http://api.example.com/credentials' }).variable).toBe('CREDENTIAL_VENDING_URL');
    expect(loadProviderConfig({ ...COGNITO, CREDENTIAL_VENDING_URL: 'http://127.0.0.1:8080/credentials' })).toMatchObject({ vendingUrl: 'http://127.0.0.1:8080/credentials' });
  });

  test('the secret file is read (one trailing newline dropped); an unreadable one is named, not its content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-config-'));
    try {
      writeFileSync(join(dir, 'secret'), 'from-a-file\n', { mode: 0o600 });
      const base = { ...AUTH0, OIDC_CLIENT_SECRET: undefined };
      expect(loadProviderConfig({ ...base, OIDC_CLIENT_SECRET_FILE: join(dir, 'secret') }).clientSecret).toBe('from-a-file');
      const missing = fileError({ ...base, OIDC_CLIENT_SECRET_FILE: join(dir, 'missing') });
      expect(describeError(missing)).toBe(`OIDC_CLIENT_SECRET_FILE ${join(dir, 'missing')} does not exist [FILE_NOT_FOUND]`);
      // With another problem beside it, both are named in one CONFIG_INVALID.
      const both = configError({ ...base, OIDC_CLIENT_SECRET_FILE: join(dir, 'missing'), OIDC_CLIENT_ID: '' });
      expect(both.message).toBe(`OIDC_CLIENT_ID is required; OIDC_CLIENT_SECRET_FILE ${join(dir, 'missing')} does not exist`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([0o644, 0o640, 0o604, 0o620])('a secret file with mode %o (group or others may read or write it) is refused', (mode) => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-config-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, 'from-a-file\n');
      chmodSync(file, mode);
      const error = fileError({ ...AUTH0, OIDC_CLIENT_SECRET: undefined, OIDC_CLIENT_SECRET_FILE: file });
      expect(error.code).toBe('UNSAFE_PERMISSIONS');
      expect(error.message).toBe(
        `OIDC_CLIENT_SECRET_FILE ${file} is open to its group or others (owner root (uid 0), group root (gid 0), mode 0${mode.toString(8)}): ` +
          `make it owner-only, owned by the user that runs the client (chmod 600 ${file}), and rotate the secret if others could read it`,
      );
      expect(error.message).not.toContain('from-a-file');
      chmodSync(file, 0o600);
      expect(loadProviderConfig({ ...AUTH0, OIDC_CLIENT_SECRET: undefined, OIDC_CLIENT_SECRET_FILE: file }).clientSecret).toBe('from-a-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('s3-ops settings: prefix normalised, tier checked', () => {
    expect(loadS3OpsConfig({ S3_BUCKET: 'b', S3_PREFIX: 'web-01', S3_PERMISSIONS: 'full' })).toEqual({ bucket: 'b', prefix: 'web-01/', region: undefined, permissions: 'full' });
    expect(() => loadS3OpsConfig({ S3_PREFIX: '/web-01/' })).toThrow('S3_PREFIX must not start with "/" (got "/web-01/")');
    expect(() => loadS3OpsConfig({ S3_PERMISSIONS: 'admin' })).toThrow('S3_PERMISSIONS must be one of write, read-write, full (got "admin")');
  });
});

describe('env files', () => {
  test('KEY=VALUE lines with comments, export, and quotes', () => {
    const text = [
      '# comment',
      '',
      'OIDC_IDP_TYPE=auth0',
      'export AWS_REGION = eu-west-1 # trailing comment',
      'OIDC_SCOPES="https://s3.test/write https://s3.test/read"',
      "OIDC_CLIENT_SECRET='a#b c'",
      'EMPTY=',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      OIDC_IDP_TYPE: 'auth0',
      AWS_REGION: 'eu-west-1',
      OIDC_SCOPES: 'https://s3.test/write https://s3.test/read',
      OIDC_CLIENT_SECRET: 'a#b c',
      EMPTY: '',
    });
  });

  test.each([
    'plain', 'with space', 'say "hi"', 'back\\slash', '$HOME and ${PATH}', 'back`tick', 'x # not a comment', '',
    'two\nlines', 'carriage\rreturn', 'crlf\r\nend', "single ' quote", '\\n is not a newline', 'ends with backslash\\', '"', '\n',
  ])(
    'a value written with formatEnvValue reads back unchanged: %j',
    (value) => {
      expect(parseEnvFile(`KEY=${formatEnvValue(value)}`)).toEqual({ KEY: value });
      // …and keeps the lines after it in place.
      expect(parseEnvFile(`A=1\nKEY=${formatEnvValue(value)}\nB=2\n`)).toEqual({ A: '1', KEY: value, B: '2' });
    },
  );

  test('text after a closing quote is an error, not dropped', () => {
    expect(() => parseEnvFile('A=1\nK="a"b', 'f')).toThrow(`f:2 has text after the closing " quote of K ("b"): quote the whole value`);
    expect(() => parseEnvFile("K='a' b", 'f')).toThrow(`f:1 has text after the closing ' quote of K ("b"): quote the whole value`);
    expect(parseEnvFile('K="a"  # a comment\r\nL=2')).toEqual({ K: 'a', L: '2' });
  });

  test('a key set twice is an error naming the file, both lines and the key; a BOM is ignored', () => {
    const error = (() => {
      try {
        parseEnvFile('\ufeffA=1\n# c\nB="x\ny"\nA=2\n', '/etc/oidc-s3/config.env');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected an error');
    })();
    expect(describeError(error)).toBe('/etc/oidc-s3/config.env:5 sets A again (first set on line 1); keep one [CONFIG_INVALID]');
    expect(parseEnvFile('\ufeffA=1')).toEqual({ A: '1' });
  });

  test('a bad line or an unreadable file is an error naming the place', () => {
    expect(() => parseEnvFile('GOOD=1\nnot a setting', '/etc/oidc-s3/config.env')).toThrow('/etc/oidc-s3/config.env:2 is not a KEY=VALUE line');
    expect(() => parseEnvFile('A="open', 'f')).toThrow('f:1 has an unterminated " quote');
    try {
      readEnvFile('/nonexistent/oidc.env');
      throw new Error('expected an error');
    } catch (error) {
      expect((error as ClientError).code).toBe('FILE_NOT_FOUND');
      expect(describeError(error)).toBe('--env-file /nonexistent/oidc.env does not exist [FILE_NOT_FOUND]');
    }
  });
});
