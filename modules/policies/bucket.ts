/**
 * The upload bucket's resource policy (and, for a bucket in another account, the statement its
 * KMS key policy needs). Pure functions of plain strings: the foundation stack passes Terraform
 * tokens, the tests concrete ARNs, into the very same code.
 */
import { PERMISSION_TIERS, type PermissionTier } from '../../config/types';
import { policyDocument, type PolicyDocument, type Statement } from './document';
import { objectActions } from './s3-access';
import { serverRoleArnPattern } from './vending-lambda';

/**
 * Role tags the cross-account bucket policy keys on: every server role carries its own prefix
 * and tier, so one statement per tier covers every server, whatever their number (S3 bucket
 * policies are limited to 20 KB: S3 User Guide, "Bucket policies"). Only IAM administrators of
 * the roles' account can change a role's tags, and no session can add a session tag that would
 * override them: no server trust policy and no vending permission allows `sts:TagSession`.
 */
export const SERVER_PREFIX_TAG = 'S3PathPrefix';
export const SERVER_TIER_TAG = 'S3Permissions';

/** The server roles of another account that the bucket policy grants access to. */
export interface ServerRolesGrant {
  /** The 12-digit account holding the server roles (the deploying account). */
  readonly accountId: string;
  /** `<project>-<env>`: the roles are `role/<project>-<env>/<project>-<env>-<server>`. */
  readonly roleNamePrefix: string;
  /** The AWS Organization both accounts belong to, `o-…`: requests from outside it are denied. */
  readonly organizationId: string;
}

export interface UploadBucketPolicyProps {
  /** `arn:aws:s3:::<bucket>` (may be a Terraform token). */
  readonly bucketArn: string;
  /**
   * The bucket's customer-managed KMS key: every write must be encrypted with it. Without it
   * SSE-S3 applies and no encryption header is checked.
   * @default undefined
   */
  readonly kmsKeyArn?: string;
  /**
   * For a bucket in another account than the server roles (`bucket_account`): the grants of
   * that account's server roles, and the organization boundary.
   * @default undefined (same account: the roles' identity policies alone grant access)
   */
  readonly serverRoles?: ServerRolesGrant;
}

/** `${aws:PrincipalTag/<key>}`: an IAM policy variable, resolved per request from the caller's tags. */
function principalTag(key: string): string {
  return `\${aws:PrincipalTag/${key}}`;
}

/**
 * The tiers granted each object action, grouped: `[actions, tiers]` pairs in the tier table's
 * order, derived from the identity policies' own table so the two sides cannot drift.
 */
