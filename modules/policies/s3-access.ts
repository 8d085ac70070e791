/**
 * The permission tiers of DESIGN.md as data: tier → the S3 actions of a server's role and the
 * Cognito scopes of its client. Pure functions of plain strings, so the servers stack passes
 * Terraform tokens and the tests pass concrete values into the very same code.
 */
import type { PermissionTier } from '../../config/types';
import { jsonTemplate, policyDocument, type ConditionBlock, type PolicyDocument, type Statement } from './document';

/** Object-level actions, on `arn:aws:s3:::<bucket>/<prefix>*` only. */
const OBJECT_ACTIONS: Readonly<Record<PermissionTier, readonly string[]>> = {
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  'read-write': ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
  full: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject'],
};

/** Scope names on the Cognito resource server, per tier (DESIGN's tier table). */
const SCOPE_NAMES: Readonly<Record<PermissionTier, readonly string[]>> = {
  write: ['write'],
  'read-write': ['write', 'read'],
  full: ['write', 'read', 'delete', 'list'],
};

export interface S3AccessPolicyInput {
  /** `arn:aws:s3:::<bucket>` (or a token that resolves to it). */
  readonly bucketArn: string;
  /** The server's prefix; ends in `/` (validated by config/schema.ts). */
  readonly prefix: string;
  readonly tier: PermissionTier;
  /**
   * Deny every request made with a session issued before this instant (ISO 8601, UTC): revokes
   * credentials already handed out, which IAM otherwise honours until they expire.
   * @default undefined (no revocation)
   */
  readonly revokeSessionsIssuedBefore?: string;
  /**
   * The bucket's customer-managed KMS key: objects are encrypted with it, so writing (data keys,
   * and Decrypt to complete multipart uploads) and reading need it, through S3 only.
   * @default undefined (SSE-S3: no KMS permission)
   */
  readonly kmsKey?: { readonly arn: string; readonly region: string };
  /**
   * The bucket lives in another account of the organization (`bucket_account`): every grant
   * holds only for resources of that account and organization (`aws:ResourceAccount`,
   * `aws:ResourceOrgID`), so a bucket of the same name re-created elsewhere gets nothing.
   * @default undefined (same account: no resource condition)
   */
  readonly bucketAccount?: { readonly accountId: string; readonly organizationId: string };
}

export function objectActions(tier: PermissionTier): readonly string[] {
  return OBJECT_ACTIONS[tier];
}

/** Full scope strings, `<resource server identifier>/<scope>`, for a Cognito app client of this tier. */
export function tierScopes(resourceServerIdentifier: string, tier: PermissionTier): string[] {
  return SCOPE_NAMES[tier].map((scope) => `${resourceServerIdentifier}/${scope}`);
}

/** The organization boundary, merged into a statement's own conditions (none without a bucket account). */
function boundaryCondition(bucketAccount: S3AccessPolicyInput['bucketAccount'], condition?: ConditionBlock): Pick<Statement, 'Condition'> {
  if (bucketAccount === undefined) return condition === undefined ? {} : { Condition: condition };
  const boundary = { 'aws:ResourceAccount': bucketAccount.accountId, 'aws:ResourceOrgID': bucketAccount.organizationId };
  return { Condition: { ...condition, StringEquals: { ...condition?.StringEquals, ...boundary } } };
}

/**
 * The inline policy of a server's role: the tier's object actions under the prefix and, for
 * `full`, ListBucket restricted to keys under the prefix. Nothing on the bucket itself is ever
 * writable, and no wildcard action is used.
 */
export function s3AccessPolicy({ bucketArn, prefix, tier, revokeSessionsIssuedBefore, kmsKey, bucketAccount }: S3AccessPolicyInput): PolicyDocument {
  const statements: Statement[] = [
    {
      Sid: 'ObjectsUnderOwnPrefix',
      Effect: 'Allow',
      Action: [...OBJECT_ACTIONS[tier]],
      Resource: `${bucketArn}/${prefix}*`,
      ...boundaryCondition(bucketAccount),
    },
  ];
  if (tier === 'full') {
    statements.push({
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      // `<prefix>*` also matches the prefix itself (`*` may match nothing). A request without
      // s3:prefix, or with the prefix minus its trailing `/` (which would also list a sibling
      // such as `web-010/`), does not match and is refused. s3:delimiter needs no condition: it
      // only groups keys the prefix already confines.
      ...boundaryCondition(bucketAccount, { StringLike: { 's3:prefix': `${prefix}*` } }),
    });
  }
  if (kmsKey !== undefined) {
    statements.push({
      Sid: 'BucketKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: kmsKey.arn,
      ...boundaryCondition(bucketAccount, { StringEquals: { 'kms:ViaService': `s3.${kmsKey.region}.amazonaws.com` } }),
    });
  }
  if (revokeSessionsIssuedBefore !== undefined) {
    statements.push({
      Sid: 'RevokeOlderSessions',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': revokeSessionsIssuedBefore } },
    });
  }
  return policyDocument(statements);
}

/** What differs from server to server in `s3AccessPolicy`. */
export type ServerPolicyInput = Pick<S3AccessPolicyInput, 'prefix' | 'tier' | 'revokeSessionsIssuedBefore'>;

/**
 * `toJson(s3AccessPolicy({ ...shared, ...server }))` for every server of an environment: one
 * template per tier (and revocation time), filled in with each server's prefix (jsonTemplate).
 */
export function s3AccessPolicyJson(shared: Omit<S3AccessPolicyInput, keyof ServerPolicyInput>): (server: ServerPolicyInput) => string {
  const templates = new Map<string, (prefix: string) => string>();
  return ({ prefix, tier, revokeSessionsIssuedBefore }) => {
    // Most servers have no revocation time: keyed by the tier alone, no string built per server.
    const key = revokeSessionsIssuedBefore === undefined ? tier : `${tier} ${revokeSessionsIssuedBefore}`;
    let template = templates.get(key);
    if (template === undefined) templates.set(key, (template = jsonTemplate((value) => s3AccessPolicy({ ...shared, prefix: value, tier, revokeSessionsIssuedBefore }))));
    return template(prefix);
  };
}

/**
 * The inline policy of a disabled server's role: an explicit deny of everything. IAM evaluates
 * a role's policies on every request, so this also cuts off sessions issued before the server
 * was disabled, which refusing new tokens or credentials alone would not.
 */
export function disabledServerPolicy(): PolicyDocument {
  return policyDocument([{ Sid: 'ServerDisabled', Effect: 'Deny', Action: '*', Resource: '*' }]);
}
