// The only stand-in of the test suite: no local STS exists. It speaks STS's AWS Query protocol
// (form POST, XML answers in the 2011-06-15 namespace) so the real SDK v3 client talks to it
// through AWS_ENDPOINT_URL_STS exactly as it would to AWS.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, decodeJwt } from 'jose';
import { readBody } from './read-body';

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
   * Sessions end this many seconds after issue whatever DurationSeconds asked (STS's floor is
   * 900 s): lets a test see a refresh, or an expiry, without waiting a quarter of an hour.
   * @default DurationSeconds
   */
  readonly sessionLifetimeSeconds?: number;
  /**
   * For AssumeRoleWithWebIdentity: verify the token like STS does against this IdP (signature via
   * JWKS, iss, aud), and the role's trust: roleArn → required sub.
   * @default tokens are accepted unverified
   */
  readonly webIdentity?: {
    readonly jwksUrl: string;
    readonly issuer: string;
    readonly audience: string;
    readonly roles: Readonly<Record<string, string>>;
  };
  /**
   * What GetCallerIdentity answers (the AWS provider's `aws_caller_identity` data source).
   * @default account 123456789012, an IAM user `stub`
   */
  readonly callerIdentity?: { readonly account: string; readonly arn: string; readonly userId: string };
}

export interface StsStub {
  /** http://127.0.0.1:<port>, for AWS_ENDPOINT_URL_STS. */
  readonly url: string;
  /** Every request, in order (faulted ones included). */
  readonly calls: StsCall[];
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

class StsError extends Error {
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

export async function startStsStub(options: StsStubOptions = {}): Promise<StsStub> {
  const calls: StsCall[] = [];
  const faults: StsFault[] = [];
  const web = options.webIdentity;
  const jwks = web ? createRemoteJWKSet(new URL(web.jwksUrl), { cooldownDuration: 0 }) : undefined;

  const credentialsXml = (durationSeconds: number, roleArn: string): string => {
    const expiration = new Date(Date.now() + (options.sessionLifetimeSeconds ?? durationSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const keys = typeof options.credentials === 'function' ? options.credentials(roleArn) : options.credentials;
    return (
      '<Credentials>' +
      element('AccessKeyId', keys?.accessKeyId ?? randomKey('ASIA', 20)) +
      element('SecretAccessKey', keys?.secretAccessKey ?? randomBytes(30).toString('base64')) +
      element('SessionToken', randomBytes(120).toString('base64')) +
      element('Expiration', expiration) +
      '</Credentials>'
    );
  };

  const commonParams = (params: Record<string, string>): { account: string; roleName: string; session: string; duration: number } => {
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
    return { account: arn[1]!, roleName: arn[2]!, session, duration };
  };

  const assumedRoleUser = (account: string, roleName: string, session: string): string =>
    '<AssumedRoleUser>' +
    element('Arn', `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`) +
    element('AssumedRoleId', `AROA${randomKey('', 17)}:${session}`) +
    '</AssumedRoleUser>';

  const assumeRole = (req: IncomingMessage, params: Record<string, string>): string => {
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const { account, roleName, session, duration } = commonParams(params);
    const sourceIdentity = params.SourceIdentity;
    if (sourceIdentity !== undefined && (!NAME_PATTERN.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint`);
    }
    return (
      '<AssumeRoleResult>' +
      element('SourceIdentity', sourceIdentity) +
      assumedRoleUser(account, roleName, session) +
      credentialsXml(duration, params.RoleArn ?? '') +
      '</AssumeRoleResult>'
    );
  };

  const verifyWebIdentity = async (token: string, roleArn: string): Promise<{ sub: string; aud: string; iss: string }> => {
    if (!web || !jwks) {
      const claims = decodeJwt(token);
      return { sub: String(claims.sub), aud: String(claims.aud), iss: String(claims.iss) };
    }
    try {
      const { payload } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: web.issuer, audience: web.audience, requiredClaims: ['sub', 'exp'] });
      const requiredSub = web.roles[roleArn];
      if (requiredSub === undefined || payload.sub !== requiredSub) {
        throw new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      }
      return { sub: payload.sub, aud: web.audience, iss: web.issuer };
    } catch (err) {
      if (err instanceof StsError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new StsError('ExpiredTokenException', 'Token expired: current date/time must be before the expiration date/time');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw new StsError('InvalidIdentityToken', 'Incorrect token audience');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') {
        throw new StsError('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for the token issuer');
      }
      if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSNoMatchingKey) && err.code === 'ERR_JOSE_GENERIC') {
        throw new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider");
      }
      if (err instanceof TypeError) throw new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider");
      throw new StsError('InvalidIdentityToken', "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.");
    }
  };

  const assumeRoleWithWebIdentity = async (params: Record<string, string>): Promise<string> => {
    const { account, roleName, session, duration } = commonParams(params);
    const token = params.WebIdentityToken;
    if (!token) throw new StsError('ValidationError', "1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null");
    const identity = await verifyWebIdentity(token, params.RoleArn ?? '');
    return (
      '<AssumeRoleWithWebIdentityResult>' +
      element('SubjectFromWebIdentityToken', identity.sub) +
      element('Audience', identity.aud) +
      assumedRoleUser(account, roleName, session) +
      credentialsXml(duration, params.RoleArn ?? '') +
      element('Provider', identity.iss) +
      '</AssumeRoleWithWebIdentityResult>'
    );
  };

  const getCallerIdentity = (): string => {
    const identity = options.callerIdentity ?? { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/stub', userId: 'AIDASTUBSTUBSTUBSTUB' };
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
    if (action === 'AssumeRole') result = assumeRole(req, rest);
    else if (action === 'AssumeRoleWithWebIdentity') result = await assumeRoleWithWebIdentity(rest);
    else if (action === 'GetCallerIdentity') result = getCallerIdentity();
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
    failNext(...next) {
      faults.push(...next);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
