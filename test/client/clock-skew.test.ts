// Sessions judged by their issuer's clock: the offset measured from the answer's Date header, time
// left across steps of the host clock (an NTP fix), the Expiration consumers get on the host's
// clock, the cache's receipt, and the warning, with injected clocks. The STS and vending answers
// come from the STS stand-in and a local HTTP server over real HTTP.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProviderConfig, type ProviderConfig } from '../../client/config/provider-config';
import { forConsumers, lifetimeLeftSeconds, type AwsCredentials } from '../../client/credentials/aws-credentials';
import { OidcCredentialProvider } from '../../client/credentials/credential-provider';
import { CLOCK_SKEW_WARNING_SECONDS, millisecondsLeft, receiptOf, systemClock, type HostClock, type Receipt } from '../../client/credentials/issuer-clock';
import { exchangeToken } from '../../client/credentials/token-exchange';
import { CredentialCache } from '../../client/storage/credential-cache';
import { startStsStub } from '../../sandbox/sts';
import { startHttp } from './harness';

const T0 = Date.parse('2026-11-30T02:00:00Z');

/** A host's clocks: real time passing moves both; an NTP step moves only the wall clock. */
class TestClock implements HostClock {
  constructor(
    public wallMs: number,
    public bootMs: number | undefined = 5_000_000,
    public bootId = 'boot-a',
  ) {}
  now(): number {
    return this.wallMs;
  }
  sinceBoot() {
    return this.bootMs === undefined ? undefined : { bootId: this.bootId, ms: this.bootMs };
  }
  /** Real time passes. */
  advance(seconds: number): void {
    this.wallMs += seconds * 1000;
    if (this.bootMs !== undefined) this.bootMs += seconds * 1000;
  }
  /** The wall clock is stepped (an NTP fix), the boot clock is not. */
  step(seconds: number): void {
    this.wallMs += seconds * 1000;
  }
}

/**
 * The issuer (STS) on the true clock; the host `offsetSeconds` behind it (negative: ahead).
 * Sessions last `lifetimeSeconds` from issue; the answer's Date is the issuer's time, whole seconds.
 */
