// `oidc-credential-provider doctor` from the built bundle, against the local stand-ins: a healthy
// host passes every step; each misconfiguration fails at the step it belongs to, with what was
// seen, the likely cause and the fix; nothing printed holds the secret or a whole token.
import { chmodSync, chownSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, cleanEnv, run, TestHost, type RunResult } from './harness';

const AUDIENCE = 'https://s3-uploader.doctor.example';
const CLIENT_ID = 'doctorTestClient01';
const CLIENT_SECRET = `doctor-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-doctor-01';
const OTHER_ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test-other-02';
const REGION = 'eu-west-1';
const NODE = process.execPath;
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

let host: TestHost;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
/** An STS whose OIDC provider lists another audience than the token's. */
let stsOtherAudience: StsStub;

interface StepJson {
  step: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  cause?: string;
  fix?: string;
  audienceReading?: string;
}
interface ReportJson {
  ok: boolean;
  failed_step: string | null;
  steps: StepJson[];
}

beforeAll(async () => {
  host = new TestHost('doctor-host');
  [s3, idp] = await Promise.all([startS3(), startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] })]);
  const webIdentity = { jwksUrl: idp.jwksUrl, issuer: idp.issuer, roles: { [ROLE_ARN]: `${CLIENT_ID}@clients`, [OTHER_ROLE_ARN]: 'otherClient@clients' } };
  [sts, stsOtherAudience] = await Promise.all([
    startStsStub({ credentials: s3.accessKeys, webIdentity: { ...webIdentity, audience: AUDIENCE } }),
    startStsStub({ credentials: s3.accessKeys, webIdentity: { ...webIdentity, audience: 'https://another-api.example' } }),
  ]);
  host.settings = {
    ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: REGION }),
    AWS_ENDPOINT_URL_S3: s3.url,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET: s3.bucket,
    S3_PREFIX: 'doctor-01/',
    S3_PERMISSIONS: 'full',
  };
});

afterAll(async () => {
  await Promise.all([s3?.close(), idp?.close(), sts?.close(), stsOtherAudience?.close()]);
  host?.close();
});

let runs = 0;
async function doctor(overrides: Record<string, string> = {}, options: { json?: boolean; env?: Record<string, string>; prefix?: string[] } = {}): Promise<RunResult> {
  runs += 1;
  const envFile = host.envFile(overrides, `doctor-${runs}.env`);
  const args = [host.bundles.provider, 'doctor', '--env-file', envFile, ...(options.json === false ? [] : ['--json'])];
  const [command, argv] = options.prefix ? [options.prefix[0]!, [...options.prefix.slice(1), NODE, ...args]] : [NODE, args];
  const result = await run(command, argv, { ...cleanEnv(host.home), ...options.env });
  // Whatever the outcome: never the secret, never a whole token.
  expect(result.stdout).not.toContain(CLIENT_SECRET);
  expect(result.stdout).not.toMatch(JWT);
  expect(result.stderr).not.toContain(CLIENT_SECRET);
  return result;
}

function report(result: RunResult): ReportJson {
  return JSON.parse(result.stdout) as ReportJson;
}

/** Asserts the run failed at `step` (exit 1, everything before it passed, everything after skipped) and returns that step. */
function failedAt(result: RunResult, step: string): StepJson {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: '' });
  const json = report(result);
  expect(json.ok).toBe(false);
  expect(json.failed_step).toBe(step);
  const index = json.steps.findIndex((s) => s.step === step);
  expect(json.steps.slice(0, index).map((s) => s.status)).toEqual(Array(index).fill('pass'));
  expect(json.steps.slice(index + 1).every((s) => s.status === 'skip')).toBe(true);
  const failed = json.steps[index]!;
  expect(failed.status).toBe('fail');
  expect(failed.cause).toEqual(expect.any(String));
  expect(failed.fix).toEqual(expect.any(String));
  return failed;
}

test('a healthy host passes every step, names the claim STS matched, and probes the prefix', async () => {
  const text = await doctor({}, { json: false });
  expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
  const lines = text.stdout.trimEnd().split('\n');
  expect(lines.map((l) => l.slice(0, 2) + l.slice(2).split(/\s{2,}/)[0])).toEqual([
    '✓ settings',
    '✓ secret file',
    '✓ token endpoint',
    '✓ client authentication',
    '✓ token claims',
    '✓ exchange',
    '✓ S3 probe',
    'all checks passed',
  ]);
  expect(lines[1]).toContain(`${host.settings.OIDC_CLIENT_SECRET_FILE}: mode 0600, owner root`);
  expect(lines[2]).toMatch(/TLSv1\.[23], certificate for localhost issued by oidc-s3 \w+ CA/);
  expect(lines[4]).toContain(`aud ${AUDIENCE}; azp ${CLIENT_ID}; sub ${CLIENT_ID}@clients`);
  expect(lines[5]).toContain(`STS matched the token's aud ("${AUDIENCE}"): this account applies the aud reading`);
  expect(lines[6]).toMatch(new RegExp(`wrote, read and deleted s3://${s3.bucket}/doctor-01/\\.oidc-s3-doctor/`));

  const json = report(await doctor());
  expect(json.ok).toBe(true);
  expect(json.steps.find((s) => s.step === 'exchange')?.audienceReading).toBe('aud');
});

