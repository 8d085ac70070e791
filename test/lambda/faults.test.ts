// Upstream failures: each ends in a 5xx with a stable code (never a bare 500), and only throttling
// is retried.
import { assumeRoleCalls, captureLogs, closedPort, loadHandler, startVendingEnv, tokenFor, vendingEvent, type Handler, type VendingEnv } from './harness';

let ctx: VendingEnv;

beforeAll(async () => {
  ctx = await startVendingEnv();
});
afterAll(() => ctx.close());

const parse = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

describe('with DynamoDB unreachable', () => {
  it('answers 503 mapping_unavailable with Retry-After, and calls no STS', async () => {
    const handler = loadHandler({ ...ctx.env, AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await closedPort()}` });
    const before = assumeRoleCalls(ctx.sts).length;
    const { result, lines } = await captureLogs(async () => handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') })));
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
    expect(parse(result.body)).toEqual({ error: 'mapping_unavailable', message: 'the client mapping cannot be read right now; retry later' });
    expect(lines.at(-1)).toMatchObject({ event: 'upstream_error', outcome: 'error', code: 'mapping_unavailable', client_id: 'clientA', level: 'error' });
    expect(assumeRoleCalls(ctx.sts).length).toBe(before);
  });
});

describe('with STS failing', () => {
  let handler: Handler;
  beforeAll(() => {
    handler = loadHandler(ctx.env);
  });
  const vend = async () => handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }));

  it('maps AccessDenied to 502 upstream_denied, without retrying', async () => {
    const before = assumeRoleCalls(ctx.sts).length;
    ctx.sts.failNext({ code: 'AccessDenied', message: 'User: arn:aws:sts::123456789012:assumed-role/lambda is not authorized to perform: sts:AssumeRole' });
    const { result, lines } = await captureLogs(vend);
    expect(result.statusCode).toBe(502);
    expect(parse(result.body)).toEqual({ error: 'upstream_denied', message: 'STS refused to issue credentials for this client role' });
    expect(lines.at(-1)).toMatchObject({ code: 'upstream_denied', server: 'web-01', reason: 'AccessDenied (HTTP 403) after 1 attempt(s)' });
    expect(assumeRoleCalls(ctx.sts).length - before).toBe(1);
  });

  it('succeeds after throttling, retrying with backoff', async () => {
    const before = assumeRoleCalls(ctx.sts).length;
    ctx.sts.failNext({ code: 'Throttling', message: 'Rate exceeded' }, { code: 'Throttling', message: 'Rate exceeded' });
    const result = await vend();
    expect(result.statusCode).toBe(200);
    expect(parse(result.body).AccessKeyId).toMatch(/^ASIA/);
    expect(assumeRoleCalls(ctx.sts).length - before).toBe(3);
  });

  it('gives up after four throttled attempts with 503 sts_unavailable', async () => {
    const before = assumeRoleCalls(ctx.sts).length;
    ctx.sts.failNext(...Array.from({ length: 4 }, () => ({ code: 'Throttling', message: 'Rate exceeded' })));
    const result = await vend();
    expect(result.statusCode).toBe(503);
    expect(parse(result.body)).toEqual({ error: 'sts_unavailable', message: 'STS is throttling; retry later' });
    expect(assumeRoleCalls(ctx.sts).length - before).toBe(4);
  });

  it('does not retry a server error: 503 sts_unavailable after one call', async () => {
    const before = assumeRoleCalls(ctx.sts).length;
    ctx.sts.failNext({ code: 'InternalFailure', status: 500 });
    const result = await vend();
    expect(result.statusCode).toBe(503);
    expect(parse(result.body).error).toBe('sts_unavailable');
    expect(assumeRoleCalls(ctx.sts).length - before).toBe(1);
  });
});

describe('with the JWKS endpoint down', () => {
  afterEach(() => {
    ctx.idp.available = true;
  });

  it('still verifies with the cached key', async () => {
    const handler = loadHandler(ctx.env);
    const vend = async () => handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }));
    expect((await vend()).statusCode).toBe(200);
    const fetched = ctx.idp.jwksRequests;
    ctx.idp.available = false;
    expect((await vend()).statusCode).toBe(200);
    expect((await vend()).statusCode).toBe(200);
    expect(ctx.idp.jwksRequests).toBe(fetched);
  });

  it('answers 401 invalid_token (an authentication failure, not 503) for an unknown kid while other keys are cached', async () => {
    const handler = loadHandler(ctx.env);
    expect((await handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }))).statusCode).toBe(200);
    ctx.idp.available = false;
    // Past the 30 s refetch cooldown, so the unknown kid triggers a refetch, which fails.
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    const before = ctx.idp.jwksRequests;
    const forged = await ctx.idp.sign(ctx.idp.accessTokenClaims('clientA'), { kid: 'kid-nobody-published' });
    const { result, lines } = await captureLogs(() => handler(vendingEvent({ token: forged }))).finally(() => clock.mockRestore());
    expect(result.statusCode).toBe(401);
    expect(parse(result.body)).toEqual({ error: 'invalid_token', message: 'the token kid names no signing key of the issuer' });
    expect(result.headers['www-authenticate']).toMatch(/^Bearer realm="oidc-s3"/);
    // One refetch was tried (and failed); the refusal counts as an authentication failure.
    expect(ctx.idp.jwksRequests - before).toBe(1);
    expect(lines.map((line) => line.event)).toEqual(['jwks_refresh_failed', 'authentication_failed']);
    expect(lines[1]).toMatchObject({ status: 401, code: 'invalid_token', reason: 'no signing key with the token kid (refetch failed: HTTP 503)' });
    // Within the cooldown: no further fetch, still 401; genuine tokens still verify with the cached key.
    expect((await handler(vendingEvent({ token: forged }))).statusCode).toBe(401);
    expect((await handler(vendingEvent({ token: await tokenFor(ctx.idp, 'clientA') }))).statusCode).toBe(200);
    expect(ctx.idp.jwksRequests - before).toBe(1);
  });

  it('answers 503 jwks_unavailable when no key was ever cached, and does not refetch on every request', async () => {
    ctx.idp.available = false;
    const handler = loadHandler(ctx.env);
    const before = ctx.idp.jwksRequests;
    const token = await tokenFor(ctx.idp, 'clientA');
    const { result, lines } = await captureLogs(() => handler(vendingEvent({ token })));
    expect(result.statusCode).toBe(503);
    expect(parse(result.body)).toEqual({ error: 'jwks_unavailable', message: 'the signing keys cannot be fetched right now; retry later' });
    expect(lines.map((l) => l.event)).toEqual(['jwks_refresh_failed', 'upstream_error']);
    expect(lines[0]).toMatchObject({ reason: 'HTTP 503', cached_keys: 0 });
    expect((await handler(vendingEvent({ token }))).statusCode).toBe(503);
    expect(ctx.idp.jwksRequests - before).toBe(1);
  });
});
