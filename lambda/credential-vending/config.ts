// The function's settings, read from the environment once per container (at module init).
import type { TokenDialect } from './token-verifier';

export interface VendingConfig {
  /** DynamoDB table mapping client_id to role (CLIENT_ROLES_TABLE). */
  readonly clientRolesTable: string;
  /** Whose tokens are verified (IDENTITY_PROVIDER: `cognito` or `auth0`). @default 'cognito' */
  readonly identityProvider: TokenDialect;
  /** The issuer URL (the user pool's, or `https://<tenant>/`), compared verbatim with `iss` (TOKEN_ISSUER). */
  readonly tokenIssuer: string;
  /** `<TOKEN_ISSUER>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** Cognito: scopes of this resource server are `<identifier>/<name>`; Auth0: the API identifier, the tokens' `aud` (RESOURCE_SERVER_IDENTIFIER). */
  readonly resourceServerIdentifier: string;
  /** AWS_REGION, set by the Lambda runtime. */
  readonly region: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates every setting and reports all problems at once. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): VendingConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const clientRolesTable = required('CLIENT_ROLES_TABLE');
  const tokenIssuer = required('TOKEN_ISSUER');
  const resourceServerIdentifier = required('RESOURCE_SERVER_IDENTIFIER');
  const region = required('AWS_REGION');
  const identityProvider = env.IDENTITY_PROVIDER?.trim() || 'cognito';
  if (identityProvider !== 'cognito' && identityProvider !== 'auth0') {
    problems.push(`IDENTITY_PROVIDER must be "cognito" or "auth0", got ${JSON.stringify(identityProvider)}`);
  }
  if (tokenIssuer && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(tokenIssuer)) {
    problems.push(`TOKEN_ISSUER must be an https URL without query or fragment, got ${JSON.stringify(tokenIssuer)}`);
  }
  if (/\s/.test(resourceServerIdentifier)) {
    problems.push(`RESOURCE_SERVER_IDENTIFIER must not contain whitespace, got ${JSON.stringify(resourceServerIdentifier)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    identityProvider: identityProvider as TokenDialect,
    clientRolesTable,
    tokenIssuer,
    jwksUrl: `${tokenIssuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    // Cognito scopes are `<identifier>/<name>`, so a trailing slash is dropped; an Auth0 `aud` is compared as is.
    resourceServerIdentifier: identityProvider === 'auth0' ? resourceServerIdentifier : resourceServerIdentifier.replace(/\/+$/, ''),
    region,
  };
}
