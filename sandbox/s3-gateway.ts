/**
 * The sandbox's S3 endpoint: what AWS does in front of a bucket, and no more. It authenticates
 * each request by recomputing its SigV4 signature (@smithy/signature-v4, the AWS SDK's own signer)
 * with the secret of the STS session it names, decides it with the IAM evaluator against the
 * session role's identity policies and the bucket policy, as read from the synthesized stacks,
 * and forwards what is allowed to s3rver. A denied request gets S3's own `AccessDenied` XML.
 *
 * Action mapping follows the S3 actions reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { PolicyDocument } from '../modules/policies/document';
import { sessionDecision } from './iam-evaluator';
import type { LocalTls } from './local-tls';
import type { IssuedSession } from './sts';

/** What the gateway needs to know about a session's role, at the time of each request. */
export interface RolePolicies {
  /** The role's identity policies (inline policies), as deployed. */
  readonly identityPolicies: readonly PolicyDocument[];
}

export interface S3GatewayOptions {
  readonly tls: LocalTls;
  /** s3rver's URL (path-style). */
  readonly upstream: string;
  readonly region: string;
  /** The sessions STS issued, by access key id. */
  session(accessKeyId: string): IssuedSession | undefined;
  /** The session role's policies now (undefined: the role no longer exists). */
  role(roleArn: string): RolePolicies | undefined;
  /** The bucket's policy now, if it has one. */
  bucketPolicy(bucket: string): PolicyDocument | undefined;
  /** Called once per session before its first forwarded request (s3rver must know the key). */
  admit(session: IssuedSession): void;
}

export interface S3Gateway {
  /** https://127.0.0.1:<port>, for AWS_ENDPOINT_URL_S3 (path-style). */
  readonly url: string;
  /** Requests decided so far, for tests and the log. */
  readonly decisions: Array<{ readonly action: string; readonly resource: string; readonly allowed: boolean; readonly principal: string }>;
  close(): Promise<void>;
}

