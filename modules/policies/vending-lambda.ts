import { serverRolePath } from '../../config/types';
import { policyDocument, type PolicyDocument } from './document';

export interface VendingLambdaTrustProps {
  /** The account that owns the function; the trust holds only for Lambda acting for it (confused-deputy guard). */
  readonly accountId: string;
  /**
   * `arn:aws:lambda:<region>:<account>:function:<name>`: the one function that may use the role.
   * Built from the name, not read from the function resource, which itself needs the role
   * (a reference would be a cycle). See {@link lambdaFunctionArn}.
   */
  readonly functionArn: string;
}

/**
 * A function's ARN from its parts, `arn:aws:lambda:<region>:<account>:function:<name>` (format:
 * AWS Lambda API reference, "FunctionArn"); no qualifier, as Lambda sets `aws:SourceArn` when it
 * assumes an execution role.
 */
export function lambdaFunctionArn(region: string, accountId: string, functionName: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
}

/**
 * Who may assume the vending Lambda's role: the Lambda service, on behalf of this account and of
 * this one function only. `aws:SourceAccount` alone would let any function in the account that
 * is given the role mint every server's credentials.
 */
export function vendingLambdaTrustPolicy({ accountId, functionArn }: VendingLambdaTrustProps): PolicyDocument {
  return policyDocument([
    {
      Sid: 'LambdaServiceForThisFunction',
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnEquals: { 'aws:SourceArn': functionArn } },
    },
  ]);
}

export interface VendingLambdaPermissionsProps {
  /** ARN of the function's own log group (`aws_cloudwatch_log_group.arn`, without `:*`). */
  readonly logGroupArn: string;
  /** ARN of the client→role mapping table. */
  readonly tableArn: string;
  /** The account whose server roles the Lambda may assume. */
  readonly accountId: string;
  /** `<project>-<env>`: server roles are `role/<project>-<env>/<project>-<env>-<server>` (path and name). */
  readonly roleNamePrefix: string;
}

/** `arn:aws:iam::<account>:role/<project>-<env>/<project>-<env>-*`: the only roles the Lambda may assume. */
export function serverRoleArnPattern(accountId: string, roleNamePrefix: string): string {
  return `arn:aws:iam::${accountId}:role${serverRolePath(roleNamePrefix)}${roleNamePrefix}-*`;
}

/**
 * The roles on a deeper path under the environment's: `role/<project>-<env>/`, then anything,
 * a `/` and anything. IAM's `*` also matches `/`, so {@link serverRoleArnPattern} alone would
 * match `role/<project>-<env>/<project>-<env>-x/other`, a role someone else could create.
 */
export function deeperRolePathPattern(accountId: string, roleNamePrefix: string): string {
  return `arn:aws:iam::${accountId}:role${serverRolePath(roleNamePrefix)}*/*`;
}

/**
 * The vending Lambda's permissions: write its own logs, read one item of its own table, and
 * assume (with a source identity) only this environment's server roles: names under its path,
 * never a deeper path. No `sts:TagSession`: the Lambda sets no session tags, and a tag could
 * otherwise override a role tag the bucket policy keys on. The server roles' trust policies name
 * this role, so both sides must agree for a call to succeed.
 */
export function vendingLambdaPermissionsPolicy(props: VendingLambdaPermissionsProps): PolicyDocument {
  return policyDocument([
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `${props.logGroupArn}:*`,
    },
    {
      Sid: 'ReadClientRoleMapping',
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: props.tableArn,
    },
    {
      Sid: 'AssumeServerRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Resource: serverRoleArnPattern(props.accountId, props.roleNamePrefix),
    },
    {
      Sid: 'NoDeeperRolePaths',
      Effect: 'Deny',
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Resource: deeperRolePathPattern(props.accountId, props.roleNamePrefix),
    },
  ]);
}
