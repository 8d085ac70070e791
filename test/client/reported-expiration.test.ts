// The Expiration consumers see is 60 s before the real end, so a consumer that asks again only at
// Expiration (Go SDK v1: rclone) never signs with a session about to end; the cache keeps the real end.
import { EXPIRATION_SAFETY_GAP_SECONDS, forConsumers, fromCredentialProcessJson, toCredentialProcessJson, type AwsCredentials } from '../../client/credentials/aws-credentials';
import { containerCredentialsJson } from '../../client/serve/credentials-endpoint';

const NOW = Date.parse('2026-11-30T02:00:00Z');
/** A host whose clock agrees with the issuer's (credentials without a receipt are judged by it). */
const AT_NOW = { now: () => NOW, sinceBoot: () => undefined };
const session = (expiresInSeconds: number): AwsCredentials => ({
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'secret',
  sessionToken: 'token',
  expiration: new Date(NOW + expiresInSeconds * 1000),
});

test('the gap is 60 s', () => {
  expect(EXPIRATION_SAFETY_GAP_SECONDS).toBe(60);
});

test('an hour-long session is reported as ending 60 s early; everything else is unchanged', () => {
  const real = session(3600);
  expect(forConsumers(real, AT_NOW)).toEqual({ ...real, expiration: new Date('2026-11-30T02:59:00.000Z') });
  expect(real.expiration.toISOString()).toBe('2026-11-30T03:00:00.000Z');
});

test('credentials with 60 s or less left (served from the cache while the IdP is down) keep their real end', () => {
  expect(forConsumers(session(60), AT_NOW)).toEqual(session(60));
  expect(forConsumers(session(30), AT_NOW)).toEqual(session(30));
  expect(forConsumers(session(61), AT_NOW).expiration.toISOString()).toBe('2026-11-30T02:00:01.000Z');
});

test('the cache format keeps the real end (toCredentialProcessJson does not shift it)', () => {
  const real = session(900);
  expect(fromCredentialProcessJson(toCredentialProcessJson(real))).toEqual(real);
});

test('the container endpoint reports the early end too', () => {
  const real = { ...session(3600), expiration: new Date(Date.now() + 3600_000) };
  const body = containerCredentialsJson(real);
  expect(new Date(body.Expiration!).getTime()).toBe(real.expiration.getTime() - 60_000);
});
