// Shared parts of the host client's end-to-end tests: the bundles built once per test file, clean
// child environments, and small runners for the bundles, the AWS CLI and boto3.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleClient } from '../../modules/bundle';
import { auth0WebIdentityTrust } from '../../modules/policies/server-trust';
import type { OAuthServer } from '../../sandbox/oauth-server';
import { staticIam, type IamModel } from '../../sandbox/sts';

export interface Bundles {
  readonly provider: string;
  readonly s3ops: string;
  readonly mcp: string;
  readonly dir: string;
}

/** The provider and s3-ops bundles at once; oidc-s3-mcp (the largest) only when a test asks for it. */
export function buildBundles(): Bundles {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-client-bundle-'));
  const [provider, s3ops] = bundleClient(dir, ['oidc-credential-provider', 's3-ops']) as [string, string];
  let mcp: string | undefined;
  return {
    provider,
    s3ops,
    dir,
    get mcp() {
      mcp ??= bundleClient(dir, ['oidc-s3-mcp'])[0]!;
      return mcp;
    },
  };
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `oidc-s3-${label}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * A child environment with nothing inherited that could reach real AWS: no keys, no profile,
 * config and credentials files in `home`, instance metadata off.
 */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program asynchronously (the servers live in this process, so never spawnSync). */
export function run(command: string, args: readonly string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** An AWS config with a credential_process profile for the built provider, path-style S3. */
export function writeAwsConfig(home: string, providerBundle: string, envFile: string, region: string): string {
  const path = join(home, 'aws-config');
  writeFileSync(
    path,
    [
      '[profile oidc-s3]',
      `credential_process = ${process.execPath} ${providerBundle} get-credentials --env-file ${envFile}`,
      `region = ${region}`,
      's3 =',
      '    addressing_style = path',
      '',
    ].join('\n'),
  );
  return path;
}

export function writeEnvFile(path: string, values: Record<string, string>): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `# test host\n${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return path;
}

/** boto3 (Debian's, under /usr/bin/python3) uploading and downloading through the profile. */
export const BOTO3_SCRIPT = `
import sys, boto3
from botocore.config import Config
endpoint, bucket, key, local, out = sys.argv[1:6]
s3 = boto3.session.Session(profile_name='oidc-s3').client('s3', endpoint_url=endpoint, config=Config(s3={'addressing_style': 'path'}))
s3.upload_file(local, bucket, key)
s3.download_file(bucket, key, out)
print(s3._request_signer._credentials.get_frozen_credentials().access_key)
`;

export interface CountingServer {
  readonly url: string;
  requests: number;
  close(): Promise<void>;
}

/** A plain HTTP server in front of an in-process handler, counting requests. */
export async function startHttp(handle: (req: IncomingMessage, body: string) => Promise<{ status: number; headers?: Record<string, string>; body: string }>): Promise<CountingServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      api.requests += 1;
      handle(req, Buffer.concat(chunks).toString('utf8')).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'test_server_error', message: String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api: CountingServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

/** One simulated host: its home directory, the built bundles and its env files. */
export class TestHost {
  readonly home: string;
  readonly bundles: Bundles;
  /** The host's settings; env files are written from these plus per-test overrides. */
  settings: Record<string, string> = {};

  constructor(label: string) {
    this.bundles = buildBundles();
    this.home = tempDir(label);
  }

  /** Writes `<home>/<name>` from the settings with `overrides` applied, and returns its path. */
  envFile(overrides: Record<string, string> = {}, name = 'host.env'): string {
    return writeEnvFile(join(this.home, name), { ...this.settings, ...overrides });
  }

  /** `get-credentials` as a consumer starts it; `timeoutMs` is generous for 50 at once on a busy machine. */
  getCredentials(envFile: string, timeoutMs?: number): Promise<RunResult> {
    return run(process.execPath, ['--', this.bundles.provider, 'get-credentials', '--env-file', envFile], cleanEnv(this.home), { timeoutMs });
  }

  close(): void {
    removeDir(this.home);
    removeDir(this.bundles.dir);
  }
}

export interface Auth0StsModelInput {
  readonly idp: Pick<OAuthServer, 'issuer' | 'jwksUrl'>;
  readonly audience: string;
  /** Each server's Auth0 client and role (MaxSessionDuration 3600 unless given). */
  readonly servers: ReadonlyArray<{ readonly clientId: string; readonly roleArn: string; readonly maxSessionDuration?: number }>;
}

/**
 * The IAM side of Auth0 servers in direct mode, for the STS stand-in: the OIDC provider (client ID
 * list = the API identifier and the servers' client ids) and one role per server trusting it with
 * the policy the servers stack deploys.
 */
export function auth0StsModel(input: Auth0StsModelInput): IamModel {
  const conditionKeyPrefix = input.idp.issuer.replace(/^https:\/\//, '');
  const providerArn = `arn:aws:iam::123456789012:oidc-provider/${conditionKeyPrefix}`;
  return staticIam({
    providers: [{ arn: providerArn, issuer: input.idp.issuer, conditionKeyPrefix, clientIds: [input.audience, ...input.servers.map((s) => s.clientId)], jwksUrl: input.idp.jwksUrl }],
    roles: input.servers.map((server) => ({
      arn: server.roleArn,
      maxSessionDuration: server.maxSessionDuration ?? 3600,
      trustPolicy: auth0WebIdentityTrust({ oidcProviderArn: providerArn, oidcProviderUrl: conditionKeyPrefix, audience: input.audience, clientId: server.clientId }),
    })),
  });
}

export interface Auth0HostSettingsInput {
  /** Where the secret file and the cache go. */
  readonly home: string;
  readonly tokenUrl: string;
  readonly stsUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly audience: string;
  readonly roleArn: string;
  readonly region: string;
}

/** An Auth0 host's client settings, its secret written to a 0600 file as host-config does. */
export function auth0HostSettings(input: Auth0HostSettingsInput): Record<string, string> {
  const secretFile = join(input.home, 'client.secret');
  writeFileSync(secretFile, `${input.clientSecret}\n`, { mode: 0o600 });
  return {
    OIDC_IDP_TYPE: 'auth0',
    OIDC_TOKEN_URL: input.tokenUrl,
    OIDC_CLIENT_ID: input.clientId,
    OIDC_CLIENT_SECRET_FILE: secretFile,
    OIDC_AUDIENCE: input.audience,
    OIDC_ROLE_ARN: input.roleArn,
    AWS_REGION: input.region,
    AWS_ENDPOINT_URL_STS: input.stsUrl,
    OIDC_CACHE_DIR: join(input.home, 'cache'),
  };
}
