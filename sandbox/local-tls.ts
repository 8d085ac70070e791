import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The throwaway local CA and a `localhost`/`127.0.0.1` server certificate it signed, made by
 * scripts/with-local-ca.mjs before Node starts (NODE_EXTRA_CA_CERTS is read only at start-up).
 * The tests and the sandbox (`npm start`) both run under it.
 */
export interface LocalTls {
  /** PEM file of the CA; Node trusts it through NODE_EXTRA_CA_CERTS, the AWS CLI and boto3 through AWS_CA_BUNDLE. */
  readonly caFile: string;
  readonly caPem: string;
  /** Server key and certificate for `https.createServer`. */
  readonly key: string;
  readonly cert: string;
}

export function localTls(): LocalTls {
  const dir = process.env.OIDC_S3_LOCAL_CA_DIR;
  if (!dir) {
    throw new Error('OIDC_S3_LOCAL_CA_DIR is not set: run through `npm test` or `npm start` (scripts/with-local-ca.mjs makes the local CA)');
  }
  const caFile = join(dir, 'ca.pem');
  return {
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}
