import { auth0WebIdentityTrust, vendingLambdaTrust } from '../../../modules/policies/server-trust';
import { ACCOUNT_ID, trustDecision, type Decision } from '../../../sandbox/iam-evaluator';
import { AZP_READINGS, StsError, webIdentityContext, type AzpReading } from '../../../sandbox/sts';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-web-01`;

describe('auth0WebIdentityTrust', () => {
  const AUDIENCE = 'https://s3-uploader.dev.tenant.eu.auth0.com';
  const CLIENT_ID = 'AbCdEf0123456789';
  const OTHER_CLIENT_ID = 'ZyXw9876543210ab';

  test('pins sub to the client, accepts aud = the API identifier or the client id, and oaud (when set) = the API identifier', () => {
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
            'tenant.eu.auth0.com/:sub': `${CLIENT_ID}@clients`,
            'tenant.eu.auth0.com/:aud': [AUDIENCE, CLIENT_ID],
          },
          StringEqualsIfExists: { 'tenant.eu.auth0.com/:oaud': AUDIENCE },
        },
      },
    ]);
  });

  // The exact deployed form: the provider URL keeps its trailing slash in the condition keys.
  const URL = 'tenant.eu.auth0.com/';
  const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${URL}`;
  // Direct mode's client ID list: the API identifier and every enabled server's client id.
  const provider = { conditionKeyPrefix: URL, clientIds: [AUDIENCE, CLIENT_ID, OTHER_CLIENT_ID] };
  const trust = auth0WebIdentityTrust({ oidcProviderArn: PROVIDER_ARN, oidcProviderUrl: URL, audience: AUDIENCE, clientId: CLIENT_ID });
  // A client-credentials access token as Auth0 issues it.
  const token = { sub: `${CLIENT_ID}@clients`, aud: AUDIENCE, azp: CLIENT_ID, gty: 'client-credentials' };

  type Outcome = Decision | 'Incorrect token audience';
  const cases: ReadonlyArray<{ label: string; principal?: string; action?: string; claims: Record<string, unknown>; aud: Outcome; azp: Outcome }> = [
    { label: "own client's token", claims: token, aud: 'Allowed', azp: 'Allowed' },
    { label: 'own client, token without azp', claims: { ...token, azp: undefined }, aud: 'Allowed', azp: 'Allowed' },
    // Another API of the tenant that the client also has a grant to.
    { label: 'own client, token for another API', claims: { ...token, aud: 'https://other-api' }, aud: 'Incorrect token audience', azp: 'ImplicitlyDenied' },
    { label: "another server's token", claims: { ...token, sub: `${OTHER_CLIENT_ID}@clients`, azp: OTHER_CLIENT_ID }, aud: 'ImplicitlyDenied', azp: 'ImplicitlyDenied' },
    { label: "another server's sub with own azp", claims: { ...token, sub: `${OTHER_CLIENT_ID}@clients` }, aud: 'ImplicitlyDenied', azp: 'ImplicitlyDenied' },
    { label: 'own client id without @clients (a user, not a client)', claims: { ...token, sub: CLIENT_ID }, aud: 'ImplicitlyDenied', azp: 'ImplicitlyDenied' },
    // An ID token of a user logging in to an app whose client id is the server's: aud = client id.
    { label: 'a user token with aud = the client id', claims: { sub: 'auth0|user', aud: CLIENT_ID, azp: CLIENT_ID }, aud: 'ImplicitlyDenied', azp: 'ImplicitlyDenied' },
    { label: 'azp of a client not in the list', claims: { ...token, azp: 'UnknownClient000' }, aud: 'Allowed', azp: 'Incorrect token audience' },
    {
      label: 'another OIDC provider with the same claims',
      principal: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`,
      claims: token,
      aud: 'ImplicitlyDenied',
      azp: 'ImplicitlyDenied',
    },
    { label: 'sts:TagSession from the provider', action: 'sts:TagSession', claims: token, aud: 'ImplicitlyDenied', azp: 'ImplicitlyDenied' },
  ];
  const decide = async (reading: AzpReading, claims: Record<string, unknown>, principal = PROVIDER_ARN, action = 'sts:AssumeRoleWithWebIdentity'): Promise<Outcome> => {
    const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    let context: Record<string, string>;
    try {
      context = { ...webIdentityContext(payload, provider, reading).context, [`${URL}:sub`]: String(payload.sub) };
    } catch (error) {
      if (error instanceof StsError && error.code === 'InvalidIdentityToken') return error.message as Outcome;
      throw error;
    }
    return trustDecision(trust, { principal, action, resource: ROLE_ARN, context });
  };
  describe.each(AZP_READINGS)('STS reading %s', (reading) => {
    test.each(cases)('$label', async (c) => {
      await expect(decide(reading, c.claims, c.principal, c.action)).resolves.toBe(c[reading]);
    });
  });

  test('IAM callers cannot AssumeRole into it', async () => {
    for (const principal of [`arn:aws:iam::${ACCOUNT_ID}:role/admin`, `arn:aws:iam::${ACCOUNT_ID}:root`]) {
      await expect(trustDecision(trust, { principal, action: 'sts:AssumeRole', resource: ROLE_ARN, context: {} })).resolves.toBe('ImplicitlyDenied');
    }
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
