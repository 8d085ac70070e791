// What the host-client benchmarks share: a worker process started through
// scripts/with-local-ca.mjs (Node trusts the local OAuth server's test CA only if
// NODE_EXTRA_CA_CERTS is set when it starts), with an environment holding nothing that could
// reach real AWS, and the Auth0-flavoured local servers the client's e2e tests stand up.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../modules/bundle';
import type { TestHost } from '../test/client/harness';

export const WORKER_FLAG = '--worker';

/**
 * Runs `file` (a benchmark module) again as `tsx file --worker <options as JSON>` under the test
 * CA and returns the JSON its worker printed last. Only PATH, LANG and TMPDIR are inherited: the worker's children
 * get clean AWS settings on top of this, so no profile or key of the caller leaks in.
 * `nodeFlags` go to the worker's own Node (V8 options that can only be set at start-up).
 */
export async function runWorker<T>(file: string, options: object, nodeFlags: readonly string[] = []): Promise<T> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: process.env.HOME ?? '/tmp' };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/with-local-ca.mjs'), process.execPath, ...nodeFlags, '--import', 'tsx', file, WORKER_FLAG, JSON.stringify(options)], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'], // the worker's progress notes and errors
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} worker exited ${code}`))));
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/**
 * The entry point of a benchmark module run directly: as the worker, prints the figures as one
 * JSON line; otherwise starts the worker and prints them as a table.
 */
export function benchMain<O extends object>(measure: (options: O) => Promise<unknown>, viaWorker: () => Promise<unknown>): void {
  const fail = (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  };
  const flag = process.argv.indexOf(WORKER_FLAG);
  if (flag >= 0) {
    measure(JSON.parse(process.argv[flag + 1] ?? '{}') as O).then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`), fail);
  } else {
    viaWorker().then((figures) => console.table(figures), fail);
  }
}

/** Progress lines on stderr, so a long benchmark shows it is alive. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export interface Auth0Stack {
  /** The built bundles, the host's home and its env file. */
  readonly host: TestHost;
  readonly envFile: string;
  readonly cacheDir: string;
  tokenRequests(): number;
  stsExchanges(): number;
  close(): Promise<void>;
}

const AUDIENCE = 'https://s3-uploader.bench.example';
const CLIENT_ID = 'benchAuthZeroClient';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-bench-host';

/**
 * One Auth0-configured host, as in test/client/auth0.e2e.test.ts: the bundles built into a temp
 * dir, the local OAuth server, and the STS stub verifying its tokens against the JWKS. Must run
 * under the test CA (in the worker).
 */
export async function startAuth0Stack(): Promise<Auth0Stack> {
  const [{ TestHost, auth0HostSettings, auth0StsModel }, { startOAuthServer }, { startStsStub }] = await Promise.all([
    import('../test/client/harness'),
    import('../sandbox/oauth-server'),
    import('../sandbox/sts'),
  ]);
  const clientSecret = `bench-secret-${Math.random().toString(36).slice(2)}`;
  const host = new TestHost('bench-auth0-host');
  const idp = await startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret }] });
  const sts = await startStsStub({
    iam: auth0StsModel({ idp, audience: AUDIENCE, servers: [{ clientId: CLIENT_ID, roleArn: ROLE_ARN }] }),
  });
  host.settings = auth0HostSettings({
    home: host.home,
    tokenUrl: idp.tokenUrl,
    stsUrl: sts.url,
    clientId: CLIENT_ID,
    clientSecret,
    audience: AUDIENCE,
    roleArn: ROLE_ARN,
    region: 'eu-west-1',
  });
  const cacheDir = host.settings.OIDC_CACHE_DIR!;
  return {
    host,
    envFile: host.envFile(),
    cacheDir,
    tokenRequests: () => idp.tokenRequests,
    stsExchanges: () => sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').length,
    async close() {
      await Promise.all([idp.close(), sts.close()]);
      host.close();
    },
  };
}
