// host-config (env file + secret file from the servers stack's outputs), S3 error explanations,
// and the shipped examples and systemd units.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadProviderConfig } from '../../client/config/provider-config';
import { parseEnvFile } from '../../client/config/env-file';
import { ConfigError } from '../../client/errors';
import { renderEnvFile, selectServer } from '../../client/host-config/server-outputs';
import { explainS3Error, REQUIRED_TIER, type S3Target } from '../../client/s3/object-operations';
import { unprivilegedUser } from './local-user';

const REPO = join(__dirname, '..', '..');
const SECRET = `host-secret-${Math.random().toString(36).slice(2)}`;

const configurations = {
  'web-01': {
    role_arn: 'arn:aws:iam::123456789012:role/oidc-s3-dev-web-01',
    client_id: 'AuthZeroClientWeb01',
    s3_path_prefix: 'web-01/',
    s3_permissions: 'write',
    bucket_name: 'oidc-s3-dev-uploads',
    aws_region: 'eu-west-1',
    identity_provider: 'auth0',
    token_endpoint: 'https://tenant.eu.auth0.com/oauth/token',
    audience: 'https://s3-uploader.dev.tenant.eu.auth0.com',
  },
  'etl-02': {
    role_arn: 'arn:aws:iam::123456789012:role/oidc-s3-dev-etl-02',
    client_id: 'cognitoetl02',
    s3_path_prefix: 'etl/02/',
    s3_permissions: 'full',
    bucket_name: 'oidc-s3-dev-uploads',
    aws_region: 'eu-west-1',
    identity_provider: 'cognito',
    token_endpoint: 'https://oidc-s3-dev.auth.eu-west-1.amazoncognito.com/oauth2/token',
    credential_vending_url: 'https://abc.execute-api.eu-west-1.amazonaws.com/credentials',
    scopes: 'https://s3-uploader.dev/write https://s3-uploader.dev/read https://s3-uploader.dev/delete https://s3-uploader.dev/list',
  },
};
const nested = { servers: { server_configurations: configurations, server_secrets: { 'web-01': SECRET, 'etl-02': SECRET } } };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oidc-s3-host-kit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('host-config', () => {
  test('the CLI writes an env file and an owner-only secret file, and never prints the secret', async () => {
    const outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify(nested));
    const outDir = join(dir, 'out');
    const { stdout, stderr } = await promisify(execFile)(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'client/bin/host-config.ts'), 'etl-02', '--outputs', outputs, '--out-dir', outDir, '--secret-path', join(outDir, 'etl-02.secret')], { cwd: dir });
    expect(stderr).toBe('');
    expect(stdout).not.toContain(SECRET);
    expect(stdout).toContain(`wrote ${join(outDir, 'etl-02.env')}`);
    expect(readdirSync(outDir).sort()).toEqual(['etl-02.env', 'etl-02.secret']);
    expect(statSync(outDir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(outDir)) expect(statSync(join(outDir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(outDir, 'etl-02.secret'), 'utf8')).toBe(`${SECRET}\n`);
    const envText = readFileSync(join(outDir, 'etl-02.env'), 'utf8');
    expect(envText).not.toContain(SECRET);
    // What the host will load: the rendered file, through the client's own parser and validation.
    const config = loadProviderConfig({ ...parseEnvFile(envText), HOME: '/home/app' });
    expect(config).toMatchObject({
      idpType: 'cognito',
      clientId: 'cognitoetl02',
      clientSecret: SECRET,
      vendingUrl: configurations['etl-02'].credential_vending_url,
      scopes: configurations['etl-02'].scopes.split(' '),
    });
    expect(parseEnvFile(envText)).toMatchObject({ S3_BUCKET: 'oidc-s3-dev-uploads', S3_PREFIX: 'etl/02/', S3_PERMISSIONS: 'full', AWS_REGION: 'eu-west-1' });
  }, 20_000);

  /** Runs host-config as `npm run host-config` would, with `bin` first on PATH and `stdin` piped in. */
  function hostConfig(args: string[], options: { bin?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolvePromise) => {
      const child = spawn(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'client/bin/host-config.ts'), ...args], {
        cwd: dir,
        env: { ...process.env, PATH: `${options.bin ? `${options.bin}:` : ''}${process.env.PATH}`, ...options.env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(options.stdin ?? '');
      child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    });
  }

  test('with no --outputs it runs cdktf output itself, into an owner-only file in a private directory it then removes', async () => {
    const other = unprivilegedUser();
    const bin = join(dir, 'bin');
    const log = join(dir, 'cdktf.log');
    const outputsJson = join(dir, 'served.json');
    writeFileSync(outputsJson, JSON.stringify(nested));
    mkdirSync(bin);
    // A stand-in for cdktf that writes the outputs where it is told, and records what a second
    // local user could do with that file meanwhile.
    writeFileSync(
      join(bin, 'cdktf'),
      [
        '#!/bin/sh',
        'f="$4"; d=$(dirname "$f")',
        `echo "args: $*" > ${log}`,
        `stat -c 'dir %a %u' "$d" >> ${log}`,
        `stat -c 'file before %a %u %s' "$f" >> ${log}`,
        `cat ${outputsJson} > "$f"`,
        `if ${other.asUser.join(' ')} cat "$f" >/dev/null 2>&1; then echo 'other user read it' >> ${log}; else echo 'other user could not read it' >> ${log}; fi`,
        `if ${other.asUser.join(' ')} sh -c "echo planted > $d/planted" 2>/dev/null; then echo 'other user planted a file' >> ${log}; else echo 'other user could not plant a file' >> ${log}; fi`,
        `echo "$d" > ${log}.dir`,
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'cdktf'), 0o755);
    const outDir = join(dir, 'out');
    const result = await hostConfig(['web-01', '--out-dir', outDir], { bin });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(SECRET);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^args: output servers --outputs-file \/.*\/outputs\.json --outputs-file-include-sensitive-outputs$/);
    expect(lines.slice(1)).toEqual([`dir 700 ${process.getuid!()}`, `file before 600 ${process.getuid!()} 0`, 'other user could not read it', 'other user could not plant a file']);
    expect(existsSync(readFileSync(`${log}.dir`, 'utf8').trim())).toBe(false);
    expect(readFileSync(join(outDir, 'web-01.secret'), 'utf8')).toBe(`${SECRET}\n`);
    expect(parseEnvFile(readFileSync(join(outDir, 'web-01.env'), 'utf8'))).toMatchObject({ OIDC_CLIENT_ID: 'AuthZeroClientWeb01' });
  }, 30_000);

  test('a failing cdktf output is one coded line naming the way round; --outputs - reads terraform output -json from stdin', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'cdktf'), '#!/bin/sh\necho "Error: stack servers has no state" >&2\nexit 1\n');
    chmodSync(join(bin, 'cdktf'), 0o755);
    const failed = await hostConfig(['web-01'], { bin });
    expect(failed.stderr).toBe('host-config: cdktf output servers failed (exit 1): Error: stack servers has no state; or pipe `terraform output -json` into --outputs - [CONFIG_INVALID]\n');
    expect(failed.code).toBe(1);
    // `terraform output -json` wraps each output as {value, type, sensitive}.
    const terraformJson = JSON.stringify({
      server_configurations: { value: configurations, type: 'object', sensitive: false },
      server_secrets: { value: { 'web-01': SECRET }, type: 'object', sensitive: true },
    });
    const outDir = join(dir, 'out');
    const piped = await hostConfig(['web-01', '--outputs', '-', '--out-dir', outDir], { stdin: terraformJson });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(readFileSync(join(outDir, 'web-01.secret'), 'utf8')).toBe(`${SECRET}\n`);
  }, 30_000);

  test('an auth0 server renders audience and role; the flat outputs shape is accepted too', () => {
    const flat = { server_configurations: configurations, server_secrets: { 'web-01': SECRET } };
    const { configuration, secret } = selectServer(flat, 'web-01');
    expect(secret).toBe(SECRET);
    const env = parseEnvFile(renderEnvFile('web-01', configuration, '/etc/oidc-s3/web-01.secret'));
    expect(env).toEqual({
      OIDC_IDP_TYPE: 'auth0',
      OIDC_TOKEN_URL: 'https://tenant.eu.auth0.com/oauth/token',
      OIDC_CLIENT_ID: 'AuthZeroClientWeb01',
      OIDC_CLIENT_SECRET_FILE: '/etc/oidc-s3/web-01.secret',
      OIDC_AUDIENCE: 'https://s3-uploader.dev.tenant.eu.auth0.com',
      OIDC_ROLE_ARN: 'arn:aws:iam::123456789012:role/oidc-s3-dev-web-01',
      AWS_REGION: 'eu-west-1',
      S3_BUCKET: 'oidc-s3-dev-uploads',
      S3_PREFIX: 'web-01/',
      S3_PERMISSIONS: 'write',
    });
  });

  test.each([
    [nested, 'db-9', 'outputs: server_configurations has no server "db-9" (known: etl-02, web-01)'],
    [{ servers: { server_configurations: configurations } }, 'web-01', 'outputs: server_secrets.web-01 is missing: write the outputs with --outputs-file-include-sensitive-outputs'],
    [{ servers: { server_configurations: { 'web-01': { ...configurations['web-01'], audience: undefined } }, server_secrets: { 'web-01': SECRET } } }, 'web-01', 'outputs: server_configurations.web-01.audience is required for auth0'],
    [{ servers: { server_configurations: { 'web-01': { ...configurations['web-01'], s3_permissions: 'admin' } }, server_secrets: { 'web-01': SECRET } } }, 'web-01', 'outputs: server_configurations.web-01.s3_permissions must be one of write, read-write, full'],
    [{ foundation: {} }, 'web-01', 'outputs: servers must be an object'],
  ])('bad outputs are refused with the key named (%#)', (outputs, server, message) => {
    let error: unknown;
    try {
      selectServer(outputs, server);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).message).toBe(message);
  });
});

