#!/usr/bin/env node
// Runs a command (the test runner, or the local sandbox of `npm start`) with a throwaway
// certificate authority trusted by Node. NODE_EXTRA_CA_CERTS is read only when a Node process
// starts, so the CA must exist before the command does; every process it starts (the Lambda
// handler, the client bundles) inherits it, and no code under test has a TLS switch of its own.
// The CA lives in a private temporary directory that is removed when the command ends.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'oidc-s3-local-ca-'));
const run = (command, args) => execFileSync(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
// Certificates valid from a day ago (openssl 3.0 cannot backdate by itself, so under faketime when
// it is installed), so that clients run under a clock set back (the clock-skew tests) trust them.
let backdate = true;
const openssl = (...args) => {
  if (backdate) {
    try {
      return run('faketime', ['-f', '-1d', 'openssl', ...args]);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      backdate = false;
    }
  }
  return run('openssl', args);
};

openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3',
  '-subj', '/CN=oidc-s3 local CA (throwaway)', '-keyout', 'ca.key', '-out', 'ca.pem',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
writeFileSync(join(dir, 'server.ext'),
  'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
  '-days', '3', '-extfile', 'server.ext', '-out', 'server.pem');

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), OIDC_S3_LOCAL_CA_DIR: dir },
});
const cleanup = () => rmSync(dir, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