class TestIssuer {
  trueMs = T0;
  issued = 0;
  readonly host: TestClock;
  constructor(
    offsetSeconds: number,
    readonly lifetimeSeconds: number,
  ) {
    this.host = new TestClock(T0 - offsetSeconds * 1000);
  }
  advance(seconds: number): void {
    this.trueMs += seconds * 1000;
    this.host.advance(seconds);
  }
  /** The STS boundary: what the exchange returns, its receipt taken from the answer's Date. */
  readonly exchange = async (_config: ProviderConfig, _token: string, clock: HostClock): Promise<AwsCredentials> => {
    const sentAt = clock.now();
    this.issued += 1;
    const date = new Date(Math.floor(this.trueMs / 1000) * 1000).toUTCString();
    return {
      accessKeyId: `ASIASESSION${this.issued}`,
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(this.trueMs + this.lifetimeSeconds * 1000),
      receipt: receiptOf(date, sentAt, clock),
    };
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oidc-s3-skew-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config(overrides: Record<string, string> = {}): ProviderConfig {
  return loadProviderConfig({
    OIDC_IDP_TYPE: 'auth0',
    OIDC_TOKEN_URL: 'https://tenant.example/oauth/token',
    OIDC_CLIENT_ID: 'skewclient',
    OIDC_CLIENT_SECRET: 'secret',
    OIDC_AUDIENCE: 'https://s3-uploader.example',
    OIDC_ROLE_ARN: 'arn:aws:iam::123456789012:role/oidc-s3-dev-skew',
    AWS_REGION: 'eu-west-1',
    OIDC_CACHE_DIR: join(dir, 'cache'),
    ...overrides,
  });
}

function provider(issuer: TestIssuer, overrides: Record<string, string> = {}, warnings: string[] = []): OidcCredentialProvider {
  return new OidcCredentialProvider(config(overrides), {
    clock: issuer.host,
    warn: (m) => warnings.push(m),
    requestToken: async () => ({ accessToken: 'token', expiresAt: new Date(issuer.host.now() + 86_400_000) }),
    exchangeToken: issuer.exchange,
  });
}

describe('receiptOf: the offset from the Date header', () => {
  const clock = new TestClock(T0);

  test('a host 45 s behind measures 45 s, rounded up to the second the Date cannot show', () => {
    const date = new Date(T0 + 45_000).toUTCString();
    expect(receiptOf(date, T0, clock)).toEqual({ hostMs: T0, issuerOffsetMs: 45_999, boot: { bootId: 'boot-a', ms: 5_000_000 } });
  });

  test('the time the request took counts against the host: the issuer may have stamped the Date as it left', () => {
    const date = new Date(T0 - 600_000).toUTCString();
    expect(receiptOf(date, T0 - 2000, clock).issuerOffsetMs).toBe(-600_000 + 999 + 2000);
  });

  test('no Date header, or one that is not a date, trusts the host clock (offset 0)', () => {
    expect(receiptOf(undefined, T0, clock).issuerOffsetMs).toBe(0);
    expect(receiptOf('yesterday-ish', T0, clock).issuerOffsetMs).toBe(0);
  });

  test('the real clock reads the boot id and time since boot of this Linux host', () => {
    const boot = systemClock.sinceBoot();
    expect(boot?.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(boot!.ms).toBeGreaterThan(0);
    expect(systemClock.sinceBoot()!.ms).toBeGreaterThanOrEqual(boot!.ms);
  });
});

describe('millisecondsLeft: time left by the issuer clock', () => {
  const expiration = new Date(T0 + 3600_000);

  test.each([
    // host offset (s, + = behind), what happens after receipt, true time left after it (s)
    ['slow 45, no fix', 45, (c: TestClock) => c.advance(600), 3000],
    ['slow 45, fixed by a +45 s step', 45, (c: TestClock) => (c.advance(600), c.step(45)), 3000],
    ['fast 600, no fix', -600, (c: TestClock) => c.advance(600), 3000],
    ['fast 600, fixed by a -600 s step', -600, (c: TestClock) => (c.advance(600), c.step(-600)), 3000],
    ['slow 600, fixed by a +600 s step', 600, (c: TestClock) => (c.advance(600), c.step(600)), 3000],
    ['in sync, VM paused 20 min (boot clock stood still, wall clock did not)', 0, (c: TestClock) => (c.advance(600), c.step(1200)), 1800],
  ])('%s', (_name, offsetSeconds, after, trueLeftSeconds) => {
    const clock = new TestClock(T0 - offsetSeconds * 1000);
    const receipt: Receipt = { hostMs: clock.now(), issuerOffsetMs: offsetSeconds * 1000, boot: clock.sinceBoot() };
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(3600_000);
    after(clock);
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(trueLeftSeconds * 1000);
  });

  test('after a reboot (or without a boot clock) a fast clock is assumed fixed since: never longer than the truth', () => {
    const clock = new TestClock(T0 + 600_000);
    const receipt: Receipt = { hostMs: clock.now(), issuerOffsetMs: -600_000, boot: clock.sinceBoot() };
    clock.advance(600);
    clock.bootId = 'boot-b';
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(2400_000);
    clock.step(-600);
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(3000_000);
    const slow: Receipt = { hostMs: T0 - 45_000, issuerOffsetMs: 45_000 };
    expect(millisecondsLeft(expiration, slow, new TestClock(T0 - 45_000 + 600_000, undefined))).toBe(3000_000);
  });

  test('while wall and boot clocks agree within a second, the wall clock counts: every process reports the same end', () => {
    const clock = new TestClock(T0 - 45_000);
    const receipt: Receipt = { hostMs: clock.now(), issuerOffsetMs: 45_000, boot: clock.sinceBoot() };
    clock.advance(600);
    clock.bootMs! -= 990; // /proc/uptime's 10 ms steps and NTP slewing
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(3000_000);
    clock.bootMs! -= 20; // 1.01 s apart: taken as the wall clock stepped forward (a slow clock fixed), so the boot clock counts
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(3001_010);
    clock.bootMs! += 2010; // the boot clock 1 s ahead of the wall: the wall clock was set back 1 s
    expect(millisecondsLeft(expiration, receipt, clock)).toBe(2999_000);
  });

  test('without a receipt (a cache of an older client), the wall clock alone', () => {
    expect(millisecondsLeft(expiration, undefined, new TestClock(T0 + 60_000))).toBe(3540_000);
  });
});

describe('the provider on a host whose clock is off', () => {
  test('45 s slow, 60 s sessions, margin 20 s: renews at 40 s by the issuer clock, never serving a session with 20 s or less left', async () => {
    const issuer = new TestIssuer(45, 60);
    const p = provider(issuer, { OIDC_REFRESH_MARGIN_SECONDS: '20' });
    const served: Array<{ at: number; id: string; trueLeft: number }> = [];
    for (let second = 0; second <= 200; second += 5) {
      const c = await p.getCredentials();
      served.push({ at: second, id: c.accessKeyId, trueLeft: (c.expiration.getTime() - issuer.trueMs) / 1000 });
      issuer.advance(5);
    }
    expect(Math.min(...served.map((s) => s.trueLeft))).toBeGreaterThan(20);
    // Renewed every 40 s of true time (a session looks 59.001 s long: the offset is rounded up),
    // where the host clock alone would have kept each session until 85 s, 25 s past its end.
    expect(served.filter((s, i) => i > 0 && s.id !== served[i - 1]!.id).map((s) => s.at)).toEqual([40, 80, 120, 160, 200]);
    expect(issuer.issued).toBe(6);
  });

  test('the Expiration consumers get is on the host clock: 10 min slow or fast, a consumer comparing with it renews in time', async () => {
    for (const offset of [600, -600]) {
      const issuer = new TestIssuer(offset, 3600);
      const p = provider(issuer, { OIDC_CACHE_DIR: join(dir, `cache${offset}`) });
      const c = await p.getCredentials();
      // Issued at true T0, ending at true T0 + 3600 s; the host's now is T0 - offset.
      expect(c.expiration.toISOString()).toBe('2026-11-30T03:00:00.000Z');
      const shown = forConsumers(c, issuer.host);
      expect(shown.expiration.getTime() - issuer.host.now()).toBe(3600_000 - 60_000 - 999);
      expect(shown.receipt).toBeUndefined();
    }
  });

  test('the cache stays right across the fix of a wrong clock, in another process too', async () => {
    const issuer = new TestIssuer(-600, 3600);
    const first = provider(issuer);
    const session = await first.getCredentials();
    issuer.advance(1800);
    issuer.host.step(-600); // NTP fixes the clock: host and issuer now agree.
    const later = provider(issuer); // another process, reading the cache
    const cached = await later.getCredentials();
    expect(cached.accessKeyId).toBe(session.accessKeyId);
    expect(issuer.issued).toBe(1);
    expect(lifetimeLeftSeconds(cached, issuer.host)).toBeCloseTo(1800 - 0.999, 3);
    expect(forConsumers(cached, issuer.host).expiration.getTime()).toBe(session.expiration.getTime() - 60_000 - 999);
    // And it is renewed when the margin (960 s) is reached by the issuer clock, not 10 min later.
    issuer.advance(1800 - 960 - 1);
    expect((await later.getCredentials()).accessKeyId).toBe(session.accessKeyId);
    issuer.advance(2);
    expect((await later.getCredentials()).accessKeyId).not.toBe(session.accessKeyId);
  });

  test('the cache file keeps the issuer end and the receipt', async () => {
    const issuer = new TestIssuer(45, 3600);
    const p = provider(issuer);
    await p.getCredentials();
    const file = JSON.parse(readFileSync(p.cache.credentialsPath, 'utf8')) as Record<string, unknown>;
    expect(file.Expiration).toBe('2026-11-30T03:00:00.000Z');
    expect(file.Received).toEqual({ HostTime: '2026-11-30T01:59:15.000Z', IssuerOffsetMs: 45_999, BootId: 'boot-a', SinceBootMs: 5_000_000 });
  });

  test('a cache file with a malformed receipt is discarded as corrupt', () => {
    const warnings: string[] = [];
    const cache = new CredentialCache(join(dir, 'cache'), 'k', (m) => warnings.push(m));
    cache.prepare();
    writeFileSync(cache.credentialsPath, JSON.stringify({ Version: 1, AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: '2026-11-30T03:00:00Z', Received: { HostTime: 'noon' } }));
    expect(cache.readCredentials()).toBeUndefined();
    expect(warnings).toEqual([`discarding corrupt cache file ${cache.credentialsPath}`]);
  });

  test(`a clock more than ${CLOCK_SKEW_WARNING_SECONDS} s off is warned once, with the figure and the fix`, async () => {
    const warnings: string[] = [];
    const issuer = new TestIssuer(600, 60);
    const p = provider(issuer, { OIDC_REFRESH_MARGIN_SECONDS: '20' }, warnings);
    for (let i = 0; i < 3; i++) {
      await p.getCredentials();
      issuer.advance(45);
    }
    expect(issuer.issued).toBe(3);
    expect(warnings).toEqual([
      "this host's clock is 601 s behind STS's (from the Date of its answer); credentials are timed by STS's clock, but S3 refuses requests signed more than 900 s off: synchronise it with NTP (timedatectl set-ntp true, or chrony/ntpd) [CLOCK_SKEW]",
    ]);
  });

  test('beyond S3 15 minutes the warning says S3 refuses the requests; 60 s or less is not warned', async () => {
    const ahead: string[] = [];
    await provider(new TestIssuer(-1200, 3600), {}, ahead).getCredentials();
    expect(ahead).toEqual([
      "this host's clock is 1199 s ahead of STS's (from the Date of its answer); that is beyond the 900 s S3 tolerates, so S3 refuses requests signed on this host (RequestTimeTooSkewed): synchronise it with NTP (timedatectl set-ntp true, or chrony/ntpd) [CLOCK_SKEW]",
    ]);
    const close: string[] = [];
    rmSync(join(dir, 'cache'), { recursive: true });
    await provider(new TestIssuer(59, 3600), {}, close).getCredentials();
    expect(close).toEqual([]);
  });
});

describe('the offset measured over HTTP', () => {
  const token = 'header.eyJzdWIiOiJza2V3Y2xpZW50QGNsaWVudHMiLCJhdWQiOiJodHRwczovL3MzLXVwbG9hZGVyLmV4YW1wbGUifQ.signature';

  test("STS AssumeRoleWithWebIdentity: the Date of STS's answer", async () => {
    const sts = await startStsStub({});
    // The exchange reaches STS through AWS_ENDPOINT_URL_STS, as on a host.
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    try {
      // This host 300 s behind: its clock reads the real time minus 300 s.
      const behind: HostClock = { now: () => Date.now() - 300_000, sinceBoot: () => systemClock.sinceBoot() };
      const c = await exchangeToken(config(), token, behind);
      expect(c.receipt!.issuerOffsetMs).toBeGreaterThanOrEqual(299_000);
      expect(c.receipt!.issuerOffsetMs).toBeLessThan(302_000);
      expect(c.receipt!.boot?.bootId).toBe(systemClock.sinceBoot()!.bootId);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
      await sts.close();
    }
  });

  test("the vending API: the Date of its answer", async () => {
    const api = await startHttp(async () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Version: 1, AccessKeyId: 'ASIAVEND', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000).toISOString() }),
    }));
    try {
      const ahead: HostClock = { now: () => Date.now() + 600_000, sinceBoot: () => undefined };
      const vending = loadProviderConfig({
        OIDC_IDP_TYPE: 'cognito',
        OIDC_TOKEN_URL: 'https://idp.example/oauth2/token',
        OIDC_CLIENT_ID: 'client-1',
        OIDC_CLIENT_SECRET: 'secret',
        CREDENTIAL_VENDING_URL: `${api.url}/credentials`,
        OIDC_CACHE_DIR: join(dir, 'cache'),
      });
      const c = await exchangeToken(vending, 'token', ahead);
      expect(c.receipt!.issuerOffsetMs).toBeGreaterThanOrEqual(-601_000);
      expect(c.receipt!.issuerOffsetMs).toBeLessThan(-598_000);
      expect(c.receipt!.boot).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
