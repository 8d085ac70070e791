/**
 * What both identity providers' server-access constructs share: the per-server map every
 * resource iterates over with `for_each`, the role and its inline S3 policy, references to a
 * sibling's instance of the same server, and the checks the policies' safety rests on.
 *
 * One map, one `for_each` per resource type: every per-server resource is addressed by the
 * server's name (`aws_iam_role.role["web-01"]`), the resource blocks themselves do not depend on
 * which servers exist, and each server's data lives only in its own entry of `local.servers`, so
 * onboarding or removing a server changes only that entry and plans only that server's instances.
 * Logical ids are fixed and readable (`aws_iam_role.server["web-01"]`), so state addresses do
 * not depend on construct paths.
 */
import { DynamodbTableItem } from '@cdktf/provider-aws/lib/dynamodb-table-item';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Fn, TerraformLocal, type MapTerraformIterator, type TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import { MIN_ROLE_MAX_SESSION_DURATION, nestedPrefixes, permissionTierRule, prefixRule, serverNameRule, sessionDurationRule } from '../config/rules';
import { serverRolePath, type PermissionTier, type ServerSettings } from '../config/types';
import type { SettingChecks } from './construct-validation';
import { EACH_KEY, OnceMapIterator, eachField, forField, instanceAttribute } from './hcl';
import { toJson } from './policies/document';
import { ResolvedOnceLocal, SHARD_TEMPLATE_SUFFIX } from './resolved-once-local';
import { SERVER_PREFIX_TAG, SERVER_TIER_TAG } from './policies/bucket';
import { disabledServerPolicy, s3AccessPolicyJson } from './policies/s3-access';

/** Settings both server-access constructs take. */
export interface ServerAccessBaseConfig {
  /** The servers to give access to, keyed in Terraform by `name`. May be empty. */
  readonly servers: readonly ServerSettings[];
  /** `<project>-<env>`: role and client names are `<namePrefix>-<server>`. */
  readonly namePrefix: string;
  /** ARN of the upload bucket (usually a remote-state token). */
  readonly bucketArn: string;
  /** Bucket name and region, for the hosts' configuration. */
  readonly bucketName: string;
  readonly awsRegion: string;
  /** The bucket's KMS key, when it uses SSE-KMS: server roles may use it through S3. @default undefined (SSE-S3) */
  readonly kmsKeyArn?: string;
  /**
   * The bucket is in another account of the organization: grants hold only for that account and
   * organization, and each role carries its prefix and tier as tags, which the bucket policy
   * there keys on (modules/policies/bucket.ts). @default undefined (same account)
   */
  readonly bucketAccount?: { readonly accountId: string; readonly organizationId: string };
  /**
   * Suffix of this construct's block names and locals (`aws_iam_role.server_07`,
   * `local.servers_07`), so that several constructs share one stack, each over its own shard of
   * the servers (stacks/server-shards.ts): `_` and digits. @default "" (`server`, `servers`)
   */
  readonly shardSuffix?: string;
}

/**
 * One server's entry of `local.servers`. Snake case: these are Terraform values, read by the
 * resources as `each.value.<key>` and by the outputs as `val.<key>`.
 */
export interface ServerEntry {
  readonly s3_path_prefix: string;
  readonly s3_permissions: PermissionTier;
  readonly enabled: boolean;
  /** As configured (900–43200): what the vending Lambda may grant. */
  readonly max_session_duration: number;
  /** The server's own tags; the common tags come from the provider's default_tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** The role's inline policy (JSON; the bucket ARN may be a token inside it). */
  readonly s3_policy: string;
}

/**
 * Builds every server's entry, keyed by name: only what differs from server to server. Whatever
 * follows from it (names, the role's session limit, scopes, tags) is derived in HCL, which keeps
 * the map, and synth time for thousands of servers, small. The policies come from one template
 * per tier (s3AccessPolicyJson).
 */
