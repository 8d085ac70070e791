/**
 * oidc-s3-mcp: an MCP server over stdio with S3 tools for this host's own prefix, acting with
 * the host's own credentials (the same provider and on-disk cache as `get-credentials`, so a
 * warm cache costs no token request). stdout carries the protocol only; everything else goes to
 * stderr.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { DEFAULT_MAX_READ_BYTES, S3Tools } from '../../lambda/agent-tools/operations';
import { applyEnvFile, parseCommandLine } from '../cli/command-line';
import { runMain, warnTo } from '../cli/run-main';
import { loadMcpConfig } from '../config/mcp-config';
import { createMcpServer } from '../mcp/server';
import { OidcCredentialProvider } from '../credentials/credential-provider';
import { forConsumers } from '../credentials/aws-credentials';

const PROGRAM = 'oidc-s3-mcp';

const USAGE = `usage: ${PROGRAM} [--env-file FILE]

An MCP server on stdio (for an agent's MCP client configuration) with the tools
list_objects, read_object, create_object, update_object and delete_object, keys relative to
S3_PREFIX, using this host's credentials (the oidc-credential-provider variables).

settings: the provider's OIDC_* variables, S3_BUCKET, S3_PREFIX, S3_PERMISSIONS (the tier:
refusals come before any request), S3_FORCE_PATH_STYLE, S3_MAX_READ_BYTES (read_object limit,
default ${DEFAULT_MAX_READ_BYTES}), and the SDK's AWS_REGION / AWS_ENDPOINT_URL_S3.
`;

const OPTIONS = { 'env-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS);
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  if (positionals.length > 0) process.stderr.write(`${PROGRAM}: warning: ignoring arguments ${positionals.join(' ')}\n`);
  const env = applyEnvFile(values['env-file']);
  const config = loadMcpConfig(env);
  const warn = warnTo(PROGRAM);
  const provider = new OidcCredentialProvider(config.provider, { warn });
  const client = new S3Client({
    region: config.s3.region ?? config.provider.region,
    forcePathStyle: config.forcePathStyle,
    credentials: async () => {
      const c = forConsumers(await provider.getCredentials(), provider.clock);
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
    },
  });
  const tools = new S3Tools({ client, bucket: config.bucket, prefix: config.s3.prefix, tier: config.s3.permissions, maxReadBytes: config.maxReadBytes });
  const server = createMcpServer(tools, (entry) => process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), program: PROGRAM, ...entry })}\n`));
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.close());
  // The transport does not notice stdin closing by itself: an MCP client ends us by closing it.
  process.stdin.once('end', () => void server.close());
  await closed;
  client.destroy();
  return 0;
}

runMain(PROGRAM, () => main(process.argv.slice(2)));
