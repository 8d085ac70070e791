/**
 * The account and tenant quotas a deployment counts against, with AWS's and Auth0's defaults.
 * foundation.json's `quotas` overrides them with the account's actual (raised) values; the
 * synth-time quota check (stacks/quotas.ts) compares what the stacks would create with them.
 */

export interface Quotas {
  /** IAM roles per account. */
  readonly iamRolesPerAccount: number;
  /** App clients per Cognito user pool. */
  readonly cognitoAppClientsPerUserPool: number;
  /** Applications (clients) per Auth0 tenant. */
  readonly auth0ClientsPerTenant: number;
  /** Characters of a role's trust policy (whitespace not counted). */
  readonly roleTrustPolicyCharacters: number;
  /** Characters of all inline policies of one role together (whitespace not counted). */
  readonly roleInlinePolicyCharacters: number;
  /** Characters of one managed policy (whitespace not counted). */
  readonly managedPolicyCharacters: number;
}

export interface QuotaDefinition {
  /** The foundation.json key under `quotas`. */
  readonly key: string;
  readonly field: keyof Quotas;
  /** The provider's default. */
  readonly default: number;
  /** What is counted, for messages. */
  readonly what: string;
  /** Where the default is documented. */
  readonly source: string;
  /** How an operator raises it. */
  readonly raise: string;
}

const IAM_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';
const SERVICE_QUOTAS = 'request an increase in the Service Quotas console (https://console.aws.amazon.com/servicequotas/), then set';

export const QUOTAS: readonly QuotaDefinition[] = [
  { key: 'iam_roles_per_account', field: 'iamRolesPerAccount', default: 1000, what: 'IAM roles in the account', source: IAM_QUOTAS, raise: `${SERVICE_QUOTAS} quotas.iam_roles_per_account (adjustable up to 5,000)` },
  {
    key: 'cognito_app_clients_per_user_pool',
    field: 'cognitoAppClientsPerUserPool',
    default: 1000,
    what: 'app clients in the Cognito user pool',
    source: 'https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html',
    raise: `${SERVICE_QUOTAS} quotas.cognito_app_clients_per_user_pool`,
  },
  {
    key: 'auth0_clients_per_tenant',
    field: 'auth0ClientsPerTenant',
    default: 100,
    what: 'applications in the Auth0 tenant',
    source: 'https://auth0.com/docs/troubleshoot/customer-support/operational-policies/entity-limit-policy (self-service paid plans: 100 applications; free: 10)',
    raise: "move to a plan with a higher entity limit or ask Auth0 support, then set quotas.auth0_clients_per_tenant",
  },
  { key: 'role_trust_policy_characters', field: 'roleTrustPolicyCharacters', default: 2048, what: 'characters of a role trust policy', source: IAM_QUOTAS, raise: `${SERVICE_QUOTAS} quotas.role_trust_policy_characters (adjustable up to 4,096)` },
  { key: 'role_inline_policy_characters', field: 'roleInlinePolicyCharacters', default: 10_240, what: "characters of a role's inline policies together", source: IAM_QUOTAS, raise: 'not adjustable: shorten the prefix or the revocation settings of this server' },
  { key: 'managed_policy_characters', field: 'managedPolicyCharacters', default: 6144, what: 'characters of a managed policy', source: IAM_QUOTAS, raise: 'not adjustable: split the policy' },
];

export const DEFAULT_QUOTAS: Quotas = Object.fromEntries(QUOTAS.map((q) => [q.field, q.default])) as unknown as Quotas;

/** Share of a quota at which synth warns. */
export const QUOTA_WARNING_RATIO = 0.8;
