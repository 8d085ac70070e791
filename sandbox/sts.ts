// The only stand-in of the tests and the sandbox: no local STS exists. It speaks STS's AWS Query
// protocol (form POST, XML answers in the 2011-06-15 namespace) so the real SDK v3 client talks to
// it through AWS_ENDPOINT_URL_STS exactly as it would to AWS. Given an IAM model (OIDC providers
// and roles, e.g. read from the synthesized stacks) it verifies web-identity tokens as STS does and
// decides every AssumeRole* call with the role's trust policy through the IAM evaluator.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, decodeJwt, type JWTPayload } from 'jose';
import type { PolicyDocument } from '../modules/policies/document';
import type { Decision } from './iam-evaluator';
import { readBody } from './read-body';

/**
 * Which claim of a web-identity token STS matches against the OIDC provider's client ID list and
 * exposes as `<provider>:aud`. AWS documents `aud` for custom providers and, for Google only, that
 * when `azp` is present `:aud` is `azp` and `:oaud` the token's `aud`; public reports
 * (aws/aws-sdk-net#3071, #3100) suggest STS applies the `azp` reading to other providers too.
 * The platform must work under both, so the stand-in models both.
 * - `aud`: the list and `:aud` match the token's `aud`.
 * - `azp`: when the token has `azp`, the list and `:aud` match `azp`, and `:oaud` is its `aud`.
 */
export type AzpReading = 'aud' | 'azp';
export const AZP_READINGS: readonly AzpReading[] = ['aud', 'azp'];

/** An IAM OIDC provider as STS sees it. */
export interface OidcProviderModel {
  /** `arn:aws:iam::<account>:oidc-provider/<host>/`: the `Federated` principal of trust policies. */
  readonly arn: string;
  /** The issuer as tokens carry it in `iss` (`https://tenant.eu.auth0.com/`). */
  readonly issuer: string;
  /** Prefix of the condition keys (`tenant.eu.auth0.com/` in `tenant.eu.auth0.com/:aud`): the provider URL without `https://`. */
  readonly conditionKeyPrefix: string;
  /** The provider's client ID list (audiences). */
  readonly clientIds: readonly string[];
  /** Where the issuer's signing keys are. */
  readonly jwksUrl: string;
}

/** A role as STS sees it. */
export interface RoleModel {
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  /** The role's MaxSessionDuration, seconds (IAM: 3600–43200). */
  readonly maxSessionDuration: number;
}

/** The account's IAM, read at each call (the sandbox swaps it when the stacks are re-synthesized). */
export interface IamModel {
  oidcProviders(): readonly OidcProviderModel[];
  role(arn: string): RoleModel | undefined;
  /**
   * The principal behind a long-term access key (e.g. the vending Lambda's execution role). When
   * the model has this, AssumeRole is decided too (caller and trust policy); without it, only
   * AssumeRoleWithWebIdentity is.
   */
  principalOfAccessKey?(accessKeyId: string): string | undefined;
}

