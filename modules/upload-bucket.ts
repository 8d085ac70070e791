import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import {
  DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS,
  DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS,
  LIFECYCLE_DAYS,
  accountIdRule,
  bucketNameRule,
  kmsKeyArnRule,
  organizationIdRule,
  wholeNumberRule,
} from '../config/rules';
import { SettingChecks } from './construct-validation';
import { uploadBucketPolicy, type ServerRolesGrant } from './policies/bucket';
import { escapeTerraformTemplates, toJson } from './policies/document';

export interface UploadBucketConfig {
  /** The bucket's name: 3–63 lowercase letters, digits, `-` and `.`, globally unique. */
  readonly bucketName: string;
  /**
   * Keep every version of every object. When false the versioning status is `Suspended`
   * (valid both for a new bucket and for one that had versioning on before).
   * @default false
   */
  readonly versioning?: boolean;
  /** Current objects expire this many days after creation. @default undefined (never) */
  readonly objectExpirationDays?: number;
  /** Noncurrent versions are removed this many days after they become noncurrent (versioned buckets only). @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted this many days after they start. @default 3 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Encrypt with this KMS key (SSE-KMS with an S3 bucket key) instead of SSE-S3 (AES256); the
   * bucket policy then denies writes encrypted any other way. @default undefined (AES256)
   */
  readonly kmsKeyArn?: string;
  /**
   * The server roles of another account that the bucket policy grants their tiers on their own
   * prefixes (by role path and tags), and the organization outside which every request is denied.
   * @default undefined (the roles are in the bucket's account; their identity policies suffice)
   */
  readonly serverRoles?: ServerRolesGrant;
  /**
   * The AWS provider the bucket and its settings are created with, e.g. an alias that assumes a
   * role in the bucket's account. @default the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/** Lifecycle rules apply to the whole bucket; an explicit empty-prefix filter says so (provider 6 warns without one). */
const WHOLE_BUCKET = [{ prefix: '' }];


/**
 * The bucket servers upload into: private (all four public-access blocks, bucket-owner-enforced
 * ownership, TLS required), encrypted, with lifecycle rules that keep costs bounded.
 */
export class UploadBucket extends Construct {
  public readonly bucket: S3Bucket;
  /** Resolves after the bucket's policy, public-access block and encryption exist. */
  public readonly policy: S3BucketPolicy;

  public constructor(scope: Construct, id: string, config: UploadBucketConfig) {
    super(scope, id);
    const versioning = config.versioning ?? false;
    const noncurrentDays = config.noncurrentVersionExpirationDays ?? DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS;
    const abortDays = config.abortIncompleteMultipartUploadDays ?? DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS;
    const days = (limits: { readonly min: number; readonly max: number }) => wholeNumberRule('days', limits.min, limits.max);
    new SettingChecks(`UploadBucket ${this.node.path}`)
      .follows('bucketName', config.bucketName, bucketNameRule, 'set bucket_name (or project_name/environment) to a valid S3 bucket name')
      .follows('objectExpirationDays', config.objectExpirationDays, days(LIFECYCLE_DAYS.objectExpiration), 'set object_expiration_days to a positive whole number of days, or omit it to keep objects')
      .follows('noncurrentVersionExpirationDays', noncurrentDays, days(LIFECYCLE_DAYS.noncurrentVersionExpiration), 'set noncurrent_version_expiration_days to a positive whole number of days')
      .follows('abortIncompleteMultipartUploadDays', abortDays, days(LIFECYCLE_DAYS.abortIncompleteMultipartUpload), 'set abort_incomplete_multipart_upload_days to a positive whole number of days')
      .follows('kmsKeyArn', config.kmsKeyArn, kmsKeyArnRule, 'set kms_key_arn to the full ARN of the key, or omit it for AES256')
      .follows('serverRoles.accountId', config.serverRoles?.accountId, accountIdRule, "pass the 12-digit account of the server roles (usually the deploying account's caller identity)")
      .follows('serverRoles.organizationId', config.serverRoles?.organizationId, organizationIdRule, 'set bucket_account.organization_id in foundation.json')
      .throwIfAny();

    // Spread into every resource: absent, the resources carry no `provider` at all.
    const provider = config.provider === undefined ? {} : { provider: config.provider };
    this.bucket = new S3Bucket(this, 'bucket', { bucket: config.bucketName, ...provider });
    const bucket = this.bucket.id;

    const versioningConfig = new S3BucketVersioningA(this, 'versioning', {
      ...provider,
      bucket,
      versioningConfiguration: { status: versioning ? 'Enabled' : 'Suspended' },
    });

    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: WHOLE_BUCKET,
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
      },
    ];
    if (config.objectExpirationDays !== undefined) {
      rules.push({ id: 'expire-objects', status: 'Enabled', filter: WHOLE_BUCKET, expiration: [{ days: config.objectExpirationDays }] });
    }
    if (versioning) {
      rules.push({
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: WHOLE_BUCKET,
        noncurrentVersionExpiration: [{ noncurrentDays }],
      });
    }
    // S3 applies lifecycle rules against the versioning state, so set that first.
    new S3BucketLifecycleConfiguration(this, 'lifecycle', { ...provider, bucket, rule: rules, dependsOn: [versioningConfig] });

    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      ...provider,
      bucket,
      rule: [
        config.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: config.kmsKeyArn }, bucketKeyEnabled: true },
      ],
    });

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      ...provider,
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, 'ownership', {
      ...provider,
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });

    // After the public-access block: S3 evaluates a new policy against it.
    this.policy = new S3BucketPolicy(this, 'policy', {
      ...provider,
      bucket,
      // IAM policy variables (`${aws:PrincipalTag/…}`) must reach IAM, not Terraform's templating.
      policy: escapeTerraformTemplates(toJson(uploadBucketPolicy({ bucketArn: this.bucket.arn, kmsKeyArn: config.kmsKeyArn, serverRoles: config.serverRoles }))),
      dependsOn: [publicAccessBlock, encryption],
    });
  }

  public get bucketName(): string {
    return this.bucket.bucket;
  }

  public get bucketArn(): string {
    return this.bucket.arn;
  }
}
