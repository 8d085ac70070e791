import { Testing } from 'cdktf';
import type { Auth0FoundationSettings, CognitoFoundationSettings, EnvironmentConfig, FoundationSettings, IdentityProvider, PermissionTier, ServerSettings } from '../../config/types';
import { ServersStack } from '../../stacks/servers';
import { synthStack, type TerraformJson } from '../support/synth';

export function server(name: string, s3PathPrefix: string, s3Permissions: PermissionTier, extra: Partial<ServerSettings> = {}): ServerSettings {
  return { name, s3PathPrefix, s3Permissions, maxSessionDuration: 3600, enabled: true, agentTools: false, tags: {}, ...extra };
}

/** Three servers: a plain writer, a sibling whose name and prefix share web-01's leading characters, a disabled full-tier one. */
export const THREE_SERVERS: readonly ServerSettings[] = [
  server('web-01', 'web-01/', 'write', { tags: { Team: 'web', Project: 'overridden-by-server' } }),
  server('web-010', 'web-010/', 'read-write', { maxSessionDuration: 900 }),
  server('etl-02', 'etl/02/', 'full', { maxSessionDuration: 7200, enabled: false }),
];

export const COMMON_TAGS = { Project: 'oidc-s3-uploader', CostCenter: 'ops' };

/** Foundation overrides for either provider; keys of the other provider are dropped. */
export type FoundationOverrides = Partial<Omit<Auth0FoundationSettings, 'identityProvider'> & Omit<CognitoFoundationSettings, 'identityProvider'>>;

export function environmentConfig(identityProvider: IdentityProvider, servers: readonly ServerSettings[], overrides: FoundationOverrides = {}, shards = 1): EnvironmentConfig {
  const { auth0Domain, audience, auth0Exchange, cognitoDomainPrefix, resourceServerIdentifier, ...common } = {
      awsRegion: 'eu-west-1',
      projectName: 'oidc-s3',
      bucketName: 'oidc-s3-dev-uploads',
      bucketVersioning: false,
      objectExpirationDays: 10,
      noncurrentVersionExpirationDays: 30,
      abortIncompleteMultipartUploadDays: 3,
      tokenLifetimeSeconds: identityProvider === 'auth0' ? 86400 : 3600,
      deletionProtection: true,
      logRetentionDays: 30,
      apiThrottlingRateLimit: 10,
      apiThrottlingBurstLimit: 20,
      agentGateway: false,
      tags: { FoundationOnly: 'yes' },
      ...overrides,
  };
  const foundation: FoundationSettings =
    identityProvider === 'auth0'
      ? { identityProvider, ...common, auth0Domain: auth0Domain ?? 'tenant.eu.auth0.com', audience: audience ?? 'https://s3-uploader.dev.tenant.eu.auth0.com', auth0Exchange: auth0Exchange ?? 'direct' }
      : {
          identityProvider,
          ...common,
          cognitoDomainPrefix: cognitoDomainPrefix ?? 'oidc-s3-dev',
          resourceServerIdentifier: resourceServerIdentifier ?? 'https://s3-uploader.oidc-s3-dev',
        };
  return {
    environment: 'dev',
    backend: { bucket: 'oidc-s3-tfstate', region: 'eu-west-1', encrypt: true, useLockfile: true },
    foundation,
    servers: { servers, commonTags: COMMON_TAGS, shards },
  };
}

export function synthServers(config: EnvironmentConfig): TerraformJson {
  return synthStack(new ServersStack(Testing.app(), 'servers', { config }));
}

/** `${data.terraform_remote_state.foundation.outputs.<name>}`: how a foundation output appears in synthesized JSON. */
export function foundationOutput(name: string): string {
  return `\${data.terraform_remote_state.foundation.outputs.${name}}`;
}
