/**
 * npm run host-config -- <server> [--outputs FILE|-] [--out-dir DIR] [--secret-path PATH]
 *
 * Renders one host's env file from the servers stack's outputs and writes the client secret to
 * its own owner-only file. The outputs are read by running `cdktf output` into a private
 * directory (or from stdin, or a file the operator names); the secret is never printed.
 */
import { resolve, join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../storage/atomic-file';
import { parseCommandLine } from '../cli/command-line';
import { runMain } from '../cli/run-main';
import { ConfigError, UsageError } from '../errors';
import { readServerOutputs } from '../host-config/read-outputs';
import { renderEnvFile, selectServer } from '../host-config/server-outputs';

const PROGRAM = 'host-config';
const USAGE = `usage: npm run host-config -- <server> [--outputs FILE|-] [--out-dir DIR] [--secret-path PATH]

  (no --outputs)       runs \`cdktf output servers --outputs-file F --outputs-file-include-sensitive-outputs\`
                       itself, with F in a private directory it removes afterwards (set ENVIRONMENT as for deploy)
  --outputs -          reads the outputs JSON from stdin, e.g.
                       terraform -chdir=cdktf.out/stacks/servers output -json | npm run host-config -- web-01 --outputs -
  --outputs FILE       reads them from FILE (keep it private: it holds every server's secret)
  --out-dir DIR        where <server>.env and <server>.secret are written (default ./host-config)
  --secret-path PATH   where the secret will live on the host, for OIDC_CLIENT_SECRET_FILE
                       (default /etc/oidc-s3/secrets/<server>.secret)
`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    outputs: { type: 'string' },
    'out-dir': { type: 'string' },
    'secret-path': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [server, ...extra] = positionals;
  if (!server || extra.length > 0) throw new UsageError('exactly one server name is required (see --help)');
  const { text, origin } = await readServerOutputs(values.outputs, process.cwd());
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    throw new ConfigError('--outputs', `${origin} cannot be read (not valid JSON)`);
  }
  const { configuration, secret } = selectServer(outputs, server, origin);
  const outDir = resolve(values['out-dir'] ?? 'host-config');
  ensurePrivateDir(outDir);
  const secretFile = join(outDir, `${server}.secret`);
  const envFile = join(outDir, `${server}.env`);
  writeFileAtomic(secretFile, `${secret}\n`);
  writeFileAtomic(envFile, renderEnvFile(server, configuration, values['secret-path'] ?? `/etc/oidc-s3/secrets/${server}.secret`));
  process.stdout.write(
    `wrote ${envFile}\nwrote ${secretFile} (mode 0600)\n` +
      `install both on the host (e.g. /etc/oidc-s3/), owner-only, and point --env-file or EnvironmentFile= at the env file\n`,
  );
  return 0;
}

runMain(PROGRAM, () => main(process.argv.slice(2)));
