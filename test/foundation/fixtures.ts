// EnvironmentConfig objects as config/load.ts produces them (every default filled in), built in
// code so the foundation tests do not depend on the environments/ files' current contents.
import type { EnvironmentConfig, FoundationSettings, IdentityProvider } from '../../config/types';

export const TEST_ACCOUNT_ID = '123456789012';

export interface FixtureOptions {
  readonly environment: 'dev' | 'prod';
  readonly identityProvider: IdentityProvider;
  readonly foundation?: Partial<FoundationSettings>;
}

/** dev: unversioned, objects expire after 10 days; prod: versioned, noncurrent versions expire, no expiry. */
export function environmentConfig({ environment, identityProvider, foundation = {} }: FixtureOptions): EnvironmentConfig {
  const projectName = foundation.projectName ?? 'oidc-s3';
  const prefix = `${projectName}-${environment}`;
  const isProd = environment === 'prod';
  return {
    environment,
    backend: { bucket: 'oidc-s3-terraform-state', region: 'eu-west-1', encrypt: true, useLockfile: true },
    servers: { servers: [], commonTags: {} },
    foundation: {
      identityProvider,
      awsRegion: 'eu-west-1',
      projectName,
      auth0Domain: identityProvider === 'auth0' ? 'example-tenant.eu.auth0.com' : undefined,
      bucketName: `${prefix}-uploads`,
      bucketVersioning: isProd,
      objectExpirationDays: isProd ? undefined : 10,
      noncurrentVersionExpirationDays: 30,
      abortIncompleteMultipartUploadDays: 3,
      tokenLifetimeSeconds: identityProvider === 'auth0' ? 86_400 : 3600,
      cognitoDomainPrefix: prefix,
      resourceServerIdentifier: `https://s3-uploader.${prefix}`,
      deletionProtection: isProd,
      logRetentionDays: isProd ? 365 : 30,
      apiThrottlingRateLimit: isProd ? 50 : 10,
      apiThrottlingBurstLimit: isProd ? 100 : 20,
      agentGateway: false,
      tags: { Owner: 'platform-team' },
      ...foundation,
    },
  };
}
