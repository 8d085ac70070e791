import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The test CA and a `localhost`/`127.0.0.1` server certificate it signed, made by scripts/with-test-ca.mjs. */
export interface TestTls {
  /** PEM file of the CA; Node trusts it through NODE_EXTRA_CA_CERTS, the AWS CLI through AWS_CA_BUNDLE. */
  readonly caFile: string;
  readonly caPem: string;
  /** Server key and certificate for `https.createServer`. */
  readonly key: string;
  readonly cert: string;
}

export function testTls(): TestTls {
  const dir = process.env.OIDC_S3_TEST_TLS_DIR;
  if (!dir) {
    throw new Error('OIDC_S3_TEST_TLS_DIR is not set: run the tests through `npm test` (scripts/with-test-ca.mjs)');
  }
  const caFile = join(dir, 'ca.pem');
  return {
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}
