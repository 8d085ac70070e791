/**
 * The defaults the configuration falls back to, written once: the schema fills them in and the
 * constructs use the same values when a prop is left out.
 */
import type { IdentityProvider, PermissionTier } from '../types';

export const DEFAULT_PROJECT_NAME = 'oidc-s3';

/** The Auth0 API identifier (tokens' `aud`) of an environment: `https://s3-uploader.<env>.<auth0_domain>`. */
export function defaultAudience(environment: string, auth0Domain: string): string {
  return `https://s3-uploader.${environment}.${auth0Domain}`;
}

/** The Cognito resource server identifier: `https://s3-uploader.<project>-<env>`. */
export function defaultResourceServerIdentifier(namePrefix: string): string {
  return `https://s3-uploader.${namePrefix}`;
}

/** The Cognito hosted-domain prefix: `<project>-<env>`. */
export function defaultCognitoDomainPrefix(namePrefix: string): string {
  return namePrefix;
}

/** The upload bucket: `<project>-<env>-uploads`. */
export function defaultBucketName(namePrefix: string): string {
  return `${namePrefix}-uploads`;
}

/** Access-token lifetime, seconds: a day for Auth0 (its own default), an hour for Cognito. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS: Readonly<Record<IdentityProvider, number>> = { auth0: 86_400, cognito: 3600 };

export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS = 30;
export const DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS = 3;
export const DEFAULT_API_THROTTLING_RATE_LIMIT = 10;
export const DEFAULT_API_THROTTLING_BURST_LIMIT = 20;
export const DEFAULT_SESSION_DURATION_SECONDS = 3600;
/** The least privilege. */
export const DEFAULT_PERMISSION_TIER: PermissionTier = 'write';
