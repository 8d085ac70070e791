import { serverRolePath } from '../../config/types';
import { policyDocument, type PolicyDocument } from './document';

export interface VendingLambdaTrustProps {
  /** The account that owns the function; the trust holds only for Lambda acting for it (confused-deputy guard). */
  readonly accountId: string;
}

/** Who may assume the vending Lambda's role: the Lambda service, on behalf of this account only. */
export function vendingLambdaTrustPolicy({ accountId }: VendingLambdaTrustProps): PolicyDocument {
  return policyDocument([
    {
      Sid: 'LambdaServiceForThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
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
 * The vending Lambda's permissions: write its own logs, read one item of its own table, and
 * assume (with source identity and session tags) only this environment's server roles. The
 * server roles' trust policies name this role, so both sides must agree for a call to succeed.
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
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
      Resource: serverRoleArnPattern(props.accountId, props.roleNamePrefix),
    },
  ]);
}