describe('S3 errors', () => {
  const target = (permissions?: 'write' | 'read-write' | 'full'): S3Target => ({ client: undefined as never, bucket: 'uploads', prefix: 'web-01/', permissions });
  const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

  test('AccessDenied names the tier the operation needs and the host has', () => {
    expect(REQUIRED_TIER).toEqual({ upload: 'write', download: 'read-write', delete: 'full', list: 'full' });
    const error = explainS3Error(denied, 'download', target('write'), 'web-01/a.log');
    expect(error.code).toBe('S3_ACCESS_DENIED');
    expect(error.message).toBe(
      'download s3://uploads/web-01/a.log was denied: download needs the "read-write" tier or higher (upload and download); this host\'s tier is "write" (upload only)',
    );
    expect(explainS3Error(denied, 'list', target(), 'web-01/').message).toBe(
      'list s3://uploads/web-01/ was denied: list needs the "full" tier or higher (upload, download, delete and list); this host\'s tier is not known here (S3_PERMISSIONS)',
    );
  });

  test('other failures keep the S3 error name, one line', () => {
    const error = explainS3Error(Object.assign(new Error('The specified bucket does not exist\nmore'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }), 'list', target('full'), 'web-01/');
    expect(error.code).toBe('S3_OPERATION_FAILED');
    expect(error.message).toBe('list s3://uploads/web-01/ failed: NoSuchBucket: The specified bucket does not exist');
  });
});

