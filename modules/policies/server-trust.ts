/**
 * Trust policies of the per-server roles: who may become a server's role. Pure functions of
 * plain strings (Terraform tokens in the stack, concrete values in tests).
 */
import { policyDocument, type PolicyDocument, type Statement } from './document';

export interface Auth0WebIdentityTrustInput {
  /** ARN of the foundation's `aws_iam_openid_connect_provider`. */
  readonly oidcProviderArn: string;
  /** The provider URL as IAM names its condition keys: no `https://`, with the trailing slash. */
  readonly oidcProviderUrl: string;
  /** The Auth0 API identifier the tokens must be issued for. */
  readonly audience: string;
  /** The server's Auth0 client id; its client-credentials tokens carry `sub = <client_id>@clients`. */
  readonly clientId: string;
}

/**
 * Auth0: only `sts:AssumeRoleWithWebIdentity`, only from the OIDC provider, only with a token
 * whose subject is this server's client. Without the `sub` condition every client granted the
 * audience could assume every server's role.
 *
 * Which claim STS puts in `<provider>:aud` for a token that carries `azp` is not documented for
 * custom providers (see docs/IMPLEMENTATION.md, "Auth0 exchange"): the token's `aud` (the API
 * identifier) or its `azp` (the client's own id). `:aud` accepts either, so the trust holds under
 * both readings; `sub` still pins the one client. Under the `azp` reading STS sets `:oaud` to the
 * token's `aud` (documented for Google), which must then be the API identifier; under the `aud`
 * reading the key is absent and `…IfExists` lets it pass.
 */
export function auth0WebIdentityTrust(input: Auth0WebIdentityTrustInput): PolicyDocument {
  return policyDocument([
    {
      Sid: 'ServerClientWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: input.oidcProviderArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${input.oidcProviderUrl}:sub`]: `${input.clientId}@clients`,
          [`${input.oidcProviderUrl}:aud`]: [input.audience, input.clientId],
        },
        StringEqualsIfExists: {
          [`${input.oidcProviderUrl}:oaud`]: input.audience,
        },
      },
    },
  ]);
}

export interface VendingLambdaTrustInput {
  /** ARN of the credential-vending Lambda's execution role. */
  readonly vendingRoleArn: string;
  /** The server this role belongs to; the Lambda sets it as SourceIdentity (and session name). */
  readonly serverName: string;
  /**
   * The agent gateway's tools Lambda role, when the environment has one (foundation.json
   * `agent_gateway`): trusted on the same terms as the vending Lambda. Which servers it may
   * actually assume is the other side, its identity policy (only servers with `agent_tools`).
   * @default undefined (no agent gateway: the trust is unchanged)
   */
  readonly agentToolsRoleArn?: string;
}

/**
 * Cognito: only the vending Lambda's role, with exactly the actions its call needs
 * (AssumeRole with a SourceIdentity also requires sts:SetSourceIdentity; it sets no session
 * tags, so no sts:TagSession), and only when the SourceIdentity is this server's name. The
 * Lambda is a deputy for every server: the condition keeps a mapping mistake or a bug from
 * handing host A's role to host B's identity, and SourceIdentity persists through any role
 * chaining into CloudTrail.
 */
export function vendingLambdaTrust(input: VendingLambdaTrustInput): PolicyDocument {
  const forThisServer = { StringEquals: { 'sts:SourceIdentity': input.serverName } };
  const statements: Statement[] = [
    {
      Sid: 'CredentialVendingForThisServer',
      Effect: 'Allow',
      Principal: { AWS: input.vendingRoleArn },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Condition: forThisServer,
    },
  ];
  if (input.agentToolsRoleArn !== undefined) {
    statements.push({
      Sid: 'AgentToolsForThisServer',
      Effect: 'Allow',
      Principal: { AWS: input.agentToolsRoleArn },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Condition: forThisServer,
    });
  }
  return policyDocument(statements);
}
