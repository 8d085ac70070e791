import { policyDocument, type PolicyDocument } from './document';

export interface UploadBucketPolicyProps {
  /** `arn:aws:s3:::<bucket>` (may be a Terraform token). */
  readonly bucketArn: string;
}

/**
 * The upload bucket's resource policy: every request without TLS is denied, for the bucket and
 * its objects, whoever makes it. Grants come only from the per-server roles' identity policies.
 */
export function uploadBucketPolicy({ bucketArn }: UploadBucketPolicyProps): PolicyDocument {
  return policyDocument([
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}