describe('host kit files', () => {
  test('the example env files load as valid configurations (secret file aside)', () => {
    for (const name of ['auth0.env', 'cognito.env']) {
      const env = parseEnvFile(readFileSync(join(REPO, 'client/examples', name), 'utf8'));
      const secretFile = join(dir, 'secret');
      writeFileSync(secretFile, 'x', { mode: 0o600 });
      expect(() => loadProviderConfig({ ...env, OIDC_CLIENT_SECRET_FILE: secretFile, HOME: '/h' })).not.toThrow();
    }
  });

  test.each(['oidc-s3-credentials@.service', 'oidc-s3-token-daemon@.service', 'oidc-s3-serve@.service'])('%s is hardened', (unit) => {
    const text = readFileSync(join(REPO, 'client/systemd', unit), 'utf8');
    for (const setting of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'UMask=0077', 'CapabilityBoundingSet=\n']) {
      expect(text).toContain(setting);
    }
    expect(text).toMatch(/^User=oidc-s3$/m);
    expect(text).toMatch(/^ReadWritePaths=\S+/m);
    expect(text).toMatch(/^EnvironmentFile=\/etc\/oidc-s3\/%i\.env$/m);
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/oidc-credential-provider (credential-daemon|token-daemon|serve) /m);
  });
});
