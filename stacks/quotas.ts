/**
 * The synth-time quota check: what the stacks of one environment would create, counted against
 * the account's and tenant's quotas (foundation.json `quotas`, defaults = AWS's and Auth0's
 * defaults, see config/rules/quotas.ts). Over a quota is an error (QUOTA_EXCEEDED), from 80 % a
 * warning (QUOTA_NEAR). Policy sizes are measured on the very documents the constructs build,
 * with the values that are only known at apply time (account id, client ids) at their longest.
 */
import type { ConfigProblem } from '../config/errors';
import { partitionOf } from '../config/rules/values';
import { DEFAULT_QUOTAS, QUOTAS, QUOTA_WARNING_RATIO, type QuotaDefinition, type Quotas } from '../config/rules/quotas';
import type { EnvironmentConfig, ServerSettings } from '../config/types';
import { hasVendingApi, namePrefix } from '../config/types';
import { jsonTemplate, toJson } from '../modules/policies/document';
import { disabledServerPolicy, s3AccessPolicyJson } from '../modules/policies/s3-access';
import { auth0WebIdentityTrust, vendingLambdaTrust } from '../modules/policies/server-trust';

/** The longest values known only at apply time. */
const ACCOUNT_ID = '123456789012';
const AUTH0_CLIENT_ID = 'x'.repeat(32);


/** IAM counts a policy's characters without whitespace; our documents have none outside strings. */
function size(document: object): number {
  return toJson(document as never).length;
}

/** The trust and inline policy of one server's role, as the constructs build them. */
export function serverPolicySizes(config: EnvironmentConfig, server: ServerSettings): { trust: number; inline: number } {
  return { trust: trustPolicySizes(config)(server.name), inline: inlinePolicySizes(config)(server) };
}

/** Each server's inline policy size; the documents come from one template per tier (modules/policies/document.ts, jsonTemplate). */
function inlinePolicySizes(config: EnvironmentConfig): (server: ServerSettings) => number {
  const settings = config.foundation;
  const enabled = s3AccessPolicyJson({
    bucketArn: `arn:${partitionOf(settings.awsRegion)}:s3:::${settings.bucketName}`,
    kmsKey: settings.kmsKeyArn === undefined ? undefined : { arn: settings.kmsKeyArn, region: settings.awsRegion },
  });
  const disabled = size(disabledServerPolicy());
  return (server) => (server.enabled ? enabled({ prefix: server.s3PathPrefix, tier: server.s3Permissions, revokeSessionsIssuedBefore: server.revokeSessionsIssuedBefore }).length : disabled);
}

/**
 * Each server's trust policy size, by server name: Auth0's names the server's client (at its
 * longest), not the server, so it is the same for every server; Cognito's names the server.
 */
function trustPolicySizes(config: EnvironmentConfig): (serverName: string) => number {
  const settings = config.foundation;
  const partition = partitionOf(settings.awsRegion);
  const prefix = namePrefix(config);
  if (settings.identityProvider === 'auth0') {
    const trust = size(
      auth0WebIdentityTrust({
        oidcProviderArn: `arn:${partition}:iam::${ACCOUNT_ID}:oidc-provider/${settings.auth0Domain}/`,
        oidcProviderUrl: `${settings.auth0Domain}/`,
        audience: settings.audience,
        clientId: AUTH0_CLIENT_ID,
      }),
    );
    return () => trust;
  }
  const trust = jsonTemplate((serverName) =>
    vendingLambdaTrust({
      vendingRoleArn: `arn:${partition}:iam::${ACCOUNT_ID}:role/${prefix}-credential-vending`,
      serverName,
      // The agent gateway's role may be trusted too: count it, as an upper bound.
      agentToolsRoleArn: `arn:${partition}:iam::${ACCOUNT_ID}:role/${prefix}-agent-tools`,
    }),
  );
  return (serverName) => trust(serverName).length;
}

