/**
 * s3-ops: upload, download, list and delete under this host's prefix, with whatever credentials
 * the SDK's default chain finds (a credential_process profile, the credential daemon's profile,
 * a web-identity token file, or the environment).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { basename } from 'node:path';
import { applyEnvFile, parseCommandLine } from '../cli/command-line';
import { runMain } from '../cli/run-main';
import { loadS3OpsConfig } from '../config/s3-ops-config';
import { ConfigError, UsageError } from '../errors';
import { CredentialChainLog } from '../s3/credential-chain-log';
import { SocketBodyHandler } from '../s3/socket-body-handler';
import {
  DEFAULT_PART_SIZE,
  MIB,
  deleteObject,
  downloadFile,
  listObjects,
  uploadFile,
  type S3Target,
} from '../s3/object-operations';

const PROGRAM = 's3-ops';

const USAGE = `usage: ${PROGRAM} <command> [options]

commands (keys are relative to S3_PREFIX):
  upload <file> [key]        key defaults to the file's name; multipart above --part-size,
                             8 parts at a time
  download <key> [file]      file defaults to the key's last segment; ranged GETs of
                             --part-size, 8 at a time, above it
  list [sub-prefix]          one line per object: size, last modified, key
  delete <key>

options:
  --bucket NAME              default $S3_BUCKET
  --prefix PREFIX            default $S3_PREFIX
  --part-size MIB            part size and threshold of multipart uploads and ranged
                             downloads (default 8, at least 5)
  --env-file FILE            KEY=VALUE lines that override the environment
  --path-style               path-style addressing (S3-compatible servers)

credentials: the AWS SDK's default chain (AWS_PROFILE, AWS_CONFIG_FILE, credential_process, ...).
S3_PERMISSIONS (write | read-write | full) lets AccessDenied errors name the missing tier.
`;

const OPTIONS = {
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  'part-size': { type: 'string' },
  'env-file': { type: 'string' },
  'path-style': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ARITY: Readonly<Record<string, readonly [number, number]>> = {
  upload: [1, 2],
  download: [1, 2],
  list: [0, 1],
  delete: [1, 1],
};

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS);
  const [command, ...operands] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const arity = command ? ARITY[command] : undefined;
  if (!command || !arity) throw new UsageError(`${command ? `unknown command "${command}"` : 'a command is required'}: upload, download, list or delete (see --help)`);
  if (operands.length < arity[0] || operands.length > arity[1]) throw new UsageError(`${command} takes ${arity[0]}–${arity[1]} arguments (see --help)`);

  const env = applyEnvFile(values['env-file']);
  const config = loadS3OpsConfig({ ...env, ...(values.bucket ? { S3_BUCKET: values.bucket } : {}), ...(values.prefix !== undefined ? { S3_PREFIX: values.prefix } : {}) });
  if (!config.bucket) throw new ConfigError('S3_BUCKET', 'is required (or --bucket)');
  const partSize = values['part-size'] === undefined ? DEFAULT_PART_SIZE : Number(values['part-size']) * MIB;
  if (!Number.isFinite(partSize) || partSize < 5 * MIB) throw new UsageError(`--part-size must be a number of MiB, at least 5 (got "${values['part-size']}")`);

  // The SDK hands its logger to the default credential chain, which logs why each link failed.
  const credentialLog = new CredentialChainLog();
  const client = new S3Client({
    region: config.region,
    forcePathStyle: values['path-style'] ?? env.S3_FORCE_PATH_STYLE === 'true',
    logger: credentialLog.logger,
    // A download's ranged GETs read their bodies straight from the socket; the rest as before.
    requestHandler: new SocketBodyHandler(new NodeHttpHandler()),
  });
  const target: S3Target = { client, bucket: config.bucket, prefix: config.prefix, permissions: config.permissions, credentialLog };
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    switch (command) {
      case 'upload': {
        const [file, key] = operands as [string, string | undefined];
        const result = await uploadFile(target, file, key ?? basename(file), partSize);
        say(`uploaded ${file} to s3://${target.bucket}/${result.key} (${result.bytes} bytes${result.etagVerified ? ', ETag verified' : ''}${result.crc32Verified ? ', CRC32 verified' : ''})`);
        break;
      }
      case 'download': {
        const [key, file] = operands as [string, string | undefined];
        const result = await downloadFile(target, key, file ?? basename(key), partSize);
        const check = result.verified ? `${result.verified} verified` : `not verified: ${result.unverified}`;
        say(`downloaded s3://${target.bucket}/${result.key} to ${file ?? basename(key)} (${result.bytes} bytes in ${result.parts} part${result.parts === 1 ? '' : 's'}, ${check})`);
        break;
      }
      case 'list':
        for (const o of await listObjects(target, operands[0] ?? '')) {
          say(`${String(o.size).padStart(12)}  ${o.lastModified?.toISOString() ?? '-'}  ${o.key}`);
        }
        break;
      case 'delete': {
        const result = await deleteObject(target, operands[0] as string);
        say(`deleted s3://${target.bucket}/${result.key}`);
        break;
      }
    }
  } finally {
    client.destroy();
  }
  return 0;
}

runMain(PROGRAM, () => main(process.argv.slice(2)));
