// The vending handler end to end against a real HTTPS JWKS, dynalite and the STS stub: what it
// vends, and a corpus of bad requests none of which may vend.
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { generateKeyPairSync } from 'node:crypto';
import { startOAuthServer } from '../../sandbox/oauth-server';
import { applyEnv, assumeRoleCalls, captureLogs, LONG_SERVER, loadHandler, RESOURCE_SERVER, roleArn, startVendingEnv, TABLE, tokenFor, vendingEvent, type Handler, type VendingEnv } from './harness';

let ctx: VendingEnv;
let handler: Handler;

beforeAll(async () => {
  ctx = await startVendingEnv();
  handler = loadHandler(ctx.env);
});
afterAll(() => ctx.close());

const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parse = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

describe('vending', () => {
  it('trades a token from the IdP token endpoint for the mapped role credentials (credential_process format)', async () => {
    const res = await fetch(ctx.idp.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('clientA:secret-a').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const before = assumeRoleCalls(ctx.sts).length;
    const started = Date.now();
    const { result, lines, raw } = await captureLogs(() => handler(vendingEvent({ token })));

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.headers['content-type']).toBe('application/json');
    const body = parse(result.body);
    expect(Object.keys(body).sort()).toEqual(['AccessKeyId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version']);
    expect(body.Version).toBe(1);
    expect(body.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const expiresIn = Date.parse(String(body.Expiration)) - started;
    expect(expiresIn).toBeGreaterThan(3_595_000);
    expect(expiresIn).toBeLessThan(3_605_000);
    expect(String(body.Expiration)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const calls = assumeRoleCalls(ctx.sts);
    expect(calls.length - before).toBe(1);
    expect(calls.at(-1)?.params).toEqual({ RoleArn: roleArn('web-01'), RoleSessionName: 'oidc-s3-web-01', SourceIdentity: 'web-01', DurationSeconds: '3600' });

    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', event: 'credentials_vended', outcome: 'success', status: 200, client_id: 'clientA', server: 'web-01', source_ip: '192.0.2.10', request_id: expect.stringMatching(/^req-/), latency_ms: expect.any(Number) }),
    ]);
    expect(raw).not.toContain(token.split('.')[2]);
    expect(raw).not.toContain(String(body.SecretAccessKey));
    expect(raw).not.toContain(String(body.SessionToken));
  });

  it.each([
    ['no body: one hour', 'clientA', undefined, 3600],
    ['a shorter duration as asked', 'clientA', '{"duration_seconds": 900}', 900],
    ['mapping allows 7200 but role chaining caps at 3600', 'clientB', '{"duration_seconds": 43200}', 3600],
    ['the mapping maximum (1800) caps the request', 'clientShort', '{"duration_seconds": 3600}', 1800],
    ['the mapping maximum applies without a request', 'clientShort', '', 1800],
    ['whitespace body counts as empty', 'clientA', ' \n', 3600],
  ])('clamps the session duration: %s', async (_name, clientId, body, expected) => {
    const res = await handler(vendingEvent({ token: await tokenFor(ctx.idp, clientId), body }));
    expect(res.statusCode).toBe(200);
    expect(assumeRoleCalls(ctx.sts).at(-1)?.params.DurationSeconds).toBe(String(expected));
    const expiresIn = Date.parse(String(parse(res.body).Expiration)) - Date.now();
    expect(Math.abs(expiresIn - expected * 1000)).toBeLessThan(5_000);
  });

  it('accepts a base64-encoded body (isBase64Encoded)', async () => {
    const res = await handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA'), body: Buffer.from('{"duration_seconds":1200}').toString('base64'), isBase64Encoded: true }));
    expect(res.statusCode).toBe(200);
    expect(assumeRoleCalls(ctx.sts).at(-1)?.params.DurationSeconds).toBe('1200');
  });

  it('names the session after the server, truncated to the 64 characters STS allows', async () => {
    const res = await handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientLong') }));
    expect(res.statusCode).toBe(200);
    const { RoleSessionName, SourceIdentity } = assumeRoleCalls(ctx.sts).at(-1)!.params;
    expect(SourceIdentity).toBe(LONG_SERVER);
    expect(RoleSessionName).toBe(`oidc-s3-${LONG_SERVER}`.slice(0, 64));
    expect(RoleSessionName).toHaveLength(64);
  });

  it('accepts an expiry within the clock leeway, and a lower-case bearer scheme', async () => {
    const token = await tokenFor(ctx.idp, 'clientA', { exp: now() - 10 });
    expect((await handler(vendingEvent({ authorization: `bearer ${token}` }))).statusCode).toBe(200);
  });

  it('applies the kill switch on the very next request', async () => {
    const token = await tokenFor(ctx.idp, 'clientB');
    expect((await handler(vendingEvent({ token }))).statusCode).toBe(200);
    const setEnabled = (enabled: boolean) =>
      ctx.dynamo.client.send(new UpdateItemCommand({ TableName: TABLE, Key: { client_id: { S: 'clientB' } }, UpdateExpression: 'SET enabled = :e', ExpressionAttributeValues: { ':e': { BOOL: enabled } } }));
    await setEnabled(false);
    try {
      const res = await handler(vendingEvent({ token }));
      expect(res.statusCode).toBe(403);
      expect(parse(res.body)).toEqual({ error: 'client_disabled', message: 'this client is disabled' });
    } finally {
      await setEnabled(true);
    }
  });

  it("refuses a token whose sub is not its client_id (a user's token from an app client), before any lookup", async () => {
    const before = assumeRoleCalls(ctx.sts).length;
    const { result, lines } = await captureLogs(async () => handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA', { sub: '5e1f0c2a-user-subject' }) })));
    expect(result.statusCode).toBe(401);
    expect(parse(result.body)).toEqual({ error: 'invalid_token', message: 'the token subject is not its client: only client-credentials tokens are accepted' });
    expect(lines.map((line) => line.event)).toEqual(['authentication_failed']);
    expect(assumeRoleCalls(ctx.sts).length).toBe(before);
  });

  it.each([
    ['read-write client with delete', 'clientA', ['write', 'delete'], 'read-write', 'delete'],
    ['read-write client with list', 'clientA', ['read', 'list'], 'read-write', 'list'],
    ['write client with read', 'clientB', ['write', 'read'], 'write', 'read'],
  ])("refuses scopes beyond the client's tier: %s", async (_name, clientId, scopes, tier, excess) => {
    const before = assumeRoleCalls(ctx.sts).length;
    const token = await tokenFor(ctx.idp, clientId, { scope: scopes.map((scope) => `${RESOURCE_SERVER}/${scope}`).join(' ') });
    const { result, lines } = await captureLogs(() => handler(vendingEvent({ token })));
    expect(result.statusCode).toBe(403);
    expect(parse(result.body)).toEqual({ error: 'scope_exceeds_tier', message: `the token holds scopes the client's tier (${tier}) does not grant` });
    expect(lines[0]).toMatchObject({ event: 'request_refused', code: 'scope_exceeds_tier', reason: `excess scopes: ${RESOURCE_SERVER}/${excess}` });
    expect(assumeRoleCalls(ctx.sts).length).toBe(before);
  });

  it.each([
    ['every scope of read-write', 'clientA', ['write', 'read']],
    ['a subset of read-write', 'clientA', ['read']],
    ['write alone', 'clientB', ['write']],
    ['write plus scopes of other resource servers', 'clientB', ['write', 'https://other.test/delete']],
  ])("accepts scopes within the client's tier: %s", async (_name, clientId, scopes) => {
    const scope = scopes.map((name) => (name.startsWith('https://') ? name : `${RESOURCE_SERVER}/${name}`)).join(' ');
    expect((await handler(vendingEvent({ token: await tokenFor(ctx.idp, clientId, { scope }) }))).statusCode).toBe(200);
  });

  it('refuses a mapping item without a valid tier (502 mapping_invalid, naming s3_permissions in the log)', async () => {
    const setTier = (tier: string | undefined) =>
      ctx.dynamo.client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { client_id: { S: 'clientB' } },
          ...(tier === undefined ? { UpdateExpression: 'REMOVE s3_permissions' } : { UpdateExpression: 'SET s3_permissions = :t', ExpressionAttributeValues: { ':t': { S: tier } } }),
        }),
      );
    try {
      for (const tier of [undefined, 'admin']) {
        await setTier(tier);
        const { result, lines } = await captureLogs(async () => handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientB') })));
        expect(result.statusCode).toBe(502);
        expect(parse(result.body)).toEqual({ error: 'mapping_invalid', message: 'the mapping for this client is malformed; an operator must fix it' });
        expect(lines[0]).toMatchObject({ reason: 'bad attributes: s3_permissions' });
      }
    } finally {
      await setTier('write');
    }
  });

  it('fetches the JWKS once for many requests (cached across invocations)', async () => {
    const before = ctx.idp.jwksRequests;
    for (let i = 0; i < 5; i += 1) expect((await handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }))).statusCode).toBe(200);
    expect(ctx.idp.jwksRequests).toBe(before);
  });
});