describe('each misconfiguration fails at its step', () => {
  test('settings: a malformed role ARN', async () => {
    const step = failedAt(await doctor({ OIDC_ROLE_ARN: 'role/oidc-s3-test-doctor-01' }), 'settings');
    expect(step.detail).toBe('OIDC_ROLE_ARN must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "role/oidc-s3-test-doctor-01")');
  });

  test('settings: the secret set both inline and as a file', async () => {
    const step = failedAt(await doctor({ OIDC_CLIENT_SECRET: CLIENT_SECRET }), 'settings');
    expect(step.detail).toBe('OIDC_CLIENT_SECRET and OIDC_CLIENT_SECRET_FILE are both set');
  });

  test('secret file: missing', async () => {
    const missing = join(host.home, 'no-such.secret');
    const step = failedAt(await doctor({ OIDC_CLIENT_SECRET_FILE: missing }), 'secret-file');
    expect(step.detail).toBe(`${missing}: does not exist`);
  });

  test('secret file: readable by others', async () => {
    const file = join(host.home, 'open.secret');
    writeFileSync(file, CLIENT_SECRET, { mode: 0o644 });
    chmodSync(file, 0o644);
    const step = failedAt(await doctor({ OIDC_CLIENT_SECRET_FILE: file }), 'secret-file');
    expect(step.detail).toBe(`${file}: mode 0644, readable by others than its owner`);
    expect(step.fix).toBe(`chmod 600 ${file}`);
  });

  test('secret file: owned by another user than the one running the client', async () => {
    const file = join(host.home, 'foreign.secret');
    writeFileSync(file, CLIENT_SECRET, { mode: 0o600 });
    chownSync(file, 65534, 65534);
    const step = failedAt(await doctor({ OIDC_CLIENT_SECRET_FILE: file }), 'secret-file');
    expect(step.detail).toBe(`${file}: owned by nobody, but this runs as root`);
    rmSync(file);
  });

  test('token endpoint: nothing listens there', async () => {
    const url = 'https://127.0.0.1:9/oauth/token';
    const step = failedAt(await doctor({ OIDC_TOKEN_URL: url }), 'token-endpoint');
    expect(step.detail).toBe(`${url}: cannot connect to 127.0.0.1:9 (ECONNREFUSED)`);
  });

  test('token endpoint: a certificate this host does not trust', async () => {
    const step = failedAt(await doctor({}, { env: { NODE_EXTRA_CA_CERTS: '' } }), 'token-endpoint');
    expect(step.detail).toMatch(/TLS failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)/);
    expect(step.fix).toBe("add the CA's PEM file to the env file as NODE_EXTRA_CA_CERTS=/path/to/ca.pem");
  });

  test('client authentication: a wrong secret', async () => {
    const file = join(host.home, 'wrong.secret');
    writeFileSync(file, 'not-the-secret', { mode: 0o600 });
    const step = failedAt(await doctor({ OIDC_CLIENT_SECRET_FILE: file }), 'client-authentication');
    expect(step.detail).toContain(`refused client ${CLIENT_ID}: HTTP 401 access_denied`);
    expect(step.cause).toBe('the identity provider refused the client id and secret');
  });

  test('client authentication: an audience the tenant does not serve this client', async () => {
    const step = failedAt(await doctor({ OIDC_AUDIENCE: 'https://s3-uploader.other.example' }), 'client-authentication');
    expect(step.detail).toContain('HTTP 403 access_denied Service not enabled within domain');
    expect(step.fix).toMatch(/^OIDC_AUDIENCE must equal the foundation's `audience` output/);
  });

  test("token claims: the token's issuer is not the token URL's host", async () => {
    const viaLocalhost = idp.tokenUrl.replace('127.0.0.1', 'localhost');
    const step = failedAt(await doctor({ OIDC_TOKEN_URL: viaLocalhost }), 'token-claims');
    expect(step.detail).toContain(`iss ${idp.issuer}`);
    expect(step.detail).toContain(`the token URL's issuer would be ${new URL(viaLocalhost).origin}/`);
  });

  test("token claims: a clock ten minutes ahead passes (sessions are timed by STS's clock), with the offset and the advice", async () => {
    const result = await doctor({}, { prefix: ['/usr/bin/faketime', '-f', '+10m'] });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const claims = report(result).steps.find((s) => s.step === 'token-claims')!;
    expect(claims.status).toBe('pass');
    expect(claims.detail).toMatch(/; expires in 3600 s; issued 6\d\d s in the past by this host's clock: this host's clock is 6\d\d s ahead of the identity provider's, which the client allows for; synchronise it \(timedatectl set-ntp true\) before it reaches 900 s, where S3 refuses requests$/);
  });

  test("token claims: this host's clock runs twenty minutes ahead, beyond what S3 accepts", async () => {
    const step = failedAt(await doctor({}, { prefix: ['/usr/bin/faketime', '-f', '+20m'] }), 'token-claims');
    expect(step.detail).toMatch(/issued 1\d\d\d s in the past by this host's clock$/);
    expect(step.cause).toMatch(/^this host's clock is 1\d\d\d s ahead of the identity provider's: S3 refuses requests signed more than 900 s off its clock \(RequestTimeTooSkewed\), whatever the credentials$/);
    expect(step.fix).toBe('synchronise the clock: timedatectl set-ntp true (or chrony/ntpd)');
  });

  test('token claims: a refresh margin as long as the token lives', async () => {
    const step = failedAt(await doctor({ OIDC_REFRESH_MARGIN_SECONDS: '3600' }), 'token-claims');
    expect(step.cause).toBe('tokens live no longer than the refresh margin, so every call fetches a new token');
  });

  test("exchange: another server's role", async () => {
    const step = failedAt(await doctor({ OIDC_ROLE_ARN: OTHER_ROLE_ARN }), 'exchange');
    expect(step.detail).toBe(`STS refused AssumeRoleWithWebIdentity for ${OTHER_ROLE_ARN}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`);
  });

  test('exchange: STS refuses the audience although aud is the API identifier (the azp reading)', async () => {
    const step = failedAt(await doctor({ AWS_ENDPOINT_URL_STS: stsOtherAudience.url }), 'exchange');
    expect(step.detail).toContain('InvalidIdentityTokenException: Incorrect token audience');
    expect(step.audienceReading).toBe('azp');
    expect(step.detail).toContain(`it matched azp ("${CLIENT_ID}", the client id)`);
    expect(step.fix).toMatch(/auth0_exchange": "vending"/);
  });

  test('exchange: STS unreachable', async () => {
    const step = failedAt(await doctor({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' }), 'exchange');
    expect(step.detail).toMatch(/^STS AssumeRoleWithWebIdentity failed: /);
    expect(step.cause).toBe('STS is unreachable from this host');
  });

  test('S3 probe: a bucket that does not exist', async () => {
    const step = failedAt(await doctor({ S3_BUCKET: 'no-such-bucket-here' }), 's3-probe');
    expect(step.detail).toMatch(/^write s3:\/\/no-such-bucket-here\/doctor-01\/\.oidc-s3-doctor\/\S+: NoSuchBucket/);
  });

  test('the text report names the failing step with its cause and fix', async () => {
    const result = await doctor({ OIDC_ROLE_ARN: OTHER_ROLE_ARN }, { json: false });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[5]).toMatch(/^✗ exchange\s+STS refused AssumeRoleWithWebIdentity/);
    expect(lines[6]).toMatch(/^ {4}likely cause: the role's trust refused this token/);
    expect(lines[7]).toMatch(/^ {4}fix: OIDC_ROLE_ARN must be this server's role_arn/);
    expect(lines[8]).toBe('- S3 probe               not run: an earlier step failed');
    expect(lines[9]).toBe('failed at: exchange');
  });
});