export function serverEntries(config: ServerAccessBaseConfig): Record<string, ServerEntry> {
  const enabledPolicy = s3AccessPolicyJson({
    bucketArn: config.bucketArn,
    kmsKey: config.kmsKeyArn === undefined ? undefined : { arn: config.kmsKeyArn, region: config.awsRegion },
    bucketAccount: config.bucketAccount,
  });
  const disabledPolicy = toJson(disabledServerPolicy());
  // Assigned rather than Object.fromEntries over pairs (a third of this function's time with
  // 5,000 servers): a name is never "__proto__", which serverNameRule refuses and every caller
  // checks first (checkServers).
  const entries: Record<string, ServerEntry> = {};
  for (const server of config.servers) {
    // Keys in sorted order, as the stack's file lists them: the entries are written as they are (ResolvedOnceLocal).
    entries[server.name] = {
      enabled: server.enabled,
      max_session_duration: server.maxSessionDuration,
      s3_path_prefix: server.s3PathPrefix,
      s3_permissions: server.s3Permissions,
      s3_policy: server.enabled ? enabledPolicy({ prefix: server.s3PathPrefix, tier: server.s3Permissions, revokeSessionsIssuedBefore: server.revokeSessionsIssuedBefore }) : disabledPolicy,
      tags: server.tags,
    };
  }
  return entries;
}

/**
 * `local.servers`, the map every per-server resource iterates over, and the iterator over it.
 * A local rather than a literal in each `for_each`, so the map is written once however many
 * resource types iterate over it.
 */
export function serversMap(scope: Construct, entries: Readonly<Record<string, ServerEntry>>, shardSuffix = ''): { local: TerraformLocal; iterator: MapTerraformIterator } {
  // Resolved once rather than at each of cdktf's passes: it grows with the servers.
  const local = new ResolvedOnceLocal(scope, 'servers', entries);
  local.overrideLogicalId(`servers${shardSuffix}`);
  return { local, iterator: new OnceMapIterator(local.asAnyMap) };
}

/**
 * The `server_configurations` fields both providers share (a contract with the host-config
 * renderer), as HCL inside `{ for key, val in local.servers : key => … }`.
 */
export function sharedConfigurationFields(
  config: ServerAccessBaseConfig,
  identityProvider: 'auth0' | 'cognito',
  role: IamRole,
  client: TerraformResource,
  clientIdAttribute: string,
): Record<string, unknown> {
  return {
    role_arn: instanceAttribute(role, 'arn', 'key'),
    client_id: instanceAttribute(client, clientIdAttribute, 'key'),
    s3_path_prefix: forField('s3_path_prefix'),
    s3_permissions: forField('s3_permissions'),
    bucket_name: config.bucketName,
    aws_region: config.awsRegion,
    identity_provider: identityProvider,
    enabled: forField('enabled'),
    // Only with a bucket in another account, so single-account outputs stay as they were.
    ...(config.bucketAccount === undefined ? {} : { bucket_account_id: config.bucketAccount.accountId }),
  };
}

export interface ServerRoles {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
}

/** `<project>-<env>-<server>`: the name of a server's role and of its OAuth client. */
export function serverResourceName(namePrefix: string): string {
  return `${namePrefix}-${EACH_KEY}`;
}

/**
 * Per server: the role `<project>-<env>-<server>` (under the environment's role path) trusting `assumeRolePolicy` (a JSON document
 * that may refer to `each.key` and sibling instances) and its inline S3 policy from the map.
 */
export function serverRoles(scope: Construct, iterator: MapTerraformIterator, namePrefix: string, assumeRolePolicy: string, bucketAccount?: ServerAccessBaseConfig['bucketAccount'], shardSuffix = ''): ServerRoles {
  // The bucket policy in the bucket's account grants by these tags; they come last, so neither a
  // server's own tags nor the common tags (default_tags, which resource tags override) replace them.
  const grantTags = bucketAccount === undefined ? {} : { [SERVER_PREFIX_TAG]: eachField.string('s3_path_prefix'), [SERVER_TIER_TAG]: eachField.string('s3_permissions') };
  const role = new IamRole(scope, 'role', {
    forEach: iterator,
    name: serverResourceName(namePrefix),
    path: serverRolePath(namePrefix),
    description: `S3 access of server ${EACH_KEY}`,
    assumeRolePolicy,
    // IAM's MaxSessionDuration cannot go below 3600 s: a shorter setting is enforced by whoever
    // asks for the session (the vending Lambda, or the host client's DurationSeconds).
    maxSessionDuration: Fn.max([MIN_ROLE_MAX_SESSION_DURATION, eachField.number('max_session_duration')]),
    tags: Fn.merge([eachField.stringMap('tags'), { Server: EACH_KEY, ...grantTags }]),
  });
  role.overrideLogicalId(`server${shardSuffix}`);
  const policy = new IamRolePolicy(scope, 's3-access', {
    forEach: iterator,
    name: 's3-access',
    role: instanceAttribute(role, 'id'),
    policy: eachField.string('s3_policy'),
  });
  policy.overrideLogicalId(`server_s3_access${shardSuffix}`);
  return { role, policy };
}

