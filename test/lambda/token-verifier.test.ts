// The JWKS cache's timing rules, with short cooldowns, against the real HTTPS JWKS endpoint.
import { createServer } from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { JwksCache } from '../../lambda/credential-vending/jwks-cache';
import { TokenVerifier } from '../../lambda/credential-vending/token-verifier';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { localTls } from '../../sandbox/local-tls';
import { captureLogs, RESOURCE_SERVER, tokenFor } from './harness';

let idp: OAuthServer;
beforeAll(async () => {
  idp = await startOAuthServer({ style: 'cognito', resourceServer: RESOURCE_SERVER, clients: [] });
});
afterAll(() => idp.close());
afterEach(() => {
  idp.available = true;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const verifierWith = (keys: JwksCache) => new TokenVerifier({ issuer: idp.issuer, resourceServer: RESOURCE_SERVER, keys });

it('refetches on an unknown kid at most once per cooldown, then picks up a rotated key', async () => {
  // The cooldown is measured on a clock the test moves, so a slow machine cannot outlast it.
  const cooldownMs = 30_000;
  const realNow = Date.now.bind(Date);
  let offset = 0;
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
  try {
    const verifier = verifierWith(new JwksCache({ url: idp.jwksUrl, cooldownMs }));
    await expect(verifier.verify(await tokenFor(idp, 'c1'))).resolves.toEqual({ clientId: 'c1', scopes: [`${RESOURCE_SERVER}/write`] });
    const start = idp.jwksRequests;
    await idp.rotateKey();
    const rotated = await tokenFor(idp, 'c1');
    for (let i = 0; i < 5; i += 1) await expect(verifier.verify(rotated)).rejects.toMatchObject({ code: 'invalid_token', message: 'the token kid names no signing key of the issuer' });
    expect(idp.jwksRequests - start).toBe(0);
    offset = cooldownMs + 50;
    await expect(verifier.verify(rotated)).resolves.toMatchObject({ clientId: 'c1' });
    expect(idp.jwksRequests - start).toBe(1);
    const forged = await idp.sign(idp.accessTokenClaims('c1'), { kid: 'forged' });
    await Promise.all(Array.from({ length: 10 }, () => expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'invalid_token' })));
    expect(idp.jwksRequests - start).toBe(1);
  } finally {
    clock.mockRestore();
  }
});

it('serves stale keys when the refresh fails, and logs the failure', async () => {
  const verifier = verifierWith(new JwksCache({ url: idp.jwksUrl, maxAgeMs: 50, cooldownMs: 50 }));
  await verifier.verify(await tokenFor(idp, 'c1'));
  idp.available = false;
  await sleep(80);
  const before = idp.jwksRequests;
  const { result, lines } = await captureLogs(async () => verifier.verify(await tokenFor(idp, 'c1')));
  expect(result.clientId).toBe('c1');
  expect(idp.jwksRequests - before).toBe(1);
  expect(lines).toEqual([expect.objectContaining({ event: 'jwks_refresh_failed', level: 'warn', reason: 'HTTP 503', cached_keys: expect.any(Number) })]);
  expect(lines[0]?.cached_keys).toBeGreaterThan(0);
});

it('shares one fetch between concurrent first requests', async () => {
  const verifier = verifierWith(new JwksCache({ url: idp.jwksUrl }));
  const token = await tokenFor(idp, 'c1');
  const before = idp.jwksRequests;
  await Promise.all(Array.from({ length: 8 }, () => verifier.verify(token)));
  expect(idp.jwksRequests - before).toBe(1);
});

it('accepts only RSA signing keys of 2048 bits or more from the JWKS', async () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const strong = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = (key: typeof weak.publicKey) => key.export({ format: 'jwk' });
  const tls = localTls();
  const server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        keys: [
          { ...jwk(weak.publicKey), kid: 'weak', alg: 'RS256', use: 'sig' },
          { ...jwk(strong.publicKey), kid: 'for-encryption', use: 'enc' },
          { ...jwk(strong.publicKey), kid: 'ps-only', alg: 'PS256' },
          { kty: 'oct', k: 'c2VjcmV0', kid: 'symmetric' },
          { ...jwk(strong.publicKey), kid: 'good', alg: 'RS256', use: 'sig' },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const keys = new JwksCache({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, cooldownMs: 60_000 });
    const verifier = verifierWith(keys);
    const claims = idp.accessTokenClaims('c1', [`${RESOURCE_SERVER}/write`]);
    await expect(verifier.verify(await idp.sign(claims, { kid: 'good', privateKey: strong.privateKey }))).resolves.toMatchObject({ clientId: 'c1' });
    await expect(verifier.verify(await idp.sign(claims, { kid: 'weak', privateKey: weak.privateKey }))).rejects.toMatchObject({ code: 'invalid_token' });
    for (const kid of ['for-encryption', 'ps-only']) {
      await expect(verifier.verify(await idp.sign(claims, { kid, privateKey: strong.privateKey }))).rejects.toMatchObject({ code: 'invalid_token', message: 'the token kid names no signing key of the issuer' });
    }
    await expect(verifier.verify(await idp.sign(claims, { kid: 'symmetric', alg: 'HS256', hmacSecret: 'secret' }))).rejects.toMatchObject({ code: 'invalid_token', message: 'the token must be signed with RS256' });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('Auth0 dialect (auth0_exchange "vending")', () => {
  const API = 'https://s3-uploader.dev.tenant.test';
  let tenant: OAuthServer;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    tenant = await startOAuthServer({ style: 'auth0', audience: API, clients: [] });
    verifier = new TokenVerifier({ issuer: tenant.issuer, resourceServer: API, dialect: 'auth0', keys: new JwksCache({ url: tenant.jwksUrl }) });
  });
  afterAll(() => tenant.close());
  const token = (overrides: Record<string, unknown> = {}) => {
    const claims: Record<string, unknown> = { ...tenant.accessTokenClaims('AuthZeroClient01'), ...overrides };
    for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete claims[key];
    return tenant.sign(claims);
  };

  it('accepts a client-credentials token for the API: the client is the subject, no scope needed', async () => {
    await expect(verifier.verify(await token())).resolves.toEqual({ clientId: 'AuthZeroClient01', scopes: [] });
    await expect(verifier.verify(await token({ azp: undefined }))).resolves.toEqual({ clientId: 'AuthZeroClient01', scopes: [] });
    await expect(verifier.verify(await token({ aud: [API, `${tenant.issuer}userinfo`] }))).resolves.toMatchObject({ clientId: 'AuthZeroClient01' });
  });

  it.each([
    ['another API', { aud: 'https://other.test' }, 'the token is not for this API (aud)'],
    ['no aud', { aud: undefined }, 'the token has no aud claim'],
    ['a user token (gty password)', { gty: 'password' }, 'the token is not a client-credentials token (gty)'],
    ['no gty', { gty: undefined }, 'the token has no gty claim'],
    ['a user subject', { sub: 'auth0|5f7c8ec7c33c6c004bbafe82' }, 'the token subject is not a client (<client_id>@clients)'],
    ['azp of another client', { azp: 'SomeOtherClient0' }, 'the token azp names another client than its subject'],
    ['another tenant', { iss: 'https://other-tenant.test/' }, 'the token was not issued by this tenant'],
  ])('refuses %s', async (_label, overrides, message) => {
    await expect(verifier.verify(await token(overrides))).rejects.toMatchObject({ code: 'invalid_token', message });
  });
});
