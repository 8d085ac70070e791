/**
 * `npm start`: the local sandbox of one environment (ENVIRONMENT, default dev). A rehearsal and a
 * test bed, not an emulation of AWS: it serves what the platform uses (token endpoint, STS,
 * the vending route, S3) on 127.0.0.1, enforcing the synthesized policies. See sandbox/environment.ts.
 *
 * Settings (environment): ENVIRONMENT; OIDC_S3_SANDBOX_AZP_READING = `azp` (default) or `aud`,
 * how the STS stand-in reads an Auth0 token's azp claim (docs/IMPLEMENTATION.md, "Auth0 exchange").
 * Runs under scripts/with-local-ca.mjs, which makes the throwaway CA its HTTPS endpoints use.
 */
import { watch } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../config/errors';
import { Sandbox, SynthError } from './environment';
import type { AzpReading } from './sts';

const ROOT = join(__dirname, '..');

function readingFrom(value: string | undefined): AzpReading {
  if (value === undefined || value === '' || value === 'azp') return 'azp';
  if (value === 'aud') return 'aud';
  throw new Error(`OIDC_S3_SANDBOX_AZP_READING must be "azp" or "aud" (got "${value}")`);
}

function tryIt(sandbox: Sandbox): string {
  const enabled = sandbox.serverList.filter((s) => s.envFile);
  const server = enabled.find((s) => s.tier === 'write') ?? enabled[0];
  if (!server) return 'no enabled server in servers.json: enable one and the sandbox picks it up\n';
  const config = relative(process.cwd(), sandbox.awsConfigFile) || sandbox.awsConfigFile;
  const other = sandbox.serverList.find((s) => s.name !== server.name)?.prefix ?? 'someone-else/';
  const aws = `AWS_CONFIG_FILE=${config} AWS_CA_BUNDLE=${sandbox.tls.caFile} aws --profile ${server.name} --endpoint-url ${sandbox.gateway.url}`;
  return [
    `Try it, as server ${server.name} (tier ${server.tier}, prefix ${server.prefix}):`,
    `  ${aws} s3 cp README.md s3://${sandbox.bucket}/${server.prefix}README.md`,
    `      -> upload: README.md to s3://${sandbox.bucket}/${server.prefix}README.md`,
    `  ${aws} s3 cp README.md s3://${sandbox.bucket}/${other}README.md`,
    `      -> AccessDenied: outside ${server.prefix}`,
    `Host files (what host-config writes): ${relative(process.cwd(), sandbox.hostsDir)}/<server>.env and .secret; s3-ops and oidc-credential-provider take --env-file.`,
    `Edit environments/${process.env.ENVIRONMENT ?? 'dev'}/servers.json and the sandbox follows. Ctrl-C stops it and removes .sandbox/${process.env.ENVIRONMENT ?? 'dev'}/.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // The SDK's notice about Node versions would interleave with the ready line; the client does the same.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const environment = process.env.ENVIRONMENT ?? 'dev';
  const azpReading = readingFrom(process.env.OIDC_S3_SANDBOX_AZP_READING);
  const log = (line: string) => process.stdout.write(`sandbox: ${line}\n`);
  log('a local rehearsal of the platform: stand-ins for the identity provider, STS, the vending API and S3, on 127.0.0.1 only (not an AWS emulator)');
  const sandbox = await Sandbox.start({ rootDir: ROOT, environment, azpReading, log });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    watcher.close();
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started through npm and scripts/with-local-ca.mjs: if those go away without a signal reaching
  // this process, it must not linger holding ports and files.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent exited');
  }, 1000).unref();

  // servers.json (or foundation.json) edited: re-synthesize, then apply the difference.
  let timer: NodeJS.Timeout | undefined;
  let reloading = Promise.resolve();
  const watcher = watch(join(ROOT, 'environments', environment), (_event, file) => {
    if (file !== 'servers.json' && file !== 'foundation.json') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(async () => {
        if (stopping) return;
        const before = new Set(sandbox.serverList.filter((s) => s.enabled).map((s) => s.name));
        try {
          await sandbox.reload();
        } catch (error) {
          log(`${file} changed, but ${error instanceof ConfigError || error instanceof SynthError ? error.message : String(error)}\nsandbox: still serving the previous configuration`);
          return;
        }
        const after = new Set(sandbox.serverList.filter((s) => s.enabled).map((s) => s.name));
        const added = [...after].filter((s) => !before.has(s));
        const removed = [...before].filter((s) => !after.has(s));
        log(`reloaded ${file}: ${after.size} enabled server(s)${added.length ? `; added ${added.join(', ')}` : ''}${removed.length ? `; disabled or removed ${removed.join(', ')}` : ''}`);
      });
    }, 250);
  });

  const enabled = sandbox.serverList.filter((s) => s.enabled).length;
  const mode = sandbox.identityProvider === 'auth0' ? (sandbox.vending ? 'auth0, vending exchange' : `auth0, direct exchange, STS reads azp as "${sandbox.stsReading}"`) : 'cognito, vending API';
  process.stdout.write(
    `sandbox ready: ${environment} (${mode}), ${enabled} enabled server(s); token endpoint ${sandbox.idp.tokenUrl}, STS ${sandbox.sts.url}, S3 ${sandbox.gateway.url}, bucket ${sandbox.bucket}\n`,
  );
  if (sandbox.identityProvider === 'auth0' && !sandbox.vending) {
    log(
      sandbox.stsReading === 'azp'
        ? 'STS applies the azp reading: a token with azp is matched on azp (the client id), :oaud = its aud (OIDC_S3_SANDBOX_AZP_READING=aud for the documented reading)'
        : 'STS applies the aud reading: the token aud is matched against the client ID list (OIDC_S3_SANDBOX_AZP_READING=azp for the reported one)',
    );
  }
  process.stdout.write(tryIt(sandbox));
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox: ${error instanceof ConfigError || error instanceof SynthError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
