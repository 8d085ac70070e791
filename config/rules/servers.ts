/**
 * Rules on the servers map: names that can name IAM roles, OAuth clients and STS sessions, and
 * prefixes that scope a policy to one folder and never nest. Zod-free: the schema and the
 * server-access constructs both call these.
 */
import { PERMISSION_TIERS, type PermissionTier } from '../types';
import { MAX_CLIENT_IDS_PER_OIDC_PROVIDER, MAX_DIRECT_EXCHANGE_SERVERS, MAX_ROLE_NAME_LENGTH, PREFIX_LENGTH } from './limits';
import { PREFIX_CHARACTERS, SERVER_NAME } from './patterns';
import type { Rule } from './values';

/** Role names of the vending Lambda and the agent gateway (`<project>-<env>-<name>`): no server may take them. */
export const RESERVED_SERVER_NAMES = ['credential-vending', 'agent-tools', 'agent-interceptor', 'agent-gateway'] as const;

const DOT_SEGMENT = /(?:^|\/)\.(?:\/|$)/;

/** Why `prefix` cannot scope a server's policy; undefined when it can. */
export const prefixRule: Rule<string> = (prefix) => {
  if (prefix.length < PREFIX_LENGTH.min || prefix.length > PREFIX_LENGTH.max) {
    return `must be ${PREFIX_LENGTH.min}-${PREFIX_LENGTH.max} characters ending in "/", e.g. "web-01/"`;
  }
  if (prefix.startsWith('/')) return `must not start with "/": S3 keys have no leading slash (write "${prefix.replace(/^\/+/, '')}")`;
  if (!prefix.endsWith('/')) {
    return `must end with "/", or "${prefix}*" would also match "${prefix}0/…" of another server; write "${prefix}/"`;
  }
  if (/[*?$]/.test(prefix)) {
    return 'must not contain "*", "?" or "$": they are IAM wildcards and policy variables, and would widen the policy';
  }
  // A "." segment, or ".." anywhere (which covers ".." segments).
  if (DOT_SEGMENT.test(prefix) || prefix.includes('..')) {
    return 'must not contain "." or ".." path segments or "..": a prefix names one folder, literally';
  }
  if (prefix.includes('//')) return 'must not contain "//" (an empty folder name)';
  if (!PREFIX_CHARACTERS.test(prefix)) return 'may hold only letters, digits, ".", "_", "-" and "/"';
  return undefined;
};

/** Why `name` cannot name a server's role (`<namePrefix>-<name>`), OAuth client and session; undefined when it can. */
export function serverNameRule(namePrefix: string): Rule<string> {
  return (name) => {
    if (!SERVER_NAME.test(name)) {
      return 'server names must be at least 2 characters of a-z, 0-9, ".", "_" and "-", starting and ending with a letter or digit (they name IAM roles, OAuth clients and STS sessions; lower case because IAM role names ignore case)';
    }
    const roleName = `${namePrefix}-${name}`;
    if (roleName.length > MAX_ROLE_NAME_LENGTH) {
      return `makes the IAM role name "${roleName}" ${roleName.length} characters long; the limit is ${MAX_ROLE_NAME_LENGTH}, so the server name may have at most ${MAX_ROLE_NAME_LENGTH - namePrefix.length - 1}`;
    }
    if ((RESERVED_SERVER_NAMES as readonly string[]).includes(name)) {
      return `is reserved: "${roleName}" is ${name === 'credential-vending' ? "the vending Lambda's own role" : "a role of the agent gateway"}; choose another name`;
    }
    return undefined;
  };
}

export const permissionTierRule: Rule<string> = (tier) =>
  (PERMISSION_TIERS as readonly string[]).includes(tier)
    ? undefined
    : `must be one of ${PERMISSION_TIERS.map((t) => `"${t}"`).join(', ')} (see s3_permissions in docs/CONFIGURATION.md)`;

export function isPermissionTier(value: string): value is PermissionTier {
  return permissionTierRule(value) === undefined;
}

export interface NamedPrefix {
  readonly name: string;
  readonly prefix: string;
}

/**
 * Every prefix that equals or lies inside another server's prefix, paired with the outermost
 * such prefix. Sorted, a prefix comes right before everything it contains, so one pass with a
 * stack of enclosing prefixes finds them all in O(n log n), even for thousands of servers.
 */
export function nestedPrefixes(entries: readonly NamedPrefix[]): { inner: NamedPrefix; outer: NamedPrefix }[] {
  const sorted = [...entries].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : a.name < b.name ? -1 : 1));
  const found: { inner: NamedPrefix; outer: NamedPrefix }[] = [];
  const enclosing: NamedPrefix[] = [];
  for (const entry of sorted) {
    while (enclosing.length > 0 && !entry.prefix.startsWith(enclosing[enclosing.length - 1]!.prefix)) enclosing.pop();
    if (enclosing.length > 0) found.push({ inner: entry, outer: enclosing[0]! });
    enclosing.push(entry);
  }
  return found;
}

/**
 * Auth0's direct exchange: how many servers may be enabled (see MAX_DIRECT_EXCHANGE_SERVERS).
 * The phrase names the limit, its reason and the other exchange.
 */
export const directExchangeServersRule: Rule<number> = (enabledServers) =>
  enabledServers <= MAX_DIRECT_EXCHANGE_SERVERS
    ? undefined
    : `enables ${enabledServers} servers, but auth0_exchange "direct" allows at most ${MAX_DIRECT_EXCHANGE_SERVERS}: the IAM OIDC provider's client ID list holds at most ${MAX_CLIENT_IDS_PER_OIDC_PROVIDER} entries (the API identifier and one per enabled server); set "auth0_exchange": "vending" in foundation.json (the vending API: no client ID list, no server limit), or disable servers`;
