/**
 * servers.json checked against its shape (config/shapes.ts `serversShape`) without zod, for the
 * common case of a file in which every value is valid. zod builds a parse context, an issue
 * list and a result object per value, about 20 µs a server: a third of the per-server cost of
 * synthesizing 5,000 servers (bench/synth.ts under `node --cpu-prof`). This path accepts exactly
 * what the shape accepts and returns what zod would return; at the first value it does not
 * accept it gives up (undefined), and zod parses the whole file again and names every problem.
 * test/config/servers-fast-path.test.ts holds the two to the same answer with generated files.
 */
import type { z } from 'zod';
import { DEFAULT_PERMISSION_TIER, DEFAULT_SESSION_DURATION_SECONDS, SHARDS, permissionTierRule, sessionDurationRule, shardsRule, tagValueRule, utcTimestampRule } from './rules';
import type { serversShape } from './shapes';
import type { PermissionTier } from './types';

type ServersFile = z.output<typeof serversShape>;
type ServerFields = ServersFile['servers'][string];

const SERVERS_FILE_KEYS = new Set(['servers', 'common_tags', 'shards']);
const SERVER_KEYS = new Set(['s3_path_prefix', 's3_permissions', 'max_session_duration', 'enabled', 'agent_tools', 'revoke_sessions_issued_before', 'tags']);

/** What JSON.parse returns for `{…}`, and what zod takes for an object or a record. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only the known keys, and none that zod would treat specially (`__proto__` is dropped by zod). */
function onlyKeys(value: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const key in value) if (!known.has(key)) return false;
  return true;
}

function tagMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (!isObject(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const key in value) {
    const tag = value[key];
    if (key === '__proto__' || typeof tag !== 'string' || tagValueRule(tag) !== undefined) return undefined;
    tags[key] = tag;
  }
  return tags;
}

function server(raw: unknown): ServerFields | undefined {
  if (!isObject(raw) || !onlyKeys(raw, SERVER_KEYS)) return undefined;
  const { s3_path_prefix: prefix, s3_permissions: tier, max_session_duration: duration, enabled, agent_tools: agentTools, revoke_sessions_issued_before: revoke } = raw;
  if (typeof prefix !== 'string') return undefined;
  if (tier !== undefined && (typeof tier !== 'string' || permissionTierRule(tier) !== undefined)) return undefined;
  if (duration !== undefined && (typeof duration !== 'number' || Number.isNaN(duration) || sessionDurationRule(duration) !== undefined)) return undefined;
  if (enabled !== undefined && typeof enabled !== 'boolean') return undefined;
  if (agentTools !== undefined && typeof agentTools !== 'boolean') return undefined;
  if (revoke !== undefined && (typeof revoke !== 'string' || utcTimestampRule(revoke) !== undefined)) return undefined;
  const tags = tagMap(raw.tags);
  if (!tags) return undefined;
  return {
    s3_path_prefix: prefix,
    s3_permissions: (tier ?? DEFAULT_PERMISSION_TIER) as PermissionTier,
    max_session_duration: duration ?? DEFAULT_SESSION_DURATION_SECONDS,
    enabled: enabled ?? true,
    agent_tools: agentTools ?? false,
    // Like zod's output: the key is there only when the file gives it.
    ...(revoke === undefined ? {} : { revoke_sessions_issued_before: revoke }),
    tags,
  };
}

/**
 * `raw` (servers.json as JSON.parse returns it) as `serversShape.parse(raw)` would return it, or
 * undefined when any value is not valid (then zod must parse it and report the problems).
 */
export function parseServersFast(raw: unknown): ServersFile | undefined {
  if (!isObject(raw) || !onlyKeys(raw, SERVERS_FILE_KEYS) || !isObject(raw.servers)) return undefined;
  const servers: Record<string, ServerFields> = {};
  for (const name in raw.servers) {
    const parsed = name === '__proto__' ? undefined : server(raw.servers[name]);
    if (!parsed) return undefined;
    servers[name] = parsed;
  }
  const commonTags = tagMap(raw.common_tags);
  if (!commonTags) return undefined;
  const shards = raw.shards === undefined ? SHARDS.min : raw.shards;
  if (typeof shards !== 'number' || Number.isNaN(shards) || shardsRule(shards) !== undefined) return undefined;
  return { servers, common_tags: commonTags, shards };
}
