import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { BackendConfig } from '../config/types';
import { UploadBucket } from '../modules/upload-bucket';
import { admitValidatedAwsProvider } from './aws-provider';

export interface StateBootstrapStackProps {
  /** The settings of backend.hcl: the bucket (and lock table) to create. */
  readonly backend: BackendConfig;
  /** Where this stack keeps its own state: locally, since the remote state does not exist yet. */
  readonly localStateFile: string;
  /** Tags on every resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Creates the Terraform state bucket named in backend.hcl (and its DynamoDB lock table, when
 * one is named): run once per AWS account with `npx cdktf deploy state-bootstrap`, before the
 * foundation. Its own state stays in a local file, to be kept (or imported elsewhere) by the
 * operator.
 */
export class StateBootstrapStack extends TerraformStack {
  public constructor(scope: Construct, id: string, { backend, localStateFile, tags = {} }: StateBootstrapStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: localStateFile });
    admitValidatedAwsProvider(this);
    new AwsProvider(this, 'aws', {
      region: backend.region,
      profile: backend.profile,
      defaultTags: [{ tags: { ...tags, Purpose: 'terraform-state', ManagedBy: 'cdktf' } }],
    });

    // The same private, TLS-only, encrypted bucket as the uploads, versioned so that a bad
    // apply can be rolled back to an earlier state.
    const state = new UploadBucket(this, 'state', {
      bucketName: backend.bucket,
      versioning: true,
      noncurrentVersionExpirationDays: 90,
      kmsKeyArn: backend.kmsKeyId,
    });
    state.bucket.lifecycle = { preventDestroy: true };
    new TerraformOutput(this, 'state_bucket_name', { value: state.bucket.bucket });

    if (backend.dynamodbTable) {
      const lock = new DynamodbTable(this, 'lock-table', {
        name: backend.dynamodbTable,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'LockID',
        attribute: [{ name: 'LockID', type: 'S' }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
      });
      new TerraformOutput(this, 'lock_table_name', { value: lock.name });
    }
  }
}
