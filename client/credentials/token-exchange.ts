import type { Auth0DirectProviderConfig, Auth0VendingProviderConfig, CognitoProviderConfig, ProviderConfig } from '../config/provider-config';
import { CredentialError, firstLine } from '../errors';
import { describeErrorBody, httpRequest, parseJson } from './http-request';
import { environmentProxyAgent } from './proxy';
import { fromCredentialProcessJson, type AwsCredentials } from './aws-credentials';
import { receiptOf, systemClock, type HostClock } from './issuer-clock';

/**
 * Trades an access token for AWS credentials: STS for Auth0 (direct), the vending API for Cognito
 * and Auth0 in vending mode. The credentials carry their receipt, with the issuer's clock offset
 * from the answer's `Date` header (STS and API Gateway always send one).
 */
export function exchangeToken(config: ProviderConfig, accessToken: string, clock: HostClock = systemClock): Promise<AwsCredentials> {
  return config.exchange === 'sts' ? assumeRoleWithWebIdentity(config, accessToken, clock) : callVendingApi(config, accessToken, clock);
}

/** STS errors that mean "this token will never work", so a fresh token is worth one retry. */
const TOKEN_REJECTED_CODES = new Set(['InvalidIdentityToken', 'InvalidIdentityTokenException', 'ExpiredTokenException', 'ExpiredToken']);
/** STS errors that mean "try later". */
const UNAVAILABLE_CODES = new Set(['IDPCommunicationError', 'ServiceUnavailable', 'Throttling', 'InternalFailure']);

/** The session name STS records in CloudTrail: the client id, trimmed to STS's rules. */
export function roleSessionName(clientId: string): string {
  return `oidc-s3-${clientId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

async function assumeRoleWithWebIdentity(config: Auth0DirectProviderConfig, accessToken: string, clock: HostClock): Promise<AwsCredentials> {
  return (await webIdentityExchange(config, accessToken, clock)).credentials;
}

/** What STS said besides the credentials (for `doctor`): which audience and subject it matched. */
export interface WebIdentityExchange {
  readonly credentials: AwsCredentials;
  /** STS's `Audience`: the value it matched against the provider's client ID list (`aud` or `azp`). */
  readonly audience?: string;
  readonly subject?: string;
  readonly provider?: string;
}

/**
 * STS `AssumeRoleWithWebIdentity` with the host's token.
 * @throws CredentialError CREDENTIALS_REJECTED (`<Code>: <message>` of STS) or CREDENTIALS_UNAVAILABLE
 */
export async function webIdentityExchange(config: Auth0DirectProviderConfig, accessToken: string, clock: HostClock = systemClock): Promise<WebIdentityExchange> {
  // Loaded on first use: a get-credentials answered from the cache never pays for the SDK.
  // `require` as in credential-provider: the test runner's CommonJS transform cannot load import().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AssumeRoleWithWebIdentityCommand, STSClient } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  // The SDK ignores HTTPS_PROXY and friends; this agent applies them per connection.
  const agent = environmentProxyAgent();
  // The SDK itself reads AWS_ENDPOINT_URL_STS (and the config file's endpoint_url), so a local
  // or VPC endpoint needs no setting of ours. AssumeRoleWithWebIdentity is unsigned.
  const sts = new STSClient({
    region: config.region,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: config.httpTimeoutSeconds * 1000,
      requestTimeout: config.httpTimeoutSeconds * 1000,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
  // The SDK keeps response headers to itself: this step, around each attempt's send, notes the
  // `Date` of the answer that carried the credentials and when its request left.
  let answered: { date?: string; sentAt: number } | undefined;
  sts.middlewareStack.add(
    (next) => async (args) => {
      const sentAt = clock.now();
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers;
      answered = { date: headers?.date, sentAt };
      return result;
    },
    { step: 'deserialize', name: 'oidcS3IssuerDate' },
  );
  try {
    const answer = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: config.roleArn,
        RoleSessionName: roleSessionName(config.clientId),
        WebIdentityToken: accessToken,
        DurationSeconds: config.sessionDurationSeconds,
      }),
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new CredentialError('CREDENTIALS_RESPONSE_INVALID', 'STS answered AssumeRoleWithWebIdentity without complete credentials');
    }
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
        receipt: receiptOf(answered?.date, answered?.sentAt ?? clock.now(), clock),
      },
      audience: answer.Audience,
      subject: answer.SubjectFromWebIdentityToken,
      provider: answer.Provider,
    };
  } catch (error) {
    if (error instanceof CredentialError) throw error;
    throw stsFailure(error, config.roleArn);
  } finally {
    sts.destroy();
  }
}

function stsFailure(error: unknown, roleArn: string): CredentialError {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const detail = `${name}: ${firstLine(e.message ?? '')}`;
  if (status === undefined || status >= 500 || UNAVAILABLE_CODES.has(name)) {
    const cause = status === undefined ? (e.code ?? detail) : detail;
    return new CredentialError('CREDENTIALS_UNAVAILABLE', `STS AssumeRoleWithWebIdentity failed: ${cause}`);
  }
  return new CredentialError(
    'CREDENTIALS_REJECTED',
    `STS refused AssumeRoleWithWebIdentity for ${roleArn}: ${detail}`,
    TOKEN_REJECTED_CODES.has(name),
  );
}

async function callVendingApi(config: CognitoProviderConfig | Auth0VendingProviderConfig, accessToken: string, clock: HostClock): Promise<AwsCredentials> {
  const url = config.vendingUrl;
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
  let body: string | undefined;
  if (config.sessionDurationSeconds !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({ duration_seconds: config.sessionDurationSeconds });
  }
  const sentAt = clock.now();
  const answer = await httpRequest(url, { method: 'POST', headers, body }, config.httpTimeoutSeconds);
  if ('failure' in answer) {
    throw new CredentialError('CREDENTIALS_UNAVAILABLE', `credential vending API ${url} unreachable: ${answer.failure}`);
  }
  if (answer.status >= 500 || answer.status === 429) {
    throw new CredentialError('CREDENTIALS_UNAVAILABLE', `credential vending API ${url} unavailable: ${describeErrorBody(answer.status, answer.body)}`);
  }
  if (answer.status !== 200) {
    throw new CredentialError(
      'CREDENTIALS_REJECTED',
      `credential vending API refused client ${config.clientId}: ${describeErrorBody(answer.status, answer.body)}`,
      answer.status === 401,
    );
  }
  const credentials = fromCredentialProcessJson(parseJson(answer.body));
  if (!credentials) {
    throw new CredentialError('CREDENTIALS_RESPONSE_INVALID', `credential vending API ${url} answered 200 without credential_process JSON`);
  }
  return { ...credentials, receipt: receiptOf(answer.date, sentAt, clock) };
}