/**
 * Per server: the vending Lambda's mapping item, in DynamoDB JSON as the Lambda reads it
 * (DESIGN.md, Vending API): the server's OAuth client id (`clientId`, an expression over
 * `each.key`) → its role, name, prefix, kill switch and session limit.
 */
export function clientRoleMappings(scope: Construct, iterator: MapTerraformIterator, tableName: string, clientId: string, role: IamRole, shardSuffix = ''): DynamodbTableItem {
  const mapping = new DynamodbTableItem(scope, 'mapping', {
    forEach: iterator,
    tableName,
    hashKey: 'client_id',
    item: Fn.jsonencode({
      client_id: { S: clientId },
      role_arn: { S: instanceAttribute(role, 'arn') },
      server_name: { S: EACH_KEY },
      s3_path_prefix: { S: eachField.string('s3_path_prefix') },
      // The tier: the Lambda refuses tokens holding scopes beyond it.
      s3_permissions: { S: eachField.string('s3_permissions') },
      enabled: { BOOL: eachField.boolean('enabled') },
      max_session_duration: { N: Fn.tostring(eachField.number('max_session_duration')) },
    }),
  });
  mapping.overrideLogicalId(`server_mapping${shardSuffix}`);
  return mapping;
}

/**
 * The invariants the policies' least privilege rests on, checked again here with the rules of
 * config/rules (the config schema reports the same rules to operators with file and key),
 * because a construct can be given settings that never went through the config loader. Every
 * problem is collected.
 */
export function checkServers(checks: SettingChecks, servers: readonly ServerSettings[], namePrefix: string, shardSuffix = ''): SettingChecks {
  // The template suffix: the construct's blocks are written once per shard (writeOncePerShard).
  if (shardSuffix !== SHARD_TEMPLATE_SUFFIX) {
    checks.matches('shardSuffix', shardSuffix, /^(?:_\d{1,3})?$/, '"" or "_" and up to 3 digits (stacks/server-shards.ts)', 'name shards with shardSuffix() of stacks/server-shards.ts');
  }
  const seen = new Set<string>();
  const nameRule = serverNameRule(namePrefix);
  for (const server of servers) {
    // Thousands of servers pass: the settings' names and fixes are spelled out only for one that does not.
    const valid =
      !seen.has(server.name) &&
      nameRule(server.name) === undefined &&
      prefixRule(server.s3PathPrefix) === undefined &&
      permissionTierRule(server.s3Permissions) === undefined &&
      sessionDurationRule(server.maxSessionDuration) === undefined;
    if (!valid) {
      const at = `servers["${server.name}"]`;
      checks.require(!seen.has(server.name), `${at} (name)`, server.name, 'each server name once', 'give every server a distinct name');
      checks.follows(`${at} (name)`, server.name, nameRule, 'rename the server in servers.json');
      checks.follows(`${at}.s3_path_prefix`, server.s3PathPrefix, prefixRule, `set s3_path_prefix to e.g. "${server.name}/"`);
      checks.follows(`${at}.s3_permissions`, server.s3Permissions, permissionTierRule, 'set s3_permissions to write, read-write or full');
      checks.follows(`${at}.max_session_duration`, server.maxSessionDuration, sessionDurationRule, 'set max_session_duration in seconds, 900 to 43200');
    }
    seen.add(server.name);
  }
  const named = servers.map((server) => ({ name: server.name, prefix: server.s3PathPrefix }));
  for (const { inner, outer } of nestedPrefixes(named)) {
    checks.require(
      false,
      `servers["${inner.name}"].s3_path_prefix`,
      inner.prefix,
      `a prefix that neither contains nor lies inside another server's (servers["${outer.name}"] has "${outer.prefix}")`,
      `give "${inner.name}" a prefix outside "${outer.prefix}", or "${outer.name}" could read its files`,
    );
  }
  return checks;
}
