import { PERMISSION_TIERS, Problems, readRegion, type Environment, type PermissionTier } from './settings';

/** What `s3-ops` needs beyond the SDK's own settings. */
export interface S3OpsConfig {
  readonly bucket?: string;
  /** Keys are relative to this prefix (normalised to end in `/` unless empty). */
  readonly prefix: string;
  readonly region?: string;
  /** The server's tier, used only to explain AccessDenied. */
  readonly permissions?: PermissionTier;
}

/** Reads `S3_BUCKET`, `S3_PREFIX`, `S3_PERMISSIONS` and the region; throws ConfigError listing every problem. */
export function loadS3OpsConfig(env: Environment): S3OpsConfig {
  const problems = new Problems();
  const bucket = env.S3_BUCKET?.trim() || undefined;
  let prefix = env.S3_PREFIX?.trim() ?? '';
  if (prefix.startsWith('/')) problems.add('S3_PREFIX', `must not start with "/" (got "${prefix}")`);
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const tierRaw = env.S3_PERMISSIONS?.trim();
  let permissions: PermissionTier | undefined;
  if (tierRaw) {
    if ((PERMISSION_TIERS as readonly string[]).includes(tierRaw)) permissions = tierRaw as PermissionTier;
    else problems.add('S3_PERMISSIONS', `must be one of ${PERMISSION_TIERS.join(', ')} (got "${tierRaw}")`);
  }
  problems.throwIfAny();
  return { bucket, prefix, region: readRegion(env), permissions };
}