/** Credentials this STS issued, and what they are bound to. */
export interface IssuedSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`. */
  readonly sessionArn: string;
  readonly sourceIdentity?: string;
  readonly issuedAt: Date;
  readonly expiration: Date;
}

export interface StsCall {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** The AccessKeyId handed out, when the call succeeded. */
  issuedAccessKeyId?: string;
}

export interface StsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface StsFault {
  readonly code: string;
  readonly message?: string;
  /** @default the status real STS uses for the code (e.g. 403 AccessDenied, 400 Throttling) */
  readonly status?: number;
}

export interface StsStubOptions {
  /**
   * Credentials handed out (e.g. to match what s3rver accepts), or a function of the role ARN
   * (so that each role's sessions sign S3 requests with keys of their own). @default random ASIA… keys
   */
  readonly credentials?: StsKeys | ((roleArn: string) => StsKeys);
  /**
   * The account's OIDC providers and roles: web-identity tokens are verified as STS does (issuer
   * → provider, signature via the JWKS, expiry, audience against the client ID list) and every
   * AssumeRole* call is decided by the role's trust policy.
   * @default tokens are accepted unverified and every role may be assumed
   */
  readonly iam?: IamModel;
  /**
   * Shorthand for an IAM model of one IdP (used when `iam` is not given): an OIDC provider whose
   * client ID list is `audience`, and roles trusting it for exactly `roles[roleArn]` as `sub` and
   * `audience` as `aud`.
   */
  readonly webIdentity?: {
    readonly jwksUrl: string;
    readonly issuer: string;
    readonly audience: string;
    readonly roles: Readonly<Record<string, string>>;
  };
  /**
   * Sessions end this many seconds after issue whatever DurationSeconds asked (STS's floor is
   * 900 s): lets a test see a refresh, or an expiry, without waiting a quarter of an hour.
   * @default DurationSeconds
   */
  readonly sessionLifetimeSeconds?: number;
  /** How STS reads `azp` (see `AzpReading`). @default 'aud' */
  readonly azpReading?: AzpReading;
  /**
   * What GetCallerIdentity answers (the AWS provider's `aws_caller_identity` data source).
   * @default account 123456789012, an IAM user `stub`
   */
  readonly callerIdentity?: { readonly account: string; readonly arn: string; readonly userId: string };
}

/** An IAM model with fixed providers and roles (tests; the sandbox builds its own from the stacks). */
export function staticIam(input: { providers?: readonly OidcProviderModel[]; roles?: readonly RoleModel[]; accessKeys?: Readonly<Record<string, string>> }): IamModel {
  const roles = new Map((input.roles ?? []).map((role) => [role.arn, role]));
  return {
    oidcProviders: () => input.providers ?? [],
    role: (arn) => roles.get(arn),
    ...(input.accessKeys ? { principalOfAccessKey: (id: string) => input.accessKeys?.[id] } : {}),
  };
}

/** The IAM model `StsStubOptions.webIdentity` stands for. */
function webIdentityModel(web: NonNullable<StsStubOptions['webIdentity']>): IamModel {
  const conditionKeyPrefix = web.issuer.replace(/^https:\/\//, '');
  const arn = `arn:aws:iam::123456789012:oidc-provider/${conditionKeyPrefix}`;
  return staticIam({
    providers: [{ arn, issuer: web.issuer, conditionKeyPrefix, clientIds: [web.audience], jwksUrl: web.jwksUrl }],
    roles: Object.entries(web.roles).map(([roleArn, sub]) => ({
      arn: roleArn,
      maxSessionDuration: 43_200,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: arn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${conditionKeyPrefix}:aud`]: web.audience, [`${conditionKeyPrefix}:sub`]: sub } },
          },
        ],
      },
    })),
  });
}

