/**
 * The validated configuration of one environment: what `environments/<env>/*.json` and
 * `backend.hcl` say, after config/schema.ts has checked them and filled in every default.
 * Stacks and constructs receive these values; none of them reads a file or the process
 * environment.
 */

import type { Quotas } from './rules/quotas';

export type IdentityProvider = 'auth0' | 'cognito';
export type Auth0Exchange = 'direct' | 'vending';

/** The permission tiers of DESIGN.md, from least to most privilege. */
export const PERMISSION_TIERS = ['write', 'read-write', 'full'] as const;
export type PermissionTier = (typeof PERMISSION_TIERS)[number];

/** Settings of the S3 backend shared by every stack; each stack adds its own `key`. */
export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  /** @default true */
  readonly encrypt: boolean;
  /** S3-native state locking (Terraform >= 1.10). */
  readonly useLockfile?: boolean;
  /** DynamoDB state locking (older Terraform). */
  readonly dynamodbTable?: string;
  /** SSE-KMS key for the state objects. */
  readonly kmsKeyId?: string;
  /** A named AWS profile for state access. */
  readonly profile?: string;
}

/**
 * The account of the organization that owns the upload bucket (the landing-zone "log archive"
 * pattern). Identity, vending, the mapping table and the server roles stay in the deploying account.
 */
export interface BucketAccount {
  /** The bucket's 12-digit account id. */
  readonly accountId: string;
  /** The role Terraform assumes to deploy the bucket, `arn:aws:iam::<accountId>:role/<name>`. */
  readonly deployRoleArn: string;
  /** The organization both accounts belong to, `o-` and 10-32 lowercase letters or digits. */
  readonly organizationId: string;
}

/** What both identity providers' environments share. */
interface CommonFoundationSettings {
  readonly awsRegion: string;
  /** @default "oidc-s3" */
  readonly projectName: string;
  /** @default `<project>-<env>-uploads` */
  readonly bucketName: string;
  readonly bucketVersioning: boolean;
  /** Current objects expire after this many days; absent = never. */
  readonly objectExpirationDays?: number;
  /** Noncurrent versions expire after this many days (versioned buckets only). @default 30 */
  readonly noncurrentVersionExpirationDays: number;
  /** @default 3 */
  readonly abortIncompleteMultipartUploadDays: number;
  /** SSE-KMS with this key instead of SSE-S3 (AES256). */
  readonly kmsKeyArn?: string;
  /** The bucket in another account of the organization. @default undefined (the deploying account) */
  readonly bucketAccount?: BucketAccount;
  /** Access-token lifetime: Auth0 resource server `token_lifetime`; Cognito app clients' access-token validity. @default 86400 for Auth0, 3600 for Cognito */
  readonly tokenLifetimeSeconds: number;
  /** Deletion protection on the user pool (and the mapping table). @default true */
  readonly deletionProtection: boolean;
  /** CloudWatch Logs retention for the Lambda and API logs. @default 30 */
  readonly logRetentionDays: number;
  /** HTTP API stage throttling. @default 10 requests/s, burst 20 */
  readonly apiThrottlingRateLimit: number;
  readonly apiThrottlingBurstLimit: number;
  /** Deploy the `agent-gateway` stack (an AgentCore Gateway serving S3 tools to servers with agentTools). @default false */
  readonly agentGateway: boolean;
  /** Tags on every resource of the foundation stack (provider default_tags). @default {} */
  readonly tags: Readonly<Record<string, string>>;
  /** The account's and tenant's quotas, for the synth-time quota check. @default DEFAULT_QUOTAS (AWS's and Auth0's defaults) */
  readonly quotas?: Quotas;
}