describe('a misconfigured function', () => {
  it('answers 500 internal_error without details and logs every configuration problem', async () => {
    const { result, lines } = await captureLogs(async () => {
      const broken = loadHandler({ ...ctx.env, TOKEN_ISSUER: 'http://not-https.example', CLIENT_ROLES_TABLE: undefined });
      try {
        return await broken(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }));
      } finally {
        applyEnv(ctx.env);
      }
    });
    expect(result.statusCode).toBe(500);
    expect(parse(result.body)).toEqual({ error: 'internal_error', message: 'the credential service is misconfigured' });
    const config = lines.find((l) => l.event === 'configuration_error');
    expect(config?.problems).toContain('CLIENT_ROLES_TABLE is not set');
    expect(config?.problems).toContain('TOKEN_ISSUER must be an https URL');
  });
});

interface BadRequest {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly event: () => Promise<ReturnType<typeof vendingEvent>>;
}

/** Requests that must all be refused without an AssumeRole call. */
function corpus(): BadRequest[] {
  const idp = () => ctx.idp;
  const token = (overrides: Record<string, unknown> = {}, client = 'clientA') => tokenFor(idp(), client, overrides);
  const withToken = (overrides: Record<string, unknown> = {}, client = 'clientA') => async () => vendingEvent({ token: await token(overrides, client) });
  const raw = (authorization: string) => async () => vendingEvent({ authorization });
  const signed = (signOptions: Parameters<VendingEnv['idp']['sign']>[1], overrides: Record<string, unknown> = {}) => async () =>
    vendingEvent({ token: await idp().sign({ ...idp().accessTokenClaims('clientA', [`${RESOURCE_SERVER}/write`]), ...overrides }, signOptions) });
  const withBody = (body: string, isBase64Encoded = false) => async () => vendingEvent({ token: await token(), body, isBase64Encoded });
  const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rewrite = (transform: (parts: string[]) => string[]) => async () => vendingEvent({ token: transform((await token()).split('.')).join('.') });
  const t = now();

  const cases: BadRequest[] = [
    // route and method
    { name: 'GET instead of POST', status: 405, code: 'method_not_allowed', event: async () => vendingEvent({ token: await token(), method: 'GET' }) },
    { name: 'PUT instead of POST', status: 405, code: 'method_not_allowed', event: async () => vendingEvent({ token: await token(), method: 'PUT' }) },
    { name: 'another path', status: 404, code: 'not_found', event: async () => vendingEvent({ token: await token(), path: '/admin' }) },
    // the Authorization header
    { name: 'no Authorization header', status: 401, code: 'missing_token', event: async () => vendingEvent() },
    { name: 'empty Authorization header', status: 401, code: 'missing_token', event: raw('') },
    { name: 'Basic scheme', status: 401, code: 'missing_token', event: raw(`Basic ${Buffer.from('clientA:secret-a').toString('base64')}`) },
    { name: 'token without a scheme', status: 401, code: 'missing_token', event: async () => vendingEvent({ authorization: await token() }) },
    { name: 'Bearer with nothing after it', status: 401, code: 'invalid_token', event: raw('Bearer') },
    { name: 'garbage bearer token', status: 401, code: 'invalid_token', event: raw('Bearer not-a-jwt') },
    { name: 'two-part token', status: 401, code: 'invalid_token', event: raw(`Bearer ${b64({ alg: 'RS256' })}.${b64({})}`) },
    { name: 'two tokens joined by a comma', status: 401, code: 'invalid_token', event: async () => vendingEvent({ authorization: `Bearer ${await token()}, Bearer ${await token()}` }) },
    { name: 'token followed by junk', status: 401, code: 'invalid_token', event: async () => vendingEvent({ authorization: `Bearer ${await token()} junk` }) },
    { name: 'oversized Authorization header', status: 431, code: 'header_too_large', event: raw(`Bearer ${'a'.repeat(9000)}`) },
    { name: 'header that is not JSON', status: 401, code: 'invalid_token', event: rewrite(([, p, s]) => [b64('not json'), p!, s!]) },
    { name: 'header that is a JSON array', status: 401, code: 'invalid_token', event: rewrite(([, p, s]) => [b64('["RS256"]'), p!, s!]) },
    // algorithms and keys
    { name: 'alg none, empty signature', status: 401, code: 'invalid_token', event: async () => vendingEvent({ token: await idp().sign(idp().accessTokenClaims('clientA'), { alg: 'none' }) }) },
    { name: 'alg none with the real signature kept', status: 401, code: 'invalid_token', event: rewrite(([, p, s]) => [b64({ alg: 'none', kid: idp().kid }), p!, s!]) },
    { name: 'HS256 signed with the public key as secret', status: 401, code: 'invalid_token', event: signed({ alg: 'HS256' }) },
    { name: 'HS256 signed with the JWK public key', status: 401, code: 'invalid_token', event: async () => signed({ alg: 'HS256', hmacSecret: JSON.stringify(idp().publicKeyPem) })() },
    { name: 'RS512 with the real key', status: 401, code: 'invalid_token', event: signed({ alg: 'RS512' }) },
    { name: 'PS256 with the real key', status: 401, code: 'invalid_token', event: signed({ alg: 'PS256' }) },
    { name: 'ES256 with an attacker key', status: 401, code: 'invalid_token', event: signed({ alg: 'ES256', privateKey: ecKey.privateKey }) },
    { name: 'no kid', status: 401, code: 'invalid_token', event: signed({ header: { kid: undefined } }) },
    { name: 'numeric kid', status: 401, code: 'invalid_token', event: signed({ header: { kid: 7 } }) },
    { name: 'unknown kid', status: 401, code: 'invalid_token', event: signed({ kid: 'not-a-key-of-the-pool' }) },
    { name: 'attacker key under the real kid', status: 401, code: 'invalid_token', event: signed({ privateKey: attackerKey.privateKey }) },
    {
      name: 'attacker key embedded as jwk header',
      status: 401,
      code: 'invalid_token',
      event: signed({ kid: 'attacker', privateKey: attackerKey.privateKey, header: { jwk: attackerKey.publicKey.export({ format: 'jwk' }) } }),
    },
    {
      name: 'attacker jku header',
      status: 401,
      code: 'invalid_token',
      event: signed({ kid: 'attacker', privateKey: attackerKey.privateKey, header: { jku: 'https://127.0.0.1:9/.well-known/jwks.json' } }),
    },
    { name: 'unknown crit header extension', status: 401, code: 'invalid_token', event: signed({ header: { crit: ['exp-x'], 'exp-x': true } }) },
    { name: 'tampered payload (client_id changed)', status: 401, code: 'invalid_token', event: rewrite(([h, , s]) => [h!, b64({ ...idp().accessTokenClaims('clientB'), client_id: 'clientB' }), s!]) },
    { name: 'tampered header (kid changed)', status: 401, code: 'invalid_token', event: rewrite(([, p, s]) => [b64({ alg: 'RS256', kid: `${idp().kid}x` }), p!, s!]) },
    { name: 'truncated signature', status: 401, code: 'invalid_token', event: rewrite(([h, p, s]) => [h!, p!, s!.slice(0, -8)]) },
    { name: 'signature of another token', status: 401, code: 'invalid_token', event: async () => vendingEvent({ token: [...(await token()).split('.').slice(0, 2), (await token({}, 'clientB')).split('.')[2]].join('.') }) },
    { name: 'payload that is not JSON', status: 401, code: 'invalid_token', event: async () => vendingEvent({ token: await (async () => { const [h, , ] = (await token()).split('.'); return `${h}.${b64('nope')}.${b64('sig')}`; })() }) },
    // time claims
    { name: 'expired', status: 401, code: 'token_expired', event: withToken({ iat: t - 7200, exp: t - 3600 }) },
    { name: 'expired just beyond the leeway', status: 401, code: 'token_expired', event: withToken({ exp: t - 90 }) },
    { name: 'nbf in the future', status: 401, code: 'token_not_yet_valid', event: withToken({ nbf: t + 600 }) },
    { name: 'iat in the future', status: 401, code: 'invalid_token', event: withToken({ iat: t + 600, exp: t + 4200 }) },
    { name: 'iat more than a day ago', status: 401, code: 'token_expired', event: withToken({ iat: t - 2 * 86400, exp: t + 600 }) },
    { name: 'no exp', status: 401, code: 'invalid_token', event: withToken({ exp: undefined }) },
    { name: 'no iat', status: 401, code: 'invalid_token', event: withToken({ iat: undefined }) },
    { name: 'exp as a string', status: 401, code: 'invalid_token', event: withToken({ exp: String(t + 3600) }) },
    // issuer and token type
    { name: 'wrong iss (another pool)', status: 401, code: 'invalid_token', event: withToken({ iss: `${idp().url}/eu-west-1_OtherPool` }) },
    { name: 'iss with a trailing slash', status: 401, code: 'invalid_token', event: withToken({ iss: `${idp().issuer}/` }) },
    { name: 'no iss', status: 401, code: 'invalid_token', event: withToken({ iss: undefined }) },
    { name: 'ID token', status: 401, code: 'invalid_token', event: withToken({ token_use: 'id', aud: 'clientA', scope: undefined }) },
    { name: 'ID token that also carries the scopes', status: 401, code: 'invalid_token', event: withToken({ token_use: 'id', aud: 'clientA' }) },
    { name: 'no token_use', status: 401, code: 'invalid_token', event: withToken({ token_use: undefined }) },
    {
      name: 'token of another IdP using the same issuer string',
      status: 401,
      code: 'invalid_token',
      event: async () => {
        const other = await startOAuthServer({ style: 'cognito', clients: [] });
        try {
          return vendingEvent({ token: await other.sign({ ...idp().accessTokenClaims('clientA'), iss: idp().issuer }, { kid: idp().kid }) });
        } finally {
          await other.close();
        }
      },
    },
    // client_id
    { name: 'no client_id', status: 401, code: 'invalid_token', event: withToken({ client_id: undefined }) },
    { name: 'numeric client_id', status: 401, code: 'invalid_token', event: withToken({ client_id: 12345 }) },
    { name: 'client_id with path characters', status: 401, code: 'invalid_token', event: withToken({ client_id: 'clientA/../clientB' }) },
    { name: 'empty client_id', status: 401, code: 'invalid_token', event: withToken({ client_id: '' }) },
    { name: "a user's token (sub other than client_id)", status: 401, code: 'invalid_token', event: withToken({ sub: '5e1f0c2a-user-subject', username: 'alice' }) },
    { name: 'no sub', status: 401, code: 'invalid_token', event: withToken({ sub: undefined }) },
    // scopes
    { name: 'scopes of another resource server', status: 403, code: 'insufficient_scope', event: withToken({ scope: 'https://other.test/write https://other.test/read' }) },
    { name: 'look-alike resource server prefix', status: 403, code: 'insufficient_scope', event: withToken({ scope: `${RESOURCE_SERVER}.evil/write` }) },
    { name: 'the bare resource server as a scope', status: 403, code: 'insufficient_scope', event: withToken({ scope: `${RESOURCE_SERVER}/` }) },
    { name: 'no scope claim', status: 403, code: 'insufficient_scope', event: withToken({ scope: undefined }) },
    { name: 'scope as an array', status: 403, code: 'insufficient_scope', event: withToken({ scope: [`${RESOURCE_SERVER}/write`] }) },
    { name: 'a scope the tier lacks (delete on read-write)', status: 403, code: 'scope_exceeds_tier', event: withToken({ scope: `${RESOURCE_SERVER}/write ${RESOURCE_SERVER}/delete` }) },
    { name: 'read on a write-tier client', status: 403, code: 'scope_exceeds_tier', event: withToken({ scope: `${RESOURCE_SERVER}/write ${RESOURCE_SERVER}/read` }, 'clientB') },
    // the mapping
    { name: 'unknown client', status: 403, code: 'unknown_client', event: withToken({}, 'clientNobody') },
    { name: 'disabled client', status: 403, code: 'client_disabled', event: withToken({}, 'clientOff') },
    { name: 'malformed mapping (no role_arn)', status: 502, code: 'mapping_invalid', event: withToken({}, 'clientBroken') },
    // the body
    { name: 'token for client A, body naming client B', status: 400, code: 'invalid_request', event: withBody('{"client_id":"clientB"}') },
    { name: 'body naming a role ARN', status: 400, code: 'invalid_request', event: withBody(JSON.stringify({ duration_seconds: 900, role_arn: roleArn('web-02') })) },
    { name: 'non-JSON body', status: 400, code: 'invalid_request', event: withBody('duration_seconds=900') },
    { name: 'JSON array body', status: 400, code: 'invalid_request', event: withBody('[900]') },
    { name: 'JSON string body', status: 400, code: 'invalid_request', event: withBody('"900"') },
    { name: 'JSON null body', status: 400, code: 'invalid_request', event: withBody('null') },
    { name: 'duration below 900', status: 400, code: 'invalid_request', event: withBody('{"duration_seconds":899}') },
    { name: 'duration above 43200', status: 400, code: 'invalid_request', event: withBody('{"duration_seconds":43201}') },
    { name: 'fractional duration', status: 400, code: 'invalid_request', event: withBody('{"duration_seconds":1800.5}') },
    { name: 'duration as a string', status: 400, code: 'invalid_request', event: withBody('{"duration_seconds":"1800"}') },
    { name: 'base64 body that is not JSON', status: 400, code: 'invalid_request', event: withBody(Buffer.from('\u0000\u0001binary').toString('base64'), true) },
    { name: 'body over 1 KiB', status: 413, code: 'payload_too_large', event: withBody(JSON.stringify({ duration_seconds: 900, pad: 'x'.repeat(2000) })) },
    { name: 'base64 body over 1 KiB', status: 413, code: 'payload_too_large', event: withBody(Buffer.from(' '.repeat(1500)).toString('base64'), true) },
  ];
  return cases;
}

