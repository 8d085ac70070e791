import { ConfigError } from '../errors';
import { PERMISSION_TIERS, type IdpType, type PermissionTier } from '../config/settings';
import { formatEnvValue } from '../config/env-file';

/** One server's entry of the servers stack's `server_configurations` output. */
export interface ServerConfiguration {
  readonly role_arn: string;
  readonly client_id: string;
  readonly s3_path_prefix: string;
  readonly s3_permissions: PermissionTier;
  readonly bucket_name: string;
  readonly aws_region: string;
  readonly identity_provider: IdpType;
  readonly token_endpoint: string;
  /** auth0 */
  readonly audience?: string;
  /** cognito, and auth0 with auth0_exchange "vending" */
  readonly credential_vending_url?: string;
  /** cognito: space-separated full scope names */
  readonly scopes?: string;
}

export interface ServerOutputs {
  readonly configuration: ServerConfiguration;
  readonly secret: string;
}

const REQUIRED = ['role_arn', 'client_id', 's3_path_prefix', 's3_permissions', 'bucket_name', 'aws_region', 'identity_provider', 'token_endpoint'] as const;

/** Terraform's own `output -json` wraps values as `{value, type, sensitive}`. */
function unwrap(value: unknown): unknown {
  if (value && typeof value === 'object' && 'value' in value && ('sensitive' in value || 'type' in value)) {
    return (value as { value: unknown }).value;
  }
  return value;
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  const v = unwrap(value);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(where, 'must be an object');
  return v as Record<string, unknown>;
}

/**
 * Picks one server from the outputs JSON, either as `cdktf output servers --outputs-file`
 * writes it (`{"servers": {...}}`) or flat (`{server_configurations, server_secrets}`).
 */
export function selectServer(outputs: unknown, server: string, source = 'outputs'): ServerOutputs {
  const root = asRecord(outputs, source);
  const stack = 'server_configurations' in root ? root : asRecord(root.servers, `${source}: servers`);
  if (!('server_configurations' in stack)) throw new ConfigError(`${source}: server_configurations`, 'is missing (was the servers stack deployed?)');
  const configurations = asRecord(stack.server_configurations, `${source}: server_configurations`);
  const secrets = asRecord(stack.server_secrets ?? {}, `${source}: server_secrets`);
  const raw = configurations[server];
  if (raw === undefined) {
    const known = Object.keys(configurations).sort();
    throw new ConfigError(`${source}: server_configurations`, `has no server "${server}" (known: ${known.join(', ') || 'none'})`);
  }
  const entry = asRecord(raw, `${source}: server_configurations.${server}`);
  for (const key of REQUIRED) {
    if (typeof entry[key] !== 'string' || entry[key] === '') {
      throw new ConfigError(`${source}: server_configurations.${server}.${key}`, 'is required (a non-empty string)');
    }
  }
  const idp = entry.identity_provider;
  if (idp !== 'auth0' && idp !== 'cognito') {
    throw new ConfigError(`${source}: server_configurations.${server}.identity_provider`, `must be "auth0" or "cognito" (got "${String(idp)}")`);
  }
  if (!(PERMISSION_TIERS as readonly unknown[]).includes(entry.s3_permissions)) {
    throw new ConfigError(`${source}: server_configurations.${server}.s3_permissions`, `must be one of ${PERMISSION_TIERS.join(', ')}`);
  }
  const needed = idp === 'auth0' ? ['audience'] : ['credential_vending_url'];
  for (const key of needed) {
    if (typeof entry[key] !== 'string' || entry[key] === '') {
      throw new ConfigError(`${source}: server_configurations.${server}.${key}`, `is required for ${idp}`);
    }
  }
  const secret = secrets[server];
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigError(`${source}: server_secrets.${server}`, 'is missing: write the outputs with --outputs-file-include-sensitive-outputs');
  }
  return { configuration: entry as unknown as ServerConfiguration, secret };
}

/** The host's env file: what `--env-file` and systemd's `EnvironmentFile=` read. No secret in it. */
export function renderEnvFile(server: string, configuration: ServerConfiguration, secretFileOnHost: string): string {
  const c = configuration;
  const lines: [string, string][] = [
    ['OIDC_IDP_TYPE', c.identity_provider],
    ['OIDC_TOKEN_URL', c.token_endpoint],
    ['OIDC_CLIENT_ID', c.client_id],
    ['OIDC_CLIENT_SECRET_FILE', secretFileOnHost],
  ];
  if (c.identity_provider === 'auth0') {
    lines.push(['OIDC_AUDIENCE', c.audience ?? '']);
    // auth0_exchange "vending": the vending API assumes the role; "direct": the host does, with STS.
    if (c.credential_vending_url) lines.push(['CREDENTIAL_VENDING_URL', c.credential_vending_url]);
    else lines.push(['OIDC_ROLE_ARN', c.role_arn]);
  } else {
    lines.push(['CREDENTIAL_VENDING_URL', c.credential_vending_url ?? '']);
    if (c.scopes) lines.push(['OIDC_SCOPES', c.scopes]);
  }
  lines.push(
    ['AWS_REGION', c.aws_region],
    ['S3_BUCKET', c.bucket_name],
    ['S3_PREFIX', c.s3_path_prefix],
    ['S3_PERMISSIONS', c.s3_permissions],
  );
  return [
    `# oidc-s3 host configuration for server "${server}" (${c.identity_provider}, tier ${c.s3_permissions}).`,
    '# Generated by `npm run host-config`; the client secret is in OIDC_CLIENT_SECRET_FILE, not here.',
    ...lines.map(([key, value]) => `${key}=${formatEnvValue(value)}`),
    '# OIDC_CACHE_DIR=/var/cache/oidc-s3',
    '# OIDC_REFRESH_MARGIN_SECONDS=960',
    '',
  ].join('\n');
}
