/**
 * Rules on the servers map: names that can name IAM roles, OAuth clients and STS sessions, and
 * prefixes that scope a policy to one folder and never nest. Zod-free: the schema and the
 * server-access constructs both call these.
 */
import { PERMISSION_TIERS, type PermissionTier } from '../types';
import { MAX_CLIENT_IDS_PER_OIDC_PROVIDER, MAX_DIRECT_EXCHANGE_SERVERS, MAX_ROLE_NAME_LENGTH, PREFIX_LENGTH, SERVERS_PER_SHARD, SHARDS, SLOW_PLAN_SERVERS_PER_SHARD } from './limits';
import { PREFIX_CHARACTERS, SERVER_NAME } from './patterns';
import { wholeNumberRule, type Rule } from './values';

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

/** servers.json `shards`: a whole number from SHARDS.min to SHARDS.max. */
export const shardsRule: Rule<number> = wholeNumberRule('shards', SHARDS.min, SHARDS.max);

/**
 * The shards a map of `servers` needs so that no plan takes minutes: one per SERVERS_PER_SHARD
 * servers, at least 1, at most SHARDS.max.
 */
export function suggestedShards(servers: number): number {
  return Math.min(SHARDS.max, Math.max(SHARDS.min, Math.ceil(servers / SERVERS_PER_SHARD)));
}

/**
 * A warning (not an error: the plan is right, only slow) when the servers per shard make
 * OpenTofu's plan take minutes; the phrase names the figure and the setting that fixes it.
 */
export function shardSizeRule(shards: number): Rule<number> {
  return (servers) =>
    servers / shards <= SLOW_PLAN_SERVERS_PER_SHARD
      ? undefined
      : `${servers} servers in ${shards === 1 ? 'one shard' : `${shards} shards, about ${Math.ceil(servers / shards)} each`}: OpenTofu's plan time grows with the square of a shard's servers (minutes beyond ${SLOW_PLAN_SERVERS_PER_SHARD}); set "shards": ${suggestedShards(servers)} in servers.json (about ${SERVERS_PER_SHARD} servers each) and move the state once with \`npm run reshard-state\` (docs/OPERATIONS.md, "Thousands of servers")`;
}

/**
 * Auth0's direct exchange keeps its servers in one shard: its OIDC provider lists every enabled
 * client, and it has at most 99 of them, which one shard plans in seconds.
 */
export const directExchangeShardsRule: Rule<number> = (shards) =>
  shards === 1 ? undefined : `must be 1 with auth0_exchange "direct": its IAM OIDC provider lists every enabled server's client (at most ${MAX_DIRECT_EXCHANGE_SERVERS}), which one shard plans in seconds; remove "shards", or set "auth0_exchange": "vending" in foundation.json`;

/**
 * Auth0's direct exchange: how many servers may be enabled (see MAX_DIRECT_EXCHANGE_SERVERS).
 * The phrase names the limit, its reason and the other exchange.
 */
export const directExchangeServersRule: Rule<number> = (enabledServers) =>
  enabledServers <= MAX_DIRECT_EXCHANGE_SERVERS
    ? undefined
    : `enables ${enabledServers} servers, but auth0_exchange "direct" allows at most ${MAX_DIRECT_EXCHANGE_SERVERS}: the IAM OIDC provider's client ID list holds at most ${MAX_CLIENT_IDS_PER_OIDC_PROVIDER} entries (the API identifier and one per enabled server); set "auth0_exchange": "vending" in foundation.json (the vending API: no client ID list, no server limit), or disable servers`;