describe('the bad-request corpus', () => {
  it('holds at least 50 distinct cases', () => {
    const cases = corpus();
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('refuses every case with its status and code, a message, no token, and no AssumeRole call', async () => {
    const cases = corpus();
    const assumedBefore = assumeRoleCalls(ctx.sts).length;
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const testCase of cases) {
      const event = await testCase.event();
      const presented = event.headers?.authorization ?? '';
      const { result, lines, raw } = await captureLogs(() => handler(event));
      const body = parse(result.body);
      outcomes.push(`${testCase.name}: ${result.statusCode} ${String(body.error)}`);
      expected.push(`${testCase.name}: ${testCase.status} ${testCase.code}`);

      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expect(typeof body.message).toBe('string');
      expect(String(body.message).length).toBeGreaterThan(10);
      expect(result.body).not.toMatch(/\bat .+:\d+:\d+|Error:/);
      expect(result.headers['cache-control']).toBe('no-store');
      // Neither the answer nor the logs hold any part of what was presented as a token.
      for (const part of presented.replace(/^Bearer\s*/i, '').split(/[.,\s]+/).filter((p) => p.length >= 16)) {
        expect(result.body).not.toContain(part);
        expect(JSON.stringify(result.headers)).not.toContain(part);
        expect(raw).not.toContain(part);
      }
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatchObject({ code: testCase.code, status: testCase.status, request_id: event.requestContext?.requestId });
      if (testCase.status === 401) {
        expect(line?.event).toBe('authentication_failed');
        expect(line?.client_id).toBeUndefined();
        expect(result.headers['www-authenticate']).toMatch(/^Bearer realm="oidc-s3"/);
        expect(result.headers['www-authenticate']).toContain(testCase.code === 'missing_token' ? 'realm="oidc-s3"' : 'error="invalid_token"');
      } else {
        expect(line?.event).not.toBe('authentication_failed');
      }
    }
    expect(outcomes).toEqual(expected);
    expect(assumeRoleCalls(ctx.sts).length).toBe(assumedBefore);
  });
});
