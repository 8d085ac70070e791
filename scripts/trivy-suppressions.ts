/**
 * trivy findings on the synthesized stacks that stand, each with why. A finding that matches no
 * entry fails `npm run verify:terraform`; an entry that matches nothing in a full run fails it
 * too, so this list cannot outlive its reasons. Resource addresses are the stacks' own (cdktf's
 * logical ids), so an entry names exactly the resources it covers.
 */
export interface TrivySuppression {
  /** trivy's check id (`AWS-0089`). */
  readonly ruleId: string;
  /** The resource addresses it applies to (trivy's `resource`). */
  readonly resource: RegExp;
  /**
   * Only in environments whose foundation.json this accepts (the setting that makes the finding
   * deliberate), e.g. `bucket_versioning: false`. @default every environment
   */
  readonly when?: (foundation: Readonly<Record<string, unknown>>) => boolean;
  /** Why the finding stands: what the check wants, and why we don't, or where it is met instead. */
  readonly why: string;
}

export const TRIVY_SUPPRESSIONS: readonly TrivySuppression[] = [
  {
    ruleId: 'AWS-0089',
    resource: /^aws_s3_bucket\.(uploads_bucket|state_bucket)_[0-9A-F]{8}$/,
    why:
      'S3 server access logging needs a second bucket to receive the logs and delivers them best-effort. Who read or wrote ' +
      'which object is recorded by the session names in CloudTrail (every server assumes its own role, so a request names ' +
      'its server); S3 data events belong to an organization trail, which a landing zone already has (docs/OPERATIONS.md).',
  },
  {
    ruleId: 'AWS-0132',
    resource: /^aws_s3_bucket_server_side_encryption_configuration\.uploads_encryption_[0-9A-F]{8}$/,
    when: (foundation) => foundation.kms_key_arn === undefined,
    why:
      'Only without kms_key_arn. SSE-S3 (AES256) is the default because a customer managed key is the account owner\'s to create and to govern ' +
      '(key policy, rotation, cost). Setting kms_key_arn makes the bucket SSE-KMS with that key and the bucket policy deny ' +
      'any other encryption (environments/prod-logarchive does, and trivy finds nothing there).',
  },
  {
    ruleId: 'AWS-0132',
    resource: /^aws_s3_bucket_server_side_encryption_configuration\.state_encryption_[0-9A-F]{8}$/,
    why:
      'The Terraform state bucket is created before anything else (state-bootstrap), so it cannot use a key this project ' +
      'creates; SSE-S3 encrypts it at rest and its bucket policy refuses non-TLS access. State holds the servers\' ' +
      'client secrets: read access to this bucket is the platform engineers\' (docs/INSTALL.md, SECURITY.md).',
  },
  {
    ruleId: 'AWS-0090',
    resource: /^aws_s3_bucket_versioning\.uploads_versioning_[0-9A-F]{8}$/,
    when: (foundation) => foundation.bucket_versioning !== true,
    why:
      'Environments that leave bucket_versioning false (development buckets whose objects expire after days) get ' +
      'versioning Suspended on purpose; the prod environments set it true and trivy finds nothing there.',
  },
  {
    ruleId: 'AWS-0017',
    resource: /^aws_cloudwatch_log_group\./,
    why:
      'The log groups hold the vending and agent Lambdas\' JSON logs and the HTTP API\'s access logs: no tokens (the ' +
      'loggers blank anything shaped like a JWT), no secrets, no request headers. CloudWatch Logs encrypts them at rest; ' +
      'a customer managed key would need a key policy for logs.<region>.amazonaws.com that this project does not own.',
  },
  {
    ruleId: 'AWS-0025',
    resource: /^aws_dynamodb_table\./,
    why:
      'The tables map client ids to role ARNs and hold the agent tools\' idempotency records: no secrets. DynamoDB ' +
      'encrypts them at rest with an AWS owned key (server_side_encryption enabled), and point-in-time recovery is on.',
  },
  {
    ruleId: 'AWS-0066',
    resource: /^aws_lambda_function\./,
    why:
      'X-Ray tracing is off: it would add xray:PutTraceSegments to every Lambda role and a cost per request, and the ' +
      'Lambdas log one JSON line per request with its request id, outcome and latency, which is what operators use ' +
      '(docs/OPERATIONS.md). Turn it on per function if you run X-Ray.',
  },
];
