// The shared local servers behave like the real services the code under test talks to.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createClientRolesTable, putClientRole, startDynalite, type LocalDynamo } from '../../sandbox/dynalite';
import { startS3 } from '../../sandbox/s3rver';
import { readAfterWrite, type FilesystemStore } from '../../sandbox/s3rver-store';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { vendingLambdaTrust } from '../../modules/policies/server-trust';
import { AZP_READINGS, startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0StsModel } from '../client/harness';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-dev-web-01';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function postForm(url: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('OAuth server, cognito style', () => {
  let idp: OAuthServer;
  beforeAll(async () => {
    idp = await startOAuthServer({ style: 'cognito', clients: [{ clientId: 'web01', clientSecret: 's3cret' }], resourceServer: 'https://s3.test' });
  });
  afterAll(() => idp.close());

  it('issues an RS256 access token without aud that verifies against its JWKS over HTTPS', async () => {
    const { status, json } = await postForm(idp.tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('web01', 's3cret') });
    expect(status).toBe(200);
    expect(json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const token = String(json.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: idp.kid });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUrl)), { issuer: idp.issuer, algorithms: ['RS256'] });
    expect(payload).toMatchObject({ client_id: 'web01', sub: 'web01', token_use: 'access', scope: 'https://s3.test/write https://s3.test/read' });
    expect(payload.aud).toBeUndefined();
    expect(idp.issuer).toBe(`${idp.url}/eu-west-1_TestPool`);
    expect(idp.jwksRequests).toBe(1);
  });

  it('refuses wrong secrets, other grants and scopes the client lacks', async () => {
    const before = idp.tokenRequests;
    expect(await postForm(idp.tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('web01', 'wrong') })).toEqual({ status: 401, json: { error: 'invalid_client' } });
    expect(await postForm(idp.tokenUrl, { grant_type: 'password' }, { authorization: basic('web01', 's3cret') })).toEqual({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await postForm(idp.tokenUrl, { grant_type: 'client_credentials', scope: 'https://s3.test/delete' }, { authorization: basic('web01', 's3cret') })).toEqual({
      status: 400,
      json: { error: 'invalid_scope' },
    });
    expect(idp.tokenRequests - before).toBe(3);
  });

  it('answers 503 everywhere while unavailable, and serves old and new keys after a rotation', async () => {
    idp.available = false;
    expect((await fetch(idp.jwksUrl)).status).toBe(503);
    idp.available = true;
    const oldKid = idp.kid;
    await idp.rotateKey();
    expect(idp.kid).not.toBe(oldKid);
    const { keys } = (await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).toEqual([oldKid, idp.kid]);
    await idp.rotateKey({ dropOld: true });
    const after = (await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(after.keys.map((k) => k.kid)).toEqual([idp.kid]);
  });
});

describe('OAuth server, auth0 style', () => {
  it('issues tokens for the configured audience only (client_secret_post, JSON body)', async () => {
    const idp = await startOAuthServer({ style: 'auth0', clients: [{ clientId: 'abc', clientSecret: 'xyz', scopes: ['upload'] }], audience: 'https://api.test' });
    try {
      const post = (audience: string, secret = 'xyz') =>
        fetch(idp.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'abc', client_secret: secret, audience }),
        });
      const ok = (await (await post('https://api.test')).json()) as Record<string, unknown>;
      const { payload } = await jwtVerify(String(ok.access_token), createRemoteJWKSet(new URL(idp.jwksUrl)), { issuer: `${idp.url}/`, audience: 'https://api.test' });
      expect(payload).toMatchObject({ sub: 'abc@clients', azp: 'abc', gty: 'client-credentials', scope: 'upload' });
      expect(ok.scope).toBe('upload');
      expect((await post('https://other.test')).status).toBe(403);
      const denied = await post('https://api.test', 'nope');
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ error: 'access_denied' });
    } finally {
      await idp.close();
    }
  });
});

