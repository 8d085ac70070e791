// Which claim STS matched, read from its answer, under both readings (issue: Auth0 tokens carry
// aud = the API identifier and azp = the client id; STS may match either).
import { readingFromAudienceError, readingFromSuccess } from '../../client/doctor/audience-reading';

const API = 'https://s3-uploader.dev.tenant.eu.auth0.com';
const CLIENT = 'AbCdEfGhIjKlMnOp';
const claims = { aud: API, azp: CLIENT };

describe('success: STS Audience', () => {
  test('equal to aud: the aud reading, nothing to change', () => {
    expect(readingFromSuccess(claims, API)).toEqual({
      reading: 'aud',
      finding: `STS matched the token's aud ("${API}"): this account applies the aud reading`,
      fix: 'nothing to change: the provider lists the API identifier and each role accepts it as :aud',
    });
  });

  test('equal to azp: the azp reading, with the 99-server limit named', () => {
    const finding = readingFromSuccess(claims, CLIENT);
    expect(finding.reading).toBe('azp');
    expect(finding.finding).toBe(`STS matched the token's azp ("${CLIENT}", the client id), not its aud: this account applies the azp reading`);
    expect(finding.fix).toMatch(/at most 99 servers\); past that, set "auth0_exchange": "vending"/);
  });

  test('aud among several audiences, and an answer without Audience', () => {
    expect(readingFromSuccess({ aud: [API, 'https://tenant/userinfo'], azp: CLIENT }, API).reading).toBe('aud');
    expect(readingFromSuccess(claims, undefined).reading).toBe('undetermined');
    expect(readingFromSuccess({ aud: API, azp: API }, API).reading).toBe('undetermined');
  });
});

describe('failure: Incorrect token audience', () => {
  test('aud is the API identifier and azp differs: the azp reading, with both fixes', () => {
    const finding = readingFromAudienceError(claims, API);
    expect(finding.reading).toBe('azp');
    expect(finding.fix).toBe(
      'deploy foundation and servers of this version (direct mode adds every enabled server\'s client id to the list and to each role\'s :aud), or set "auth0_exchange": "vending" in foundation.json, which needs no client ID list',
    );
  });

  test('aud is not the configured API identifier: the aud reading, fix the audience', () => {
    const finding = readingFromAudienceError({ aud: 'https://other', azp: CLIENT }, API);
    expect(finding).toEqual({
      reading: 'aud',
      finding: 'STS refused the audience: the token\'s aud ("https://other") is not in the OIDC provider\'s client ID list',
      fix: "OIDC_AUDIENCE must equal the foundation's `audience` output (the API identifier the provider lists)",
    });
  });

  test('no azp claim: the list lacks aud', () => {
    expect(readingFromAudienceError({ aud: API }, API).reading).toBe('aud');
  });
});