/** An Auth0 environment: its tenant and API identifier are always known. */
export interface Auth0FoundationSettings extends CommonFoundationSettings {
  readonly identityProvider: 'auth0';
  /** The tenant's domain, e.g. `tenant.eu.auth0.com`. */
  readonly auth0Domain: string;
  /** The API identifier. @default `https://s3-uploader.<env>.<auth0_domain>` */
  readonly audience: string;
  /**
   * How hosts trade tokens for credentials. `direct`: STS AssumeRoleWithWebIdentity from the
   * host, at most 99 enabled servers (the OIDC provider's client ID list). `vending`: the
   * credential-vending API and Lambda, as for Cognito; no server limit, one-hour sessions.
   * @default "direct"
   */
  readonly auth0Exchange: Auth0Exchange;
  /** Reuse this IAM OIDC provider (another environment's, same tenant and account) instead of creating one. @default undefined (create it) */
  readonly existingOidcProviderArn?: string;
  /** Audiences of environments that reuse this environment's OIDC provider: added to its client ids. @default [] */
  readonly additionalOidcAudiences?: readonly string[];
}

/** A Cognito environment: its hosted domain and resource server are always known. */
export interface CognitoFoundationSettings extends CommonFoundationSettings {
  readonly identityProvider: 'cognito';
  /** The hosted domain prefix. @default `<project>-<env>` */
  readonly cognitoDomainPrefix: string;
  /** The resource server identifier (scopes are `<identifier>/write`, …). @default `https://s3-uploader.<project>-<env>` */
  readonly resourceServerIdentifier: string;
}

/** The validated foundation.json, one shape per identity provider (discriminated by `identityProvider`). */
export type FoundationSettings = Auth0FoundationSettings | CognitoFoundationSettings;

export interface ServerSettings {
  /** The key in the servers map: names the IAM role, the OAuth client, the session. */
  readonly name: string;
  /** Ends in `/`; never a prefix of another server's prefix. */
  readonly s3PathPrefix: string;
  /** @default "write" */
  readonly s3Permissions: PermissionTier;
  /** Seconds, 900–43200. @default 3600 */
  readonly maxSessionDuration: number;
  /** A disabled server keeps its resources but is refused credentials. @default true */
  readonly enabled: boolean;
  /** This server's OAuth client may call the agent gateway's tools (foundation agentGateway only). @default false */
  readonly agentTools: boolean;
  /** Sessions issued before this instant (ISO 8601, UTC) are denied: revokes live credentials. @default undefined */
  readonly revokeSessionsIssuedBefore?: string;
  /** @default {} */
  readonly tags: Readonly<Record<string, string>>;
}

export interface ServersSettings {
  /** In the file's order. */
  readonly servers: readonly ServerSettings[];
  /** @default {} */
  readonly commonTags: Readonly<Record<string, string>>;
  /**
   * How many sets of per-server resource blocks the servers stack spreads the servers over
   * (stacks/server-shards.ts), 1–256. Each server's shard follows from its name alone, so adding
   * or removing a server never moves another; changing this setting moves most servers (see
   * scripts/reshard-state.ts). @default 1 (blocks named `server`, as in every small environment)
   */
  readonly shards: number;
}

export interface EnvironmentConfig {
  /** The folder name under `environments/`. */
  readonly environment: string;
  readonly foundation: FoundationSettings;
  readonly servers: ServersSettings;
  readonly backend: BackendConfig;
}

/** Whether the foundation deploys the vending API (its Lambda and role): Cognito, or Auth0 with `auth0_exchange: "vending"`. */
export function hasVendingApi(foundation: FoundationSettings): boolean {
  return foundation.identityProvider === 'cognito' || foundation.auth0Exchange === 'vending';
}

/** `<project>-<env>`: the prefix of every resource name. */
export function namePrefix(config: Pick<EnvironmentConfig, 'environment' | 'foundation'>): string {
  return `${config.foundation.projectName}-${config.environment}`;
}

/**
 * The IAM path of every server role, `/<project>-<env>/`. The vending Lambda may assume only roles
 * under its own environment's path: a name pattern alone (`oidc-s3-dev-*`) would also match the
 * roles of an environment called `dev-cognito`.
 */
export function serverRolePath(namePrefix: string): string {
  return `/${namePrefix}/`;
}

/** Where each stack keeps its state inside the backend bucket. */
export function stateKey(environment: string, stack: string): string {
  return `${environment}/${stack}/terraform.tfstate`;
}