describe('STS stub without an IAM model', () => {
  let sts: StsStub;
  let client: STSClient;
  beforeAll(async () => {
    sts = await startStsStub({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    client = new STSClient({ region: 'eu-west-1', endpoint: sts.url, credentials: { accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await sts.close();
  });

  it('answers AssumeRole with credentials the SDK parses, echoing SourceIdentity, and records the session', async () => {
    const before = Date.now();
    const out = await client.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'oidc-s3-web-01', SourceIdentity: 'web-01', DurationSeconds: 900 }));
    expect(out.Credentials).toMatchObject({ AccessKeyId: 'S3RVER', SecretAccessKey: 'S3RVER' });
    expect(out.Credentials?.SessionToken).toEqual(expect.any(String));
    const expiresIn = out.Credentials!.Expiration!.getTime() - before;
    expect(expiresIn).toBeGreaterThan(898_000);
    expect(expiresIn).toBeLessThan(902_000);
    expect(out.SourceIdentity).toBe('web-01');
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/oidc-s3-dev-web-01/oidc-s3-web-01');
    expect(sts.calls.at(-1)).toEqual({ action: 'AssumeRole', issuedAccessKeyId: 'S3RVER', params: { RoleArn: ROLE_ARN, RoleSessionName: 'oidc-s3-web-01', SourceIdentity: 'web-01', DurationSeconds: '900' } });
    expect(sts.sessions.get('S3RVER')).toMatchObject({ roleArn: ROLE_ARN, sourceIdentity: 'web-01', sessionArn: out.AssumedRoleUser?.Arn, expiration: out.Credentials!.Expiration });
  });

  it('answers GetCallerIdentity (the aws_caller_identity data source) with the default identity', async () => {
    const out = await client.send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/stub', UserId: 'AIDASTUBSTUBSTUBSTUB' });
    expect(sts.calls.at(-1)).toEqual({ action: 'GetCallerIdentity', params: {} });
  });

  it('answers GetCallerIdentity with the configured identity', async () => {
    const own = await startStsStub({ callerIdentity: { account: '222233334444', arn: 'arn:aws:iam::222233334444:user/deployer', userId: 'AIDAOWN' } });
    const ownClient = new STSClient({ region: 'eu-west-1', endpoint: own.url, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
    try {
      await expect(ownClient.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '222233334444', Arn: 'arn:aws:iam::222233334444:user/deployer', UserId: 'AIDAOWN' });
    } finally {
      ownClient.destroy();
      await own.close();
    }
  });

  it('answers injected faults as STS errors the SDK maps to named exceptions', async () => {
    sts.failNext({ code: 'AccessDenied', message: 'not allowed' });
    await expect(client.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'x-1' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'not allowed',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(client.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'bad name!' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe.each(AZP_READINGS)('STS stub with an IAM model, %s reading', (reading) => {
  const AUDIENCE = 'https://api.test';
  const VENDING_ROLE = 'arn:aws:iam::123456789012:role/oidc-s3-dev-credential-vending';
  const VENDED_ROLE = 'arn:aws:iam::123456789012:role/oidc-s3-dev/oidc-s3-dev-etl-02';
  let sts: StsStub;
  let idp: OAuthServer;
  let lambda: STSClient;
  let anonymous: STSClient;
  beforeAll(async () => {
    idp = await startOAuthServer({ style: 'auth0', clients: [{ clientId: 'abc', clientSecret: 'xyz' }], audience: AUDIENCE });
    const web = auth0StsModel({ idp, audience: AUDIENCE, servers: [{ clientId: 'abc', roleArn: ROLE_ARN }] });
    const vended = { arn: VENDED_ROLE, maxSessionDuration: 7200, trustPolicy: vendingLambdaTrust({ vendingRoleArn: VENDING_ROLE, serverName: 'etl-02' }) };
    sts = await startStsStub({
      azpReading: reading,
      iam: {
        oidcProviders: web.oidcProviders,
        role: (arn) => (arn === VENDED_ROLE ? vended : web.role(arn)),
        principalOfAccessKey: (id) => (id === 'AKIDLAMBDA' ? VENDING_ROLE : undefined),
      },
    });
    lambda = new STSClient({ region: 'eu-west-1', endpoint: sts.url, credentials: { accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret' }, maxAttempts: 1 });
    anonymous = new STSClient({ region: 'eu-west-1', endpoint: sts.url, credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'secret' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    lambda.destroy();
    anonymous.destroy();
    await Promise.all([sts.close(), idp.close()]);
  });
  const exchange = (token: string, roleArn = ROLE_ARN, DurationSeconds?: number) =>
    anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'host', WebIdentityToken: token, DurationSeconds }));

  it("exchanges a client's token, reporting the audience it matched under this reading", async () => {
    const good = await idp.sign(idp.accessTokenClaims('abc'));
    const out = await exchange(good);
    expect(out.SubjectFromWebIdentityToken).toBe('abc@clients');
    expect(out.Audience).toBe(reading === 'aud' ? AUDIENCE : 'abc');
    expect(sts.sessions.get(out.Credentials!.AccessKeyId!)).toMatchObject({ roleArn: ROLE_ARN, sessionArn: out.AssumedRoleUser!.Arn });
    const withoutAzp = await idp.sign({ ...idp.accessTokenClaims('abc'), azp: undefined });
    await expect(exchange(withoutAzp)).resolves.toMatchObject({ Audience: AUDIENCE });
  });

  it('refuses a token for another API: not in the client ID list (aud reading) or denied by the trust on :oaud (azp reading)', async () => {
    const otherApi = await idp.sign({ ...idp.accessTokenClaims('abc'), aud: 'https://other.test' });
    await expect(exchange(otherApi)).rejects.toMatchObject(
      reading === 'aud'
        ? { name: 'InvalidIdentityTokenException', message: 'Incorrect token audience' }
        : { name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
    );
  });

  it('refuses an azp outside the client ID list under the azp reading only', async () => {
    const token = await idp.sign({ ...idp.accessTokenClaims('abc'), azp: 'not-listed' });
    if (reading === 'azp') await expect(exchange(token)).rejects.toMatchObject({ name: 'InvalidIdentityTokenException', message: 'Incorrect token audience' });
    else await expect(exchange(token)).resolves.toMatchObject({ Audience: AUDIENCE });
  });

  it('refuses other roles, other subjects, expired tokens, unknown issuers and durations over the role maximum', async () => {
    const claims = idp.accessTokenClaims('abc');
    const good = await idp.sign(claims);
    await expect(exchange(good, 'arn:aws:iam::123456789012:role/someone-else')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(exchange(good, VENDED_ROLE)).rejects.toMatchObject({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
    await expect(exchange(await idp.sign({ ...claims, sub: 'other@clients' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(exchange(await idp.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 600 }))).rejects.toMatchObject({ name: 'ExpiredTokenException' });
    await expect(exchange(await idp.sign({ ...claims, iss: 'https://elsewhere.test/' }))).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
      message: 'No OpenIDConnect provider found in your account for the token issuer',
    });
    await expect(exchange(good, ROLE_ARN, 7200)).rejects.toMatchObject({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  });

  it("AssumeRole: the vending role may assume a server's role only with that server as SourceIdentity, and role chaining stops at one hour", async () => {
    const out = await lambda.send(new AssumeRoleCommand({ RoleArn: VENDED_ROLE, RoleSessionName: 'etl-02', SourceIdentity: 'etl-02', DurationSeconds: 3600 }));
    expect(sts.sessions.get(out.Credentials!.AccessKeyId!)).toMatchObject({ roleArn: VENDED_ROLE, sourceIdentity: 'etl-02' });
    await expect(lambda.send(new AssumeRoleCommand({ RoleArn: VENDED_ROLE, RoleSessionName: 'etl-02', SourceIdentity: 'web-01' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${VENDING_ROLE} is not authorized to perform: sts:AssumeRole on resource: ${VENDED_ROLE}`,
    });
    await expect(anonymous.send(new AssumeRoleCommand({ RoleArn: VENDED_ROLE, RoleSessionName: 'etl-02', SourceIdentity: 'etl-02' }))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    const chained = new STSClient({ region: 'eu-west-1', endpoint: sts.url, credentials: { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! }, maxAttempts: 1 });
    try {
      await expect(chained.send(new AssumeRoleCommand({ RoleArn: VENDED_ROLE, RoleSessionName: 'again', SourceIdentity: 'etl-02', DurationSeconds: 7200 }))).rejects.toMatchObject({
        name: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      });
    } finally {
      chained.destroy();
    }
  });
});

describe('dynalite', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it('holds client role mappings in the deployed shape', async () => {
    await createClientRolesTable(dynamo.client, 'roles');
    await putClientRole(dynamo.client, 'roles', { client_id: 'c1', role_arn: ROLE_ARN, server_name: 'web-01', s3_path_prefix: 'web-01/', s3_permissions: 'write', enabled: true, max_session_duration: 3600 });
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: 'roles', Key: { client_id: { S: 'c1' } } }));
    expect(Item).toEqual({
      client_id: { S: 'c1' },
      role_arn: { S: ROLE_ARN },
      server_name: { S: 'web-01' },
      s3_path_prefix: { S: 'web-01/' },
      s3_permissions: { S: 'write' },
      enabled: { BOOL: true },
      max_session_duration: { N: '3600' },
    });
  });
});

describe('s3rver', () => {
  // s3rver ships no type declarations.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const FilesystemStoreClass = require('s3rver/lib/stores/filesystem') as new (directory: string) => FilesystemStore;

  test('its store finishes writing an object before PutObject answers (s3rver alone settles first)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'oidc-s3-store-'));
    try {
      const store = new FilesystemStoreClass(directory);
      readAfterWrite(store);
      const body = randomBytes(64 * 1024 * 1024);
      const put = await store.putObject({ bucket: 'b', key: 'k', metadata: {}, content: body });
      // Read at once, with no turn of the event loop for a write still under way.
      expect(readFileSync(store.getResourcePath('b', 'k', 'object')).equals(body)).toBe(true);
      expect(put).toEqual({ size: body.length, md5: createHash('md5').update(body).digest('hex') });
      const streamed = await store.putObject({ bucket: 'b', key: 's', metadata: {}, content: Readable.from([body.subarray(0, 1000), body.subarray(1000)]) });
      expect(readFileSync(store.getResourcePath('b', 's', 'object')).equals(body)).toBe(true);
      expect(streamed.size).toBe(body.length);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('is read-after-write consistent over S3: the object is whole on disk when PutObject and CompleteMultipartUpload answer', async () => {
    const s3 = await startS3();
    try {
      const client = new S3Client({ region: 'eu-west-1', endpoint: s3.url, forcePathStyle: true, credentials: s3.accessKeys });
      const onDisk = (key: string) => readFileSync(join(s3.directory, s3.bucket, `${key}._S3rver_object`));
      // Large enough that s3rver's own putObject answered while its write stream was still writing.
      const body = randomBytes(48 * 1024 * 1024);
      for (let i = 0; i < 3; i++) {
        const answer = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `big-${i}`, Body: body }));
        expect(onDisk(`big-${i}`).equals(body)).toBe(true);
        expect(answer.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
      }
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'multi' }));
      const parts = [];
      for (const [index, part] of [body.subarray(0, 8 * 1024 * 1024), body.subarray(8 * 1024 * 1024)].entries()) {
        const { ETag } = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'multi', UploadId, PartNumber: index + 1, Body: part }));
        parts.push({ ETag, PartNumber: index + 1 });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'multi', UploadId, MultipartUpload: { Parts: parts } }));
      expect(onDisk('multi').equals(body)).toBe(true);
    } finally {
      await s3.close();
    }
  });

  describe('CompleteMultipartUpload answers as S3 does', () => {
    let s3: Awaited<ReturnType<typeof startS3>>;
    let client: S3Client;
    beforeAll(async () => {
      s3 = await startS3();
      client = new S3Client({ region: 'eu-west-1', endpoint: s3.url, forcePathStyle: true, credentials: s3.accessKeys });
    });
    afterAll(() => s3.close());
    const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();
    /** Uploads `pieces` as parts 1…n of a new upload of `key`; their answered ETags. */
    async function uploadParts(key: string, pieces: Buffer[]) {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
      const parts = [];
      for (const [index, piece] of pieces.entries()) {
        const { ETag } = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: index + 1, Body: piece }));
        parts.push({ ETag, PartNumber: index + 1 });
      }
      return { UploadId, parts };
    }
    async function s3Error(promise: Promise<unknown>) {
      const error = await promise.then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(S3ServiceException);
      return error as S3ServiceException;
    }

    test('the object is its parts in order, and its ETag is the MD5 of the parts\' MD5s, then the number of parts', async () => {
      const pieces = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1234)];
      const { UploadId, parts } = await uploadParts('joined', pieces);
      const answer = await client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'joined', UploadId, MultipartUpload: { Parts: parts } }));
      const expected = `"${createHash('md5').update(Buffer.concat(pieces.map(md5))).digest('hex')}-3"`;
      expect(answer.ETag).toBe(expected);
      expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'joined' }))).ETag).toBe(expected);
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'joined' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(pieces))).toBe(true);
      expect(got.ContentLength).toBe(10 * 1024 * 1024 + 1234);
      // The upload is gone: it cannot be completed twice.
      const again = await s3Error(client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'joined', UploadId, MultipartUpload: { Parts: parts } })));
      expect([again.name, again.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
      expect(again.message).toBe('The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    });

    test('a part listed with another ETag, or never uploaded: 400 InvalidPart, and no object', async () => {
      const { UploadId, parts } = await uploadParts('invalid-part', [randomBytes(5 * 1024 * 1024), randomBytes(10)]);
      const wrongEtag = [parts[0]!, { PartNumber: 2, ETag: `"${md5(Buffer.from('other')).toString('hex')}"` }];
      for (const listed of [wrongEtag, [...parts, { PartNumber: 3, ETag: parts[1]!.ETag }]]) {
        const error = await s3Error(client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'invalid-part', UploadId, MultipartUpload: { Parts: listed } })));
        expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidPart', 400]);
        expect(error.message).toBe("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
      }
      const missing = await s3Error(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'invalid-part' })));
      expect(missing.$metadata.httpStatusCode).toBe(404);
    });

    test('UploadPart answers the part\'s MD5 as its ETag, computed off s3rver\'s thread, for parts in flight together and of any size', async () => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'sizes' }));
      // Either side of the hashing worker's 1 MiB batches, and empty.
      const pieces = [0, 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 5].map((size) => randomBytes(size));
      const answers = await Promise.all(
        pieces.map((piece, i) => client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'sizes', UploadId, PartNumber: i + 1, Body: piece }))),
      );
      expect(answers.map((answer) => answer.ETag)).toEqual(pieces.map((piece) => `"${md5(piece).toString('hex')}"`));
    });

    test('a part whose body is cut off is not stored, and the parts after it are hashed as before', async () => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'cut' }));
      // Half the body the request announces, then the connection is cut.
      const firstHalf = randomBytes(2 * 1024 * 1024);
      const half = new Readable({ read() {} });
      half.push(firstHalf);
      const cutOff = new AbortController();
      setTimeout(() => cutOff.abort(), 100);
      const sent = client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'cut', UploadId, PartNumber: 1, Body: half, ContentLength: 4 * 1024 * 1024 }), { abortSignal: cutOff.signal });
      await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
      const whole = randomBytes(1024 * 1024 + 17);
      const answer = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'cut', UploadId, PartNumber: 2, Body: whole }));
      expect(answer.ETag).toBe(`"${md5(whole).toString('hex')}"`);
      const error = await s3Error(
        client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'cut', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: `"${md5(firstHalf).toString('hex')}"` }, { PartNumber: 2, ETag: answer.ETag }] } })),
      );
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidPart', 400]);
    });

    test('parts listed out of order: 400 InvalidPartOrder', async () => {
      const { UploadId, parts } = await uploadParts('out-of-order', [randomBytes(5 * 1024 * 1024), randomBytes(10)]);
      const error = await s3Error(client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: 'out-of-order', UploadId, MultipartUpload: { Parts: [...parts].reverse() } })));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidPartOrder', 400]);
      expect(error.message).toBe('The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    });
  });
});