function actionsByTiers(): { actions: string[]; tiers: PermissionTier[] }[] {
  const groups = new Map<string, { actions: string[]; tiers: PermissionTier[] }>();
  const allActions = [...new Set(PERMISSION_TIERS.flatMap((tier) => objectActions(tier)))];
  for (const action of allActions) {
    const tiers = PERMISSION_TIERS.filter((tier) => objectActions(tier).includes(action));
    const key = tiers.join(',');
    const group = groups.get(key) ?? { actions: [], tiers };
    group.actions.push(action);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Sids of the per-tier grants: `ServerRoles` + the tiers' actions without the `s3:` prefix. */
function grantSid(actions: readonly string[]): string {
  return `ServerRoles${actions.map((action) => action.replace(/^s3:/, '')).join('')}`;
}

/**
 * Who a cross-account grant is for: a role of the roles' account under the environment's path
 * and name prefix, in the organization, whose tier tag is one of `tiers`, whose prefix tag is a
 * non-empty prefix ending in `/` (an empty tag would otherwise grant the whole bucket).
 */
function grantConditions(grant: ServerRolesGrant, tiers: readonly PermissionTier[]): Statement['Condition'] {
  return {
    StringEquals: {
      'aws:PrincipalOrgID': grant.organizationId,
      'aws:PrincipalAccount': grant.accountId,
      [`aws:PrincipalTag/${SERVER_TIER_TAG}`]: [...tiers],
    },
    ArnLike: { 'aws:PrincipalArn': serverRoleArnPattern(grant.accountId, grant.roleNamePrefix) },
    StringLike: { [`aws:PrincipalTag/${SERVER_PREFIX_TAG}`]: '?*/' },
  };
}

/**
 * The upload bucket's policy. Always, to everyone: every request without TLS is denied, and
 * every write with SSE-C (customer-provided keys would leave objects the owner cannot read).
 * With `kmsKeyArn`: every write that would not be encrypted with that key is denied, to everyone
 * (an SSE-S3 or DSSE header, another key, `aws:kms` without a key id, which S3 serves with the
 * `aws/s3` key); a write without any encryption header gets the bucket's default, that key.
 * With `serverRoles` (bucket in another account): requests from principals outside the
 * organization are denied (AWS services acting for S3 excepted), and each tier's actions are
 * granted on `<bucket>/${aws:PrincipalTag/S3PathPrefix}*`: one statement per group of actions,
 * not per server, so the policy's size does not grow with the number of servers. A server's role
 * carries its own prefix as a tag, so it can reach only that prefix: the same grant its
 * identity policy makes, which cross-account access needs as well.
 */
export function uploadBucketPolicy({ bucketArn, kmsKeyArn, serverRoles }: UploadBucketPolicyProps): PolicyDocument {
  const bucketAndObjects = [bucketArn, `${bucketArn}/*`];
  const objects = `${bucketArn}/*`;
  const statements: Statement[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: bucketAndObjects,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      // SSE-C: the key stays with the writer, so a compromised host could leave objects the
      // owner can never read. Denied whatever the bucket's own encryption.
      Sid: 'DenyWritesWithCustomerKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    },
  ];
  if (kmsKeyArn !== undefined) {
    // s3:PutObject also authorizes CreateMultipartUpload and CopyObject, which take the same headers.
    statements.push(
      {
        Sid: 'DenyWritesNotSseKms',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        // Negated operators also match an absent key, which must stay allowed (the default applies): hence Null.
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' }, Null: { 's3:x-amz-server-side-encryption': 'false' } },
      },
      {
        Sid: 'DenyWritesWithAnotherKmsKey',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': kmsKeyArn },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      },
      {
        Sid: 'DenyWritesWithTheAwsManagedKey',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objects,
        Condition: {
          StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
        },
      },
    );
  }
  if (serverRoles !== undefined) {
    statements.push({
      Sid: 'DenyOutsideOrganization',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: bucketAndObjects,
      Condition: {
        StringNotEqualsIfExists: { 'aws:PrincipalOrgID': serverRoles.organizationId },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
    const principal = { AWS: `arn:aws:iam::${serverRoles.accountId}:root` };
    const prefix = principalTag(SERVER_PREFIX_TAG);
    for (const { actions, tiers } of actionsByTiers()) {
      statements.push({
        Sid: grantSid(actions),
        Effect: 'Allow',
        Principal: principal,
        Action: actions,
        Resource: `${bucketArn}/${prefix}*`,
        Condition: grantConditions(serverRoles, tiers),
      });
    }
    // Listing: the tier table's `full` only, confined by s3:prefix as the identity policy does.
    const conditions = grantConditions(serverRoles, ['full']) as Record<string, Record<string, unknown>>;
    statements.push({
      Sid: 'ServerRolesListOwnPrefix',
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { ...conditions, StringLike: { ...conditions.StringLike, 's3:prefix': `${prefix}*` } } as Statement['Condition'],
    });
  }
  return policyDocument(statements);
}

export interface BucketKeyPolicyProps {
  /** `arn:aws:s3:::<bucket>`: the only encryption context the key serves the server roles for. */
  readonly bucketArn: string;
  /** The bucket's region: the key is usable only through `s3.<region>.amazonaws.com`. */
  readonly region: string;
  readonly serverRoles: ServerRolesGrant;
}

/**
 * The statement the bucket's KMS key policy needs when the server roles live in another account
 * (a key policy must name a cross-account principal; the roles' identity policies alone are not
 * enough): the server roles of the organization may generate data keys and decrypt, only through
 * S3 in the bucket's region and only for this bucket (with S3 Bucket Keys, which the upload bucket
 * enables, the encryption context is the bucket's ARN: S3 User Guide, "Reducing the cost of
 * SSE-KMS with Amazon S3 Bucket Keys"). The key is the operator's, so this statement is an output
 * to add to its policy, not a resource.
 */
export function bucketKeyPolicyStatement({ bucketArn, region, serverRoles }: BucketKeyPolicyProps): Statement {
  return {
    Sid: 'OidcS3ServerRolesThroughS3',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${serverRoles.accountId}:root` },
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: '*',
    Condition: {
      StringEquals: {
        'kms:ViaService': `s3.${region}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': bucketArn,
        'aws:PrincipalOrgID': serverRoles.organizationId,
      },
      ArnLike: { 'aws:PrincipalArn': serverRoleArnPattern(serverRoles.accountId, serverRoles.roleNamePrefix) },
    },
  };
}
