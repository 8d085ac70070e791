/**
 * Which claim of an Auth0 access token the account's STS matched against the IAM OIDC provider's
 * client ID list (and the trust's `<provider>:aud` key). Auth0 client-credentials tokens carry
 * `aud` = the API identifier and `azp` = the client id. AWS documents for Google only that `:aud`
 * then means `azp`; for other providers it is not documented (aws/aws-sdk-net#3071 reports
 * `Incorrect token audience` for tokens whose `azp` differs from `aud`). STS's answer tells:
 * `Audience` on success, the error text on failure.
 */
export type AudienceReading = 'aud' | 'azp' | 'undetermined';

export interface AudienceFinding {
  readonly reading: AudienceReading;
  /** One sentence: what STS's answer shows. */
  readonly finding: string;
  /** What to do about it (or that nothing needs doing). */
  readonly fix: string;
}

export interface TokenAudienceClaims {
  readonly aud?: string | readonly string[];
  readonly azp?: string;
}

const VENDING_HINT = 'or set "auth0_exchange": "vending" in foundation.json, which needs no client ID list';

function audiences(claims: TokenAudienceClaims): string[] {
  if (claims.aud === undefined) return [];
  return typeof claims.aud === 'string' ? [claims.aud] : [...claims.aud];
}

/** From a successful AssumeRoleWithWebIdentity: STS's `Audience` compared with the token's claims. */
export function readingFromSuccess(claims: TokenAudienceClaims, stsAudience: string | undefined): AudienceFinding {
  const aud = audiences(claims);
  if (stsAudience === undefined) {
    return { reading: 'undetermined', finding: 'STS answered without an Audience', fix: 'nothing to change: the exchange works' };
  }
  if (claims.azp !== undefined && aud.includes(claims.azp)) {
    return { reading: 'undetermined', finding: `STS matched "${stsAudience}", which is both the token's aud and its azp`, fix: 'nothing to change: the exchange works' };
  }
  if (aud.includes(stsAudience)) {
    return {
      reading: 'aud',
      finding: `STS matched the token's aud ("${stsAudience}"): this account applies the aud reading`,
      fix: 'nothing to change: the provider lists the API identifier and each role accepts it as :aud',
    };
  }
  if (claims.azp === stsAudience) {
    return {
      reading: 'azp',
      finding: `STS matched the token's azp ("${stsAudience}", the client id), not its aud: this account applies the azp reading`,
      fix: `nothing to change while direct mode lists every enabled server's client id in the OIDC provider (at most 99 servers); past that, ${VENDING_HINT.replace(/^or /, '')}`,
    };
  }
  return { reading: 'undetermined', finding: `STS matched "${stsAudience}", which is neither the token's aud nor its azp`, fix: 'nothing to change: the exchange works' };
}

/** From STS's `InvalidIdentityToken: Incorrect token audience`. */
export function readingFromAudienceError(claims: TokenAudienceClaims, expectedAudience: string): AudienceFinding {
  const aud = audiences(claims);
  if (claims.azp !== undefined && !aud.includes(claims.azp) && aud.includes(expectedAudience)) {
    return {
      reading: 'azp',
      finding:
        `STS refused the audience although the token's aud is the API identifier ("${expectedAudience}"): it matched azp ("${claims.azp}", the client id) ` +
        'against the provider\'s client ID list, so this account applies the azp reading and the list lacks this client id',
      fix: `deploy foundation and servers of this version (direct mode adds every enabled server's client id to the list and to each role's :aud), ${VENDING_HINT}`,
    };
  }
  return {
    reading: aud.length > 0 ? 'aud' : 'undetermined',
    finding: `STS refused the audience: the token's aud (${aud.map((a) => `"${a}"`).join(', ') || 'none'}) is not in the OIDC provider's client ID list`,
    fix: 'OIDC_AUDIENCE must equal the foundation\'s `audience` output (the API identifier the provider lists)',
  };
}
