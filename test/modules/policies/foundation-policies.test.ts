// The exact documents the foundation deploys, with concrete ARNs, evaluated by an IAM simulator.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { uploadBucketPolicy } from '../../../modules/policies/bucket';
import type { PolicyDocument } from '../../../modules/policies/document';
import { lambdaFunctionArn, vendingLambdaPermissionsPolicy, vendingLambdaTrustPolicy } from '../../../modules/policies/vending-lambda';
import { ACCOUNT_ID, identityDecision, trustDecision, type Decision } from '../../../sandbox/iam-evaluator';

const BUCKET_ARN = 'arn:aws:s3:::oidc-s3-dev-uploads';
const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/oidc-s3-dev-client-roles`;
const LOG_GROUP_ARN = `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/aws/lambda/oidc-s3-dev-credential-vending`;

const ALLOW_ALL_S3: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };

/** A same-account role allowed everything on S3 by its own policy, so the bucket policy decides. */
async function bucketDecision(action: string, resource: string, secureTransport: 'true' | 'false'): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-web-01`,
        action,
        resource: { resource, accountId: ACCOUNT_ID },
        contextVariables: { 'aws:SecureTransport': secureTransport },
      },
      identityPolicies: [{ name: 'allow-all-s3', policy: ALLOW_ALL_S3 }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: uploadBucketPolicy({ bucketArn: BUCKET_ARN }),
    },
    {},
  );
  if (response.resultType !== 'single') throw new Error(`simulation failed: ${JSON.stringify(response)}`);
  expect(response.result.ignoredContextKeys ?? []).toEqual([]);
  return response.overallResult;
}

describe('upload bucket policy', () => {
  test.each([
    ['s3:PutObject', `${BUCKET_ARN}/web-01/log.gz`],
    ['s3:GetObject', `${BUCKET_ARN}/web-01/log.gz`],
    ['s3:ListBucket', BUCKET_ARN],
    ['s3:PutBucketPolicy', BUCKET_ARN],
  ])('denies %s on %s without TLS, even to a principal allowed everything', async (action, resource) => {
    expect(await bucketDecision(action, resource, 'false')).toBe('ExplicitlyDenied');
  });

  test.each([
    ['s3:PutObject', `${BUCKET_ARN}/web-01/log.gz`],
    ['s3:ListBucket', BUCKET_ARN],
  ])('leaves %s over TLS to the identity policies', async (action, resource) => {
    expect(await bucketDecision(action, resource, 'true')).toBe('Allowed');
  });
});

describe('vending Lambda role policy', () => {
  const policy = vendingLambdaPermissionsPolicy({ logGroupArn: LOG_GROUP_ARN, tableArn: TABLE_ARN, accountId: ACCOUNT_ID, roleNamePrefix: 'oidc-s3-dev' });
  const role = (name: string, path = '/oidc-s3-dev/') => `arn:aws:iam::${ACCOUNT_ID}:role${path}${name}`;

  test.each([
    ['sts:AssumeRole', role('oidc-s3-dev-web-01'), 'Allowed'],
    ['sts:SetSourceIdentity', role('oidc-s3-dev-web-01'), 'Allowed'],
    // It sets no session tags: a tag could override the role tags the cross-account bucket policy keys on.
    ['sts:TagSession', role('oidc-s3-dev-etl-02'), 'ImplicitlyDenied'],
    // IAM's `*` matches `/`: a role on a deeper path whose first segment looks like a server name is refused.
    ['sts:AssumeRole', role('anything', '/oidc-s3-dev/oidc-s3-dev-x/'), 'ExplicitlyDenied'],
    ['sts:SetSourceIdentity', role('oidc-s3-dev-web-01', '/oidc-s3-dev/oidc-s3-dev-web-01/'), 'ExplicitlyDenied'],
    ['sts:AssumeRole', role('oidc-s3-dev-web-01', '/oidc-s3-dev/nested/'), 'ExplicitlyDenied'],
    ['sts:AssumeRole', role('other-role'), 'ImplicitlyDenied'],
    ['sts:AssumeRole', role('oidc-s3-prod-web-01'), 'ImplicitlyDenied'],
    ['sts:AssumeRole', role('oidc-s3-prod-web-01', '/oidc-s3-prod/'), 'ImplicitlyDenied'],
    // Environment `dev-cognito`'s roles share the name prefix `oidc-s3-dev-`, not the path.
    ['sts:AssumeRole', role('oidc-s3-dev-cognito-web-01', '/oidc-s3-dev-cognito/'), 'ImplicitlyDenied'],
    ['sts:AssumeRole', role('oidc-s3-dev-web-01', '/'), 'ImplicitlyDenied'],
    ['sts:AssumeRole', `arn:aws:iam::999999999999:role/oidc-s3-dev/oidc-s3-dev-web-01`, 'ImplicitlyDenied'],
    ['dynamodb:GetItem', TABLE_ARN, 'Allowed'],
    ['dynamodb:GetItem', `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/other-table`, 'ImplicitlyDenied'],
    ['dynamodb:PutItem', TABLE_ARN, 'ImplicitlyDenied'],
    ['dynamodb:Scan', TABLE_ARN, 'ImplicitlyDenied'],
    ['logs:PutLogEvents', `${LOG_GROUP_ARN}:log-stream:2025/01/01/abc`, 'Allowed'],
    ['logs:PutLogEvents', `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/aws/lambda/other:log-stream:x`, 'ImplicitlyDenied'],
    ['s3:GetObject', 'arn:aws:s3:::oidc-s3-dev-uploads/web-01/log.gz', 'ImplicitlyDenied'],
  ])('%s on %s: %s', async (action, resource, expected) => {
    expect(await identityDecision(policy, { action, resource })).toBe(expected);
  });
});

describe('vending Lambda trust policy', () => {
  const functionArn = lambdaFunctionArn('eu-west-1', ACCOUNT_ID, 'oidc-s3-dev-credential-vending');
  const trust = vendingLambdaTrustPolicy({ accountId: ACCOUNT_ID, functionArn });
  const request = { principal: 'lambda.amazonaws.com', action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-credential-vending` };
  const own = { 'aws:SourceAccount': ACCOUNT_ID, 'aws:SourceArn': functionArn };

  test('the function ARN is built from region, account and name', () => {
    expect(functionArn).toBe(`arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:oidc-s3-dev-credential-vending`);
  });

  test('Lambda acting for this function of this account may assume the role', async () => {
    expect(await trustDecision(trust, { ...request, context: own })).toBe('Allowed');
  });

  test('Lambda acting for another account may not (confused deputy)', async () => {
    expect(await trustDecision(trust, { ...request, context: { ...own, 'aws:SourceAccount': '999999999999' } })).toBe('ImplicitlyDenied');
  });

  test.each([
    ['another function of the same account', `arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:some-other-function`],
    ['a function with the same name in another region', `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:oidc-s3-dev-credential-vending`],
    ['a function whose name extends this one', `${functionArn}-copy`],
  ])('Lambda acting for %s may not', async (_label, sourceArn) => {
    expect(await trustDecision(trust, { ...request, context: { ...own, 'aws:SourceArn': sourceArn } })).toBe('ImplicitlyDenied');
  });

  test('Lambda without a source function may not', async () => {
    expect(await trustDecision(trust, { ...request, context: { 'aws:SourceAccount': ACCOUNT_ID } })).toBe('ImplicitlyDenied');
  });

  test('another service may not', async () => {
    expect(await trustDecision(trust, { ...request, principal: 'ec2.amazonaws.com', context: own })).toBe('ImplicitlyDenied');
  });
});
