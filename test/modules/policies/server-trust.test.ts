import { auth0WebIdentityTrust, vendingLambdaTrust } from '../../../modules/policies/server-trust';
import { ACCOUNT_ID, trustDecision, type Decision } from '../../../sandbox/iam-evaluator';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-web-01`;

describe('auth0WebIdentityTrust', () => {
  const AUDIENCE = 'https://s3-uploader.dev.tenant.eu.auth0.com';
  const CLIENT_ID = 'AbCdEf0123456789';
  const OTHER_CLIENT_ID = 'ZyXw9876543210ab';

  test('names the condition keys after the provider URL exactly as the foundation outputs it (trailing slash kept)', () => {
    const trust = auth0WebIdentityTrust({
      oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/tenant.eu.auth0.com/`,
      oidcProviderUrl: 'tenant.eu.auth0.com/',
      audience: AUDIENCE,
      clientId: CLIENT_ID,
    });
    expect(trust.Statement).toEqual([
      {
        Sid: 'ServerClientWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/tenant.eu.auth0.com/` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'tenant.eu.auth0.com/:aud': AUDIENCE,
            'tenant.eu.auth0.com/:sub': `${CLIENT_ID}@clients`,
          },
        },
      },
    ]);
  });

  // The exact deployed form: the provider URL keeps its trailing slash in the condition keys.
  const URL = 'tenant.eu.auth0.com/';
  const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${URL}`;
  const trust = auth0WebIdentityTrust({ oidcProviderArn: PROVIDER_ARN, oidcProviderUrl: URL, audience: AUDIENCE, clientId: CLIENT_ID });
  const good = { [`${URL}:aud`]: AUDIENCE, [`${URL}:sub`]: `${CLIENT_ID}@clients` };

  const cases: ReadonlyArray<{ label: string; principal: string; action: string; context: Record<string, string>; expected: Decision }> = [
    { label: 'own client, right audience', principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: good, expected: 'Allowed' },
    { label: 'wrong audience', principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: { ...good, [`${URL}:aud`]: 'https://other-api' }, expected: 'ImplicitlyDenied' },
    { label: "another client's sub", principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: { ...good, [`${URL}:sub`]: `${OTHER_CLIENT_ID}@clients` }, expected: 'ImplicitlyDenied' },
    { label: 'own client id without @clients (a user, not a client)', principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: { ...good, [`${URL}:sub`]: CLIENT_ID }, expected: 'ImplicitlyDenied' },
    { label: 'no sub', principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: { [`${URL}:aud`]: AUDIENCE }, expected: 'ImplicitlyDenied' },
    { label: 'no aud', principal: PROVIDER_ARN, action: 'sts:AssumeRoleWithWebIdentity', context: { [`${URL}:sub`]: `${CLIENT_ID}@clients` }, expected: 'ImplicitlyDenied' },
    {
      label: 'another OIDC provider with the same claims',
      principal: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`,
      action: 'sts:AssumeRoleWithWebIdentity',
      context: good,
      expected: 'ImplicitlyDenied',
    },
    { label: 'sts:TagSession from the provider', principal: PROVIDER_ARN, action: 'sts:TagSession', context: good, expected: 'ImplicitlyDenied' },
    { label: 'sts:AssumeRole by a role in the account', principal: `arn:aws:iam::${ACCOUNT_ID}:role/admin`, action: 'sts:AssumeRole', context: {}, expected: 'ImplicitlyDenied' },
    { label: 'sts:AssumeRole by the account root', principal: `arn:aws:iam::${ACCOUNT_ID}:root`, action: 'sts:AssumeRole', context: {}, expected: 'ImplicitlyDenied' },
  ];
  test.each(cases)('$action, $label → $expected', async ({ principal, action, context, expected }) => {
    await expect(trustDecision(trust, { principal, action, resource: ROLE_ARN, context })).resolves.toBe(expected);
  });
});

describe('vendingLambdaTrust', () => {
  const VENDING_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-credential-vending`;
  const VENDING_SESSION = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/oidc-s3-dev-credential-vending/oidc-s3-dev-credential-vending`;
  const trust = vendingLambdaTrust({ vendingRoleArn: VENDING_ROLE, serverName: 'web-01' });

  test('the document: the vending role, AssumeRole + SetSourceIdentity, SourceIdentity = the server', () => {
    expect(trust.Statement).toEqual([
      {
        Sid: 'CredentialVendingForThisServer',
        Effect: 'Allow',
        Principal: { AWS: VENDING_ROLE },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Condition: { StringEquals: { 'sts:SourceIdentity': 'web-01' } },
      },
    ]);
  });

  const own = { 'sts:SourceIdentity': 'web-01' };
  const cases: ReadonlyArray<{ label: string; principal: string; action: string; context: Record<string, string>; expected: Decision }> = [
    { label: "the Lambda's session, own SourceIdentity", principal: VENDING_SESSION, action: 'sts:AssumeRole', context: own, expected: 'Allowed' },
    { label: "the Lambda's session sets own SourceIdentity", principal: VENDING_SESSION, action: 'sts:SetSourceIdentity', context: own, expected: 'Allowed' },
    { label: 'the vending role, own SourceIdentity', principal: VENDING_ROLE, action: 'sts:AssumeRole', context: own, expected: 'Allowed' },
    { label: "SourceIdentity of another server", principal: VENDING_SESSION, action: 'sts:AssumeRole', context: { 'sts:SourceIdentity': 'web-02' }, expected: 'ImplicitlyDenied' },
    { label: "setting another server's SourceIdentity", principal: VENDING_SESSION, action: 'sts:SetSourceIdentity', context: { 'sts:SourceIdentity': 'web-02' }, expected: 'ImplicitlyDenied' },
    { label: 'SourceIdentity sharing a leading substring (web-010)', principal: VENDING_SESSION, action: 'sts:AssumeRole', context: { 'sts:SourceIdentity': 'web-010' }, expected: 'ImplicitlyDenied' },
    { label: 'SourceIdentity differing in case', principal: VENDING_SESSION, action: 'sts:AssumeRole', context: { 'sts:SourceIdentity': 'WEB-01' }, expected: 'ImplicitlyDenied' },
    { label: 'no SourceIdentity', principal: VENDING_SESSION, action: 'sts:AssumeRole', context: {}, expected: 'ImplicitlyDenied' },
    { label: 'session tags', principal: VENDING_SESSION, action: 'sts:TagSession', context: own, expected: 'ImplicitlyDenied' },
    { label: 'another role of the account', principal: `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-web-02`, action: 'sts:AssumeRole', context: own, expected: 'ImplicitlyDenied' },
    { label: 'a role of the same name in another account', principal: 'arn:aws:iam::999999999999:role/oidc-s3-dev-credential-vending', action: 'sts:AssumeRole', context: own, expected: 'ImplicitlyDenied' },
    { label: 'the account root', principal: `arn:aws:iam::${ACCOUNT_ID}:root`, action: 'sts:AssumeRole', context: own, expected: 'ImplicitlyDenied' },
    {
      label: 'web identity through some OIDC provider',
      principal: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/tenant.eu.auth0.com`,
      action: 'sts:AssumeRoleWithWebIdentity',
      context: own,
      expected: 'ImplicitlyDenied',
    },
  ];
  test.each(cases)('$action, $label → $expected', async ({ principal, action, context, expected }) => {
    await expect(trustDecision(trust, { principal, action, resource: ROLE_ARN, context })).resolves.toBe(expected);
  });
});
