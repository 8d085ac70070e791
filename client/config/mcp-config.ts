import { ConfigError } from '../errors';
import { loadProviderConfig, type ProviderConfig } from './provider-config';
import { loadS3OpsConfig, type S3OpsConfig } from './s3-ops-config';
import { Problems, type Environment } from './settings';

/** What `oidc-s3-mcp` needs: the provider's settings, the S3 target, and its own limits. */
export interface McpConfig {
  readonly provider: ProviderConfig;
  readonly s3: S3OpsConfig;
  readonly bucket: string;
  /** Path-style addressing (S3-compatible servers), from S3_FORCE_PATH_STYLE=true. */
  readonly forcePathStyle: boolean;
  /** read_object refuses larger objects (S3_MAX_READ_BYTES). @default 1 MiB */
  readonly maxReadBytes: number;
}

export function loadMcpConfig(env: Environment): McpConfig {
  const problems = new Problems();
  let provider: ProviderConfig | undefined;
  let s3: S3OpsConfig | undefined;
  // Every problem of both halves at once, as the other commands report them.
  for (const load of [() => (provider = loadProviderConfig(env)), () => (s3 = loadS3OpsConfig(env))]) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const part of error.message.split('; ')) {
        const space = part.indexOf(' ');
        problems.add(part.slice(0, space), part.slice(space + 1));
      }
    }
  }
  const bucket = env.S3_BUCKET?.trim() ?? '';
  if (!bucket) problems.add('S3_BUCKET', 'is required: the upload bucket');
  if (!env.S3_PREFIX?.trim()) problems.add('S3_PREFIX', 'is required: the server\'s own prefix, e.g. "web-01/" (tools must never act on the whole bucket)');
  const pathStyle = env.S3_FORCE_PATH_STYLE?.trim();
  if (pathStyle && pathStyle !== 'true' && pathStyle !== 'false') problems.add('S3_FORCE_PATH_STYLE', `must be "true" or "false" (got "${pathStyle}")`);
  const rawLimit = env.S3_MAX_READ_BYTES?.trim();
  let maxReadBytes = 1024 * 1024;
  if (rawLimit) {
    const value = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || value < 1 || value > 64 * 1024 * 1024) problems.add('S3_MAX_READ_BYTES', `must be a whole number of bytes from 1 to 67108864 (got "${rawLimit}")`);
    else maxReadBytes = value;
  }
  problems.throwIfAny();
  return { provider: provider!, s3: s3!, bucket, forcePathStyle: pathStyle === 'true', maxReadBytes };
}
