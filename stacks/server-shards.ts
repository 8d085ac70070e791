/**
 * How the servers stack spreads its servers over shards (servers.json `shards`): each shard has
 * the server-access construct's resource blocks and `local.servers`, their names carrying the
 * shard's suffix (`aws_iam_role.server_07["web-01"]`, `local.servers_07`); stacks/servers.ts
 * builds the blocks once and writes them once per shard.
 *
 * Why: OpenTofu plans the instances of one `for_each` block in time that grows with the square of
 * their number (it re-evaluates the block's for_each, and rebuilds a referenced block whole, for
 * every instance it plans; bench/RESULTS.md). Blocks of about 100 servers keep a plan of
 * thousands linear in the servers.
 *
 * A server's shard follows from its name alone (FNV-1a of its UTF-8 bytes, modulo the shard
 * count), so onboarding or removing a server never moves another one's resources, and the same
 * name lands in the same shard on every machine and Node version. With one shard (the default)
 * the blocks have no suffix: `aws_iam_role.server["web-01"]`, as in every small environment.
 */

/** One shard: the suffix of its block names and locals, and its servers in the map's order. */
export interface ServerShard<T> {
  /** `""` with one shard; else `_` and the shard's index, zero-padded to the widest index (`_07` of 50). */
  readonly suffix: string;
  readonly servers: readonly T[];
}

/** FNV-1a (32-bit) offset basis and prime: http://www.isthe.com/chongo/tech/comp/fnv/ */
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The shard (0 to `shards` − 1) that holds the server `name`. */
export function shardOf(name: string, shards: number): number {
  let hash = FNV_OFFSET_BASIS;
  // Server names are ASCII (config/rules: serverNameRule), whose characters are their UTF-8 bytes: no buffer for each of thousands.
  const ascii = /^[\x00-\x7f]*$/.test(name);
  const bytes = ascii ? name.length : 0;
  for (let i = 0; i < bytes; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  if (!ascii) {
    for (const byte of Buffer.from(name, 'utf8')) {
      hash ^= byte;
      hash = Math.imul(hash, FNV_PRIME) >>> 0;
    }
  }
  return hash % shards;
}

/** `""` with one shard; else `_<index>`, zero-padded so that names sort in index order. */
export function shardSuffix(index: number, shards: number): string {
  return shards === 1 ? '' : `_${String(index).padStart(String(shards - 1).length, '0')}`;
}

/**
 * The servers grouped by shard, in shard order. With one shard, that shard even when empty (an
 * environment with no servers yet still has its blocks and outputs); with more, only the shards
 * that hold a server: an empty one would add blocks that create nothing.
 */
export function shardServers<T extends { readonly name: string }>(servers: readonly T[], shards: number): ServerShard<T>[] {
  if (shards === 1) return [{ suffix: '', servers }];
  const grouped: T[][] = Array.from({ length: shards }, () => []);
  for (const server of servers) grouped[shardOf(server.name, shards)]!.push(server);
  return grouped.flatMap((members, index) => (members.length === 0 ? [] : [{ suffix: shardSuffix(index, shards), servers: members }]));
}
