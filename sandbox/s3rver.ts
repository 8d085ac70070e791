// S3 for the tests and the sandbox: s3rver speaks the S3 REST protocol over a temp directory. It checks that the
// access key of every signed request is one it knows (it does not recompute SigV4 signatures), so
// tests register the keys the STS stub hands out and any other key is refused (InvalidAccessKeyId).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTls } from './local-tls';
import { installS3Checksums } from './s3-checksums';
import { correctStore, type FilesystemStore } from './s3rver-store';

interface S3rverInstance {
  readonly store: FilesystemStore;
  /** Koa's middleware list (s3rver is a Koa app), composed when it starts listening. */
  readonly middleware: Parameters<typeof installS3Checksums>[0]['middleware'];
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface AwsAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: AwsAccount };

export interface LocalS3 {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_S3 / --endpoint-url (path-style addressing). */
  readonly url: string;
  readonly bucket: string;
  /** Where s3rver keeps objects: `<directory>/<bucket>/<key>._S3rver_object`. */
  readonly directory: string;
  /** Access key pairs accepted besides s3rver's default S3RVER/S3RVER. */
  readonly accessKeys: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Makes s3rver accept another key pair (until close), e.g. each STS session the sandbox's S3 endpoint lets through. */
  admit(accessKeyId: string, secretAccessKey: string): void;
  close(): Promise<void>;
}

export interface LocalS3Options {
  readonly bucket?: string;
  /**
   * Serve HTTPS with the local CA's certificate. Needed by clients that sign payloads in
   * aws-chunked streaming form over plain HTTP (minio-go, so restic), which s3rver stores as is.
   * @default false
   */
  readonly tls?: boolean;
}

export async function startS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'oidc-s3-s3rver-'));
  const bucket = options.bucket ?? 'oidc-s3-test-uploads';
  const suffix = Math.random().toString(36).slice(2, 10).toUpperCase();
  const accessKeys = { accessKeyId: `ASIATEST${suffix}`, secretAccessKey: `test-secret-${suffix}` };
  DUMMY_ACCOUNT.createKeyPair(accessKeys.accessKeyId, accessKeys.secretAccessKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
    ...(options.tls ? { key: localTls().key, cert: localTls().cert } : {}),
  });
  const store = correctStore(server.store);
  installS3Checksums({ middleware: server.middleware, store: server.store });
  const { port } = await server.run();
  const admitted: string[] = [];
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    bucket,
    directory,
    accessKeys,
    admit(accessKeyId, secretAccessKey) {
      DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
      admitted.push(accessKeyId);
    },
    async close() {
      await server.close();
      await store.close();
      DUMMY_ACCOUNT.revokeAccessKey(accessKeys.accessKeyId);
      for (const id of admitted) DUMMY_ACCOUNT.revokeAccessKey(id);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