/** One authorization check of a request: S3 may need several (CopyObject, DeleteObjects). */
interface Check {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** SigV4's hash and HMAC over node:crypto, in the shape the smithy signer takes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlUnescape(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, resource: string): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message><Resource>${xmlEscape(resource)}</Resource>` +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
  res.writeHead(error.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId, ...(req.method === 'HEAD' ? {} : { 'content-length': Buffer.byteLength(body) }) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const MAX_SIGNING_SKEW_MS = 15 * 60 * 1000;

/** `Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
function parseAuthorization(header: string): { accessKeyId: string; region: string; signedHeaders: string[]; signature: string } {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(header.trim());
  if (!match) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the sandbox accepts SigV4 for service s3 only.');
  return { accessKeyId: match[1]!, region: match[2]!, signedHeaders: match[3]!.split(';'), signature: match[4]! };
}

/** Recomputes the request's signature with the session's secret; throws S3's error when it differs. */
async function verifySignature(req: IncomingMessage, url: URL, session: IssuedSession, auth: ReturnType<typeof parseAuthorization>): Promise<void> {
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !/^\d{8}T\d{6}Z$/.test(amzDate)) throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  // S3 refuses a signing time more than 15 minutes off its own clock (SigV4, "Authenticating Requests").
  if (Math.abs(signingDate.getTime() - Date.now()) > MAX_SIGNING_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) throw new S3Error(403, 'SignatureDoesNotMatch', `The signed header ${name} is missing from the request.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken },
    region: auth.region,
    service: 's3',
    sha256: Sha256,
    // S3 signs the path as sent (no second URI encoding).
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'https:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1];
  if (expected !== auth.signature) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const BUCKET_READS: Record<string, string> = {
  location: 's3:GetBucketLocation',
  uploads: 's3:ListBucketMultipartUploads',
  versions: 's3:ListBucketVersions',
  versioning: 's3:GetBucketVersioning',
  policy: 's3:GetBucketPolicy',
  acl: 's3:GetBucketAcl',
  tagging: 's3:GetBucketTagging',
  lifecycle: 's3:GetLifecycleConfiguration',
  encryption: 's3:GetEncryptionConfiguration',
  ownershipControls: 's3:GetBucketOwnershipControls',
  publicAccessBlock: 's3:GetBucketPublicAccessBlock',
};

/** The IAM checks one S3 request needs (path-style addressing). */
async function checksFor(req: IncomingMessage, url: URL, body: () => Promise<Buffer>): Promise<{ bucket: string; checks: Check[]; resource: string }> {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  if (!bucket) return { bucket, resource: '/', checks: [{ action: 's3:ListAllMyBuckets', resource: '*' }] };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (!key) {
    const resource = `/${bucket}`;
    if (method === 'GET' || method === 'HEAD') {
      const sub = Object.keys(BUCKET_READS).find((name) => q.has(name));
      if (sub) return { bucket, resource, checks: [{ action: BUCKET_READS[sub]!, resource: bucketArn }] };
      const context: Record<string, string> = { 's3:prefix': q.get('prefix') ?? '' };
      if (q.has('delimiter')) context['s3:delimiter'] = q.get('delimiter')!;
      if (q.has('max-keys')) context['s3:max-keys'] = q.get('max-keys')!;
      return { bucket, resource, checks: [{ action: 's3:ListBucket', resource: bucketArn, context }] };
    }
    if (method === 'POST' && q.has('delete')) {
      const keys = [...(await body()).toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
      return { bucket, resource, checks: keys.map((k) => ({ action: 's3:DeleteObject', resource: `${bucketArn}/${k}` })) };
    }
    const bucketWrites: Record<string, string> = { PUT: 's3:CreateBucket', DELETE: 's3:DeleteBucket' };
    return { bucket, resource, checks: [{ action: bucketWrites[method] ?? 's3:PutBucketPolicy', resource: bucketArn }] };
  }
  const objectArn = `${bucketArn}/${key}`;
  const resource = `/${bucket}/${key}`;
  const one = (action: string): { bucket: string; resource: string; checks: Check[] } => ({ bucket, resource, checks: [{ action, resource: objectArn }] });
  if (method === 'GET' || method === 'HEAD') {
    if (q.has('uploadId')) return one('s3:ListMultipartUploadParts');
    if (q.has('tagging')) return one('s3:GetObjectTagging');
    if (q.has('acl')) return one('s3:GetObjectAcl');
    return one(q.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject');
  }
  if (method === 'PUT') {
    if (q.has('tagging')) return one('s3:PutObjectTagging');
    if (q.has('acl')) return one('s3:PutObjectAcl');
    const source = req.headers['x-amz-copy-source'];
    if (typeof source === 'string') {
      const [sourcePath = ''] = decodeURIComponent(source).replace(/^\//, '').split('?');
      return { bucket, resource, checks: [{ action: 's3:PutObject', resource: objectArn }, { action: 's3:GetObject', resource: `arn:aws:s3:::${sourcePath}` }] };
    }
    return one('s3:PutObject');
  }
  if (method === 'POST') return one(q.has('restore') ? 's3:RestoreObject' : 's3:PutObject');
  if (method === 'DELETE') {
    if (q.has('uploadId')) return one('s3:AbortMultipartUpload');
    if (q.has('tagging')) return one('s3:DeleteObjectTagging');
    return one(q.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject');
  }
  throw new S3Error(405, 'MethodNotAllowed', `The specified method is not allowed against this resource: ${method}`);
}

export async function startS3Gateway(options: S3GatewayOptions): Promise<S3Gateway> {
  const decisions: S3Gateway['decisions'] = [];
  const admitted = new Set<string>();
  const upstream = new URL(options.upstream);

  const handle = async (req: IncomingMessage, res: ServerResponse, selfUrl: URL): Promise<void> => {
    const url = new URL(req.url ?? '/', selfUrl);
    let resource = url.pathname;
    try {
      const authorization = req.headers.authorization;
      if (url.searchParams.has('X-Amz-Signature')) throw new S3Error(403, 'AccessDenied', 'Presigned URLs are not supported by the sandbox; sign requests with an Authorization header.');
      if (!authorization) throw new S3Error(403, 'AccessDenied', 'Access Denied');
      const auth = parseAuthorization(authorization);
      const session = options.session(auth.accessKeyId);
      if (!session) throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
      if (req.headers['x-amz-security-token'] !== session.sessionToken) throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
      if (session.expiration.getTime() <= Date.now()) throw new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
      await verifySignature(req, url, session, auth);

      let buffered: Buffer | undefined;
      const body = async () => (buffered ??= await readAll(req));
      const { bucket, checks, resource: r } = await checksFor(req, url, body);
      resource = r;
      const role = options.role(session.roleArn);
      const bucketPolicy = options.bucketPolicy(bucket);
      const context: Record<string, string> = {
        'aws:SecureTransport': 'true',
        'aws:PrincipalArn': session.roleArn,
        'aws:TokenIssueTime': session.issuedAt.toISOString(),
        'aws:CurrentTime': new Date().toISOString(),
        'aws:EpochTime': String(Math.floor(Date.now() / 1000)),
        ...(session.sourceIdentity === undefined ? {} : { 'aws:SourceIdentity': session.sourceIdentity }),
      };
      for (const check of checks) {
        const decision = role
          ? await sessionDecision({
              principal: session.sessionArn,
              action: check.action,
              resource: check.resource,
              context: { ...context, ...check.context },
              identityPolicies: role.identityPolicies,
              resourcePolicy: bucketPolicy,
            })
          : 'ImplicitlyDenied';
        decisions.push({ action: check.action, resource: check.resource, allowed: decision === 'Allowed', principal: session.sessionArn });
        if (decision !== 'Allowed') throw new S3Error(403, 'AccessDenied', 'Access Denied');
      }
      if (!admitted.has(session.accessKeyId)) {
        options.admit(session);
        admitted.add(session.accessKeyId);
      }
      await forward(req, res, buffered, upstream);
    } catch (error) {
      const s3Error = error instanceof S3Error ? error : new S3Error(500, 'InternalError', `We encountered an internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendError(req, res, s3Error, resource);
      else res.destroy();
    }
  };

  const server: Server = createServer({ key: options.tls.key, cert: options.tls.cert });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const selfUrl = new URL(url);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void handle(req, res, selfUrl));
  return {
    url,
    decisions,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The payload of an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0…\r\n`
 * then trailers): S3 decodes it before storing, s3rver does not.
 */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) throw new S3Error(400, 'IncompleteBody', 'The aws-chunked body ended before its last chunk.');
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'InvalidRequest', 'The aws-chunked body has a malformed chunk header.');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function isAwsChunked(req: IncomingMessage): boolean {
  return String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-') || String(req.headers['content-encoding'] ?? '').includes('aws-chunked');
}

/** Sends the request on to s3rver (headers, signature and body; an aws-chunked body decoded, as S3 does), and its answer back. */
async function forward(req: IncomingMessage, res: ServerResponse, buffered: Buffer | undefined, upstream: URL): Promise<void> {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: upstream.host };
  let body = buffered;
  if (isAwsChunked(req)) {
    body = decodeAwsChunked(body ?? (await readAll(req)));
    const encodings = String(headers['content-encoding'] ?? '').split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked');
    if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
    else delete headers['content-encoding'];
    for (const name of ['x-amz-decoded-content-length', 'x-amz-trailer', 'transfer-encoding']) delete headers[name];
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    if (body !== undefined) out.end(body);
    else req.pipe(out);
  });
}