interface Where {
  readonly file: string;
  readonly key: string;
  readonly subject: string;
}

/** `where(what)` is called only for a problem: thousands of servers need no message built. */
function measure(quota: QuotaDefinition, quotas: Quotas, figure: number, whereOf: (what: string) => Where, what: string, problems: ConfigProblem[]): void {
  const limit = quotas[quota.field];
  if (figure < limit * QUOTA_WARNING_RATIO) return;
  const where = whereOf(what);
  const overrides = `quotas.${quota.key}`;
  if (figure > limit) {
    problems.push({
      code: 'QUOTA_EXCEEDED',
      file: where.file,
      key: where.key,
      value: figure,
      rule: `${where.subject}: ${figure} ${quota.what}, over the quota of ${limit} (${overrides}; AWS/Auth0 default ${quota.default}, source: ${quota.source})`,
      fix: quota.raise,
      docs: 'docs/CONFIGURATION.md#quotas',
    });
  } else {
    problems.push({
      code: 'QUOTA_NEAR',
      file: where.file,
      key: where.key,
      value: figure,
      rule: `${where.subject}: ${figure} ${quota.what}, ${Math.round((figure / limit) * 100)} % of the quota of ${limit} (${overrides})`,
      fix: quota.raise,
      docs: 'docs/CONFIGURATION.md#quotas',
    });
  }
}

/** Roles of the agent gateway: the tools Lambda's (foundation), the gateway's and the interceptor's. */
const AGENT_GATEWAY_ROLES = 3;

/**
 * Every quota the environment exceeds (QUOTA_EXCEEDED) or comes within 20 % of (QUOTA_NEAR).
 * Counts are per environment: environments that share an account or tenant share its quotas,
 * so set `quotas` to what is left for this one.
 */
export function checkQuotas(config: EnvironmentConfig): ConfigProblem[] {
  const quotas = config.foundation.quotas ?? DEFAULT_QUOTAS;
  const definition = (field: keyof Quotas) => QUOTAS.find((q) => q.field === field)!;
  const serversFile = `environments/${config.environment}/servers.json`;
  const problems: ConfigProblem[] = [];
  const servers = config.servers.servers;
  const isCognito = config.foundation.identityProvider === 'cognito';
  // One role per server; the vending Lambda's wherever there is a vending API (Cognito, or Auth0
  // with auth0_exchange "vending"); and the agent tools Lambda's, the gateway's and the
  // interceptor's with agent_gateway.
  const roles = servers.length + (hasVendingApi(config.foundation) ? 1 : 0) + (config.foundation.agentGateway ? AGENT_GATEWAY_ROLES : 0);
  const counted = (subject: string) => () => ({ file: serversFile, key: 'servers', subject });
  measure(definition('iamRolesPerAccount'), quotas, roles, counted(`${servers.length} servers need ${roles} roles`), '', problems);
  if (isCognito) {
    measure(definition('cognitoAppClientsPerUserPool'), quotas, servers.length, counted(`${servers.length} servers need ${servers.length} app clients`), '', problems);
  } else {
    measure(definition('auth0ClientsPerTenant'), quotas, servers.length, counted(`${servers.length} servers need ${servers.length} Auth0 applications`), '', problems);
  }
  const trustQuota = definition('roleTrustPolicyCharacters');
  const inlineQuota = definition('roleInlinePolicyCharacters');
  const trustPolicySize = trustPolicySizes(config);
  const inlinePolicySize = inlinePolicySizes(config);
  for (const server of servers) {
    const where = (what: string) => ({ file: serversFile, key: `servers[${JSON.stringify(server.name)}]`, subject: `the role's ${what}` });
    measure(trustQuota, quotas, trustPolicySize(server.name), where, 'trust policy', problems);
    measure(inlineQuota, quotas, inlinePolicySize(server), where, 'inline policy', problems);
  }
  return problems;
}