export interface StsStub {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_STS. */
  readonly url: string;
  /** Every request, in order (faulted ones included). */
  readonly calls: StsCall[];
  /** Every session issued, by access key id (for an S3 endpoint that authenticates them). */
  readonly sessions: ReadonlyMap<string, IssuedSession>;
  readonly azpReading: AzpReading;
  /** Queues faults answered (as real STS XML errors) to the next calls, one per call. */
  failNext(...faults: StsFault[]): void;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_STATUS: Record<string, number> = {
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  RegionDisabledException: 403,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};
const NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN_PATTERN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = DEFAULT_STATUS[code] ?? 400,
  ) {
    super(message);
  }
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(value)}</${name}>`;
}

function randomKey(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + [...randomBytes(length - prefix.length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The access key id of a SigV4 `Authorization` header (`Credential=<id>/<date>/…`). */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

const CHAINED_SESSION_LIMIT = 3600;

/** The IAM evaluator, loaded on first use: its policy catalogue is large, and a stub without an IAM model never needs it. */
function trustDecision(...args: Parameters<typeof import('./iam-evaluator').trustDecision>): Promise<Decision> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const evaluator = require('./iam-evaluator') as typeof import('./iam-evaluator');
  return evaluator.trustDecision(...args);
}

/** STS's AccessDenied: web-identity callers get the short form real STS answers them with. */
function accessDenied(action: string, caller: string, roleArn: string): StsError {
  if (action === 'sts:AssumeRoleWithWebIdentity') return new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  return new StsError('AccessDenied', `User: ${caller} is not authorized to perform: ${action} on resource: ${roleArn}`);
}

/** STS's refusal of a token whose audience is not in the provider's client ID list. */
export const INCORRECT_AUDIENCE = 'Incorrect token audience';

/**
 * The audience STS matches for a verified token under `reading`, and the condition keys it sets
 * from it (`<prefix>:aud`, and `<prefix>:oaud` under the `azp` reading); `<prefix>:sub` is the
 * caller's to add. Throws STS's `InvalidIdentityToken` "Incorrect token audience" when the
 * matched claim is not in the provider's client ID list.
 */
export function webIdentityContext(
  payload: JWTPayload,
  provider: Pick<OidcProviderModel, 'clientIds' | 'conditionKeyPrefix'>,
  reading: AzpReading,
): { audience: string; context: Record<string, string> } {
  const auds = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  const azp = typeof payload.azp === 'string' ? payload.azp : undefined;
  const prefix = provider.conditionKeyPrefix;
  if (reading === 'azp' && azp !== undefined) {
    if (!provider.clientIds.includes(azp)) throw new StsError('InvalidIdentityToken', INCORRECT_AUDIENCE);
    return { audience: azp, context: { [`${prefix}:aud`]: azp, ...(auds[0] === undefined ? {} : { [`${prefix}:oaud`]: auds[0] }) } };
  }
  const audience = auds.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw new StsError('InvalidIdentityToken', INCORRECT_AUDIENCE);
  return { audience, context: { [`${prefix}:aud`]: audience } };
}

export async function startStsStub(options: StsStubOptions = {}): Promise<StsStub> {
  const calls: StsCall[] = [];
  const faults: StsFault[] = [];
  const sessions = new Map<string, IssuedSession>();
  const iam = options.iam ?? (options.webIdentity ? webIdentityModel(options.webIdentity) : undefined);
  const azpReading = options.azpReading ?? 'aud';
  const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const jwksFor = (url: string) => {
    let jwks = jwksByUrl.get(url);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(url), { cooldownDuration: 0 });
      jwksByUrl.set(url, jwks);
    }
    return jwks;
  };

  const issue = (roleArn: string, sessionArn: string, durationSeconds: number, sourceIdentity?: string): IssuedSession => {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const keys = typeof options.credentials === 'function' ? options.credentials(roleArn) : options.credentials;
    const session: IssuedSession = {
      accessKeyId: keys?.accessKeyId ?? randomKey('ASIA', 20),
      secretAccessKey: keys?.secretAccessKey ?? randomBytes(30).toString('base64'),
      sessionToken: randomBytes(120).toString('base64'),
      roleArn,
      sessionArn,
      sourceIdentity,
      issuedAt,
      expiration: new Date(issuedAt.getTime() + (options.sessionLifetimeSeconds ?? durationSeconds) * 1000),
    };
    sessions.set(session.accessKeyId, session);
    return session;
  };

  const credentialsXml = (session: IssuedSession): string =>
    '<Credentials>' +
    element('AccessKeyId', session.accessKeyId) +
    element('SecretAccessKey', session.secretAccessKey) +
    element('SessionToken', session.sessionToken) +
    element('Expiration', session.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')) +
    '</Credentials>';

  const commonParams = (params: Record<string, string>): { roleArn: string; account: string; roleName: string; session: string; duration: number } => {
    const roleArn = params.RoleArn ?? '';
    const session = params.RoleSessionName ?? '';
    const arn = ROLE_ARN_PATTERN.exec(roleArn);
    if (!arn) throw new StsError('ValidationError', `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a valid role ARN`);
    if (!NAME_PATTERN.test(session)) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
    return { roleArn, account: arn[1]!, roleName: arn[2]!, session, duration };
  };

  /** The role, and the duration checked against its MaxSessionDuration (as STS does). */
  const roleFor = (roleArn: string, duration: number, action: string, caller: string): RoleModel | undefined => {
    if (!iam) return undefined;
    const role = iam.role(roleArn);
    if (!role) throw accessDenied(action, caller, roleArn);
    if (duration > role.maxSessionDuration) {
      throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    return role;
  };

  const denyUnlessAllowed = async (role: RoleModel, principal: string, action: string, context: Record<string, string>, caller: string): Promise<void> => {
    const decision = await trustDecision(role.trustPolicy, { principal, action, resource: role.arn, context });
    if (decision !== 'Allowed') throw accessDenied(action, caller, role.arn);
  };

  const assumedRoleArn = (account: string, roleName: string, session: string) => `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;

  const assumedRoleUser = (sessionArn: string, session: string): string =>
    '<AssumedRoleUser>' + element('Arn', sessionArn) + element('AssumedRoleId', `AROA${randomKey('', 17)}:${session}`) + '</AssumedRoleUser>';

  const assumeRole = async (req: IncomingMessage, params: Record<string, string>): Promise<string> => {
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const { roleArn, account, roleName, session, duration } = commonParams(params);
    const sourceIdentity = params.SourceIdentity;
    if (sourceIdentity !== undefined && (!NAME_PATTERN.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint`);
    }
    if (iam?.principalOfAccessKey) {
      const keyId = accessKeyIdOf(req.headers.authorization);
      const callerSession = keyId === undefined ? undefined : sessions.get(keyId);
      const caller = callerSession?.sessionArn ?? (keyId === undefined ? undefined : iam.principalOfAccessKey?.(keyId));
      if (caller === undefined) throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      if (callerSession && callerSession.expiration.getTime() <= Date.now()) throw new StsError('ExpiredToken', 'The security token included in the request is expired', 400);
      // A role session assuming a role is role chaining: STS caps it at one hour.
      if ((callerSession || caller.includes(':assumed-role/')) && duration > CHAINED_SESSION_LIMIT) {
        throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      }
      const role = roleFor(roleArn, duration, 'sts:AssumeRole', caller)!;
      const context: Record<string, string> = sourceIdentity === undefined ? {} : { 'sts:SourceIdentity': sourceIdentity };
      await denyUnlessAllowed(role, caller, 'sts:AssumeRole', context, caller);
      if (sourceIdentity !== undefined) await denyUnlessAllowed(role, caller, 'sts:SetSourceIdentity', context, caller);
    }
    const sessionArn = assumedRoleArn(account, roleName, session);
    const issued = issue(roleArn, sessionArn, duration, sourceIdentity);
    return '<AssumeRoleResult>' + element('SourceIdentity', sourceIdentity) + assumedRoleUser(sessionArn, session) + credentialsXml(issued) + '</AssumeRoleResult>';
  };

  const invalidToken = () =>
    new StsError('InvalidIdentityToken', 'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.');

  const verifyWebIdentity = async (token: string): Promise<{ payload: JWTPayload; provider?: OidcProviderModel }> => {
    if (!iam) return { payload: decodeJwt(token) };
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw invalidToken();
    }
    const provider = iam.oidcProviders().find((p) => p.issuer === unverified.iss);
    if (!provider) throw new StsError('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for the token issuer');
    try {
      const { payload } = await jwtVerify(token, jwksFor(provider.jwksUrl), { algorithms: ['RS256'], issuer: provider.issuer, requiredClaims: ['sub', 'exp'] });
      return { payload, provider };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new StsError('ExpiredTokenException', 'Token expired: current date/time must be before the expiration date/time');
      if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSNoMatchingKey) && err.code === 'ERR_JOSE_GENERIC') {
        throw new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider");
      }
      if (err instanceof TypeError) throw new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider");
      throw invalidToken();
    }
  };

  const assumeRoleWithWebIdentity = async (params: Record<string, string>): Promise<string> => {
    const { roleArn, account, roleName, session, duration } = commonParams(params);
    const token = params.WebIdentityToken;
    if (!token) throw new StsError('ValidationError', "1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null");
    const { payload, provider } = await verifyWebIdentity(token);
    let audience = typeof payload.aud === 'string' ? payload.aud : String(payload.aud);
    if (provider) {
      const matched = webIdentityContext(payload, provider, azpReading);
      audience = matched.audience;
      const caller = provider.arn;
      const role = roleFor(roleArn, duration, 'sts:AssumeRoleWithWebIdentity', caller)!;
      const context = { ...matched.context, [`${provider.conditionKeyPrefix}:sub`]: String(payload.sub) };
      const decision = await trustDecision(role.trustPolicy, { principal: provider.arn, action: 'sts:AssumeRoleWithWebIdentity', resource: role.arn, context });
      if (decision !== 'Allowed') throw accessDenied('sts:AssumeRoleWithWebIdentity', caller, role.arn);
    }
    const sessionArn = assumedRoleArn(account, roleName, session);
    const issued = issue(roleArn, sessionArn, duration);
    return (
      '<AssumeRoleWithWebIdentityResult>' +
      element('SubjectFromWebIdentityToken', String(payload.sub)) +
      element('Audience', audience) +
      assumedRoleUser(sessionArn, session) +
      credentialsXml(issued) +
      element('Provider', String(payload.iss)) +
      '</AssumeRoleWithWebIdentityResult>'
    );
  };

  /** As STS does: a session this stub issued answers as its assumed role, in the role's account. */
  const getCallerIdentity = (req: IncomingMessage): string => {
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const session = accessKeyId === undefined ? undefined : sessions.get(accessKeyId);
    const sessionAccount = session ? /^arn:aws:sts::(\d{12}):/.exec(session.sessionArn)?.[1] : undefined;
    const identity =
      session && sessionAccount
        ? { account: sessionAccount, arn: session.sessionArn, userId: `AROASTUBSTUBSTUBSTUB:${session.sessionArn.split('/').pop()}` }
        : (options.callerIdentity ?? { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/stub', userId: 'AIDASTUBSTUBSTUBSTUB' });
    return `<GetCallerIdentityResult>${element('Arn', identity.arn)}${element('UserId', identity.userId)}${element('Account', identity.account)}</GetCallerIdentityResult>`;
  };

  const send = (res: ServerResponse, status: number, xml: string): void => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
    res.end(body);
  };

  const sendError = (res: ServerResponse, err: StsError): void => {
    const type = err.status >= 500 ? 'Receiver' : 'Sender';
    send(
      res,
      err.status,
      `<ErrorResponse xmlns="${NAMESPACE}"><Error>${element('Type', type)}${element('Code', err.code)}${element('Message', err.message)}</Error>${element('RequestId', randomUUID())}</ErrorResponse>`,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const { Action: action = '', Version: _version, ...rest } = params;
    const call: StsCall = { action, params: rest };
    calls.push(call);
    const fault = faults.shift();
    if (fault) return sendError(res, new StsError(fault.code, fault.message ?? `${fault.code} (injected)`, fault.status));
    let result: string;
    if (action === 'AssumeRole') result = await assumeRole(req, rest);
    else if (action === 'AssumeRoleWithWebIdentity') result = await assumeRoleWithWebIdentity(rest);
    else if (action === 'GetCallerIdentity') result = getCallerIdentity(req);
    else throw new StsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    call.issuedAccessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(result)?.[1];
    const response = `${action}Response`;
    return send(res, 200, `<${response} xmlns="${NAMESPACE}">${result}<ResponseMetadata>${element('RequestId', randomUUID())}</ResponseMetadata></${response}>`);
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST') return sendError(res, new StsError('InvalidAction', 'Only POST is supported here', 400));
    handle(req, res).catch((err: unknown) => sendError(res, err instanceof StsError ? err : new StsError('InternalFailure', String(err), 500)));
    return undefined;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    calls,
    sessions,
    azpReading,
    failNext(...next) {
      faults.push(...next);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
