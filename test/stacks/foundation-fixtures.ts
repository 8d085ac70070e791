// EnvironmentConfig objects as config/load.ts produces them (every default filled in), built in
// code so the foundation tests do not depend on the environments/ files' current contents.
import type { Auth0FoundationSettings, CognitoFoundationSettings, EnvironmentConfig, FoundationSettings, IdentityProvider } from '../../config/types';

export const TEST_ACCOUNT_ID = '123456789012';

export interface FixtureOptions {
  readonly environment: 'dev' | 'prod';
  readonly identityProvider: IdentityProvider;
  /** Overrides; keys of the other provider are dropped. */
  readonly foundation?: Partial<Omit<Auth0FoundationSettings, 'identityProvider'> & Omit<CognitoFoundationSettings, 'identityProvider'>>;
}

/** dev: unversioned, objects expire after 10 days; prod: versioned, noncurrent versions expire, no expiry. */
export function environmentConfig({ environment, identityProvider, foundation = {} }: FixtureOptions): EnvironmentConfig {
  const projectName = foundation.projectName ?? 'oidc-s3';
  const prefix = `${projectName}-${environment}`;
  const isProd = environment === 'prod';
  return {
    environment,
    backend: { bucket: 'oidc-s3-terraform-state', region: 'eu-west-1', encrypt: true, useLockfile: true },
    servers: { servers: [], commonTags: {}, shards: 1 },
    foundation: foundationSettings(identityProvider, {
      awsRegion: 'eu-west-1',
      projectName,
      bucketName: `${prefix}-uploads`,
      bucketVersioning: isProd,
      objectExpirationDays: isProd ? undefined : 10,
      noncurrentVersionExpirationDays: 30,
      abortIncompleteMultipartUploadDays: 3,
      tokenLifetimeSeconds: identityProvider === 'auth0' ? 86_400 : 3600,
      deletionProtection: isProd,
      logRetentionDays: isProd ? 365 : 30,
      apiThrottlingRateLimit: isProd ? 50 : 10,
      apiThrottlingBurstLimit: isProd ? 100 : 20,
      agentGateway: false,
      tags: { Owner: 'platform-team' },
      ...foundation,
    }, prefix, environment),
  };
}

function foundationSettings(
  identityProvider: IdentityProvider,
  { auth0Domain, audience, auth0Exchange, cognitoDomainPrefix, resourceServerIdentifier, ...common }: Omit<Auth0FoundationSettings, 'identityProvider' | 'auth0Domain' | 'audience' | 'auth0Exchange'> & NonNullable<FixtureOptions['foundation']>,
  prefix: string,
  environment: string,
): FoundationSettings {
  if (identityProvider === 'auth0') {
    const domain = auth0Domain ?? 'example-tenant.eu.auth0.com';
    return { identityProvider, ...common, auth0Domain: domain, audience: audience ?? `https://s3-uploader.${environment}.${domain}`, auth0Exchange: auth0Exchange ?? 'direct' };
  }
  return {
    identityProvider,
    ...common,
    cognitoDomainPrefix: cognitoDomainPrefix ?? prefix,
    resourceServerIdentifier: resourceServerIdentifier ?? `https://s3-uploader.${prefix}`,
  };
}
