// Credentials fit every consumer's refresh window: botocore (boto3 and the AWS CLI) treats a
// session with 15 minutes or less left as due and runs credential_process again before every
// request. With a cached session at 12 minutes left, one boto3 process and one AWS CLI process,
// each making 10 requests, must run the provider exactly once, and that run must refresh.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProviderConfig } from '../../client/config/provider-config';
import { CredentialCache, cacheKey } from '../../client/storage/credential-cache';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, auth0StsModel, cleanEnv, run, TestHost } from './harness';

const AUDIENCE = 'https://s3-uploader.test.example';
const CLIENT_ID = 'web01RefreshWindow';
const CLIENT_SECRET = `auth0-secret-${Math.random().toString(36).slice(2)}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/oidc-s3-test/oidc-s3-test-web-01';
const REGION = 'eu-west-1';

let host: TestHost;
let s3: LocalS3;
let idp: OAuthServer;
let sts: StsStub;
let runsLog: string;

const exchanges = () => sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').length;
const providerRuns = () => readFileSync(runsLog, 'utf8').split('\n').filter(Boolean).length;

/** Profile `oidc-s3` whose credential_process logs each run, then execs the built provider. */
function writeProfile(envFile: string): void {
  const wrapper = join(host.home, 'provider-wrapper.sh');
  writeFileSync(wrapper, `#!/bin/sh\necho run >> ${runsLog}\nexec ${host.bundles.provider} get-credentials --env-file ${envFile}\n`);
  chmodSync(wrapper, 0o755);
  writeFileSync(join(host.home, 'aws-config'), `[profile oidc-s3]\ncredential_process = ${wrapper}\nregion = ${REGION}\ns3 =\n    addressing_style = path\n`);
}

/** The cache as a host has it 48 minutes into a one-hour session: 12 minutes left. */
function seedSessionWithTwelveMinutesLeft(envFile: string): void {
  const env: Record<string, string> = {};
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^([A-Z_0-9]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  const config = loadProviderConfig(env);
  const cache = new CredentialCache(config.cacheDir, cacheKey(config));
  cache.writeCredentials({ ...s3.accessKeys, sessionToken: 'seeded-session', expiration: new Date(Date.now() + 12 * 60_000) });
  writeFileSync(runsLog, '');
}

const BOTO3_TEN_PUTS = `
import sys, boto3
from botocore.config import Config
endpoint, bucket = sys.argv[1:3]
s3 = boto3.session.Session(profile_name='oidc-s3').client('s3', endpoint_url=endpoint, config=Config(s3={'addressing_style': 'path'}))
for i in range(10):
    s3.put_object(Bucket=bucket, Key='web-01/boto3/%d.txt' % i, Body=b'ten puts')
print('ok')
`;

beforeAll(async () => {
  host = new TestHost('refresh-window');
  [s3, idp] = await Promise.all([
    startS3(),
    startOAuthServer({ style: 'auth0', audience: AUDIENCE, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] }),
  ]);
  sts = await startStsStub({
    credentials: s3.accessKeys,
    iam: auth0StsModel({ idp: idp, audience: AUDIENCE, servers: [{ clientId: CLIENT_ID, roleArn: ROLE_ARN }] }),
  });
  host.settings = auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, roleArn: ROLE_ARN, region: REGION });
  runsLog = join(host.home, 'provider-runs.log');
}, 60_000);

afterAll(async () => {
  await Promise.all([s3?.close(), idp?.close(), sts?.close()]);
  host?.close();
});

test('boto3, 10 put_object calls in one process, session at 12 min: one provider run, which refreshes', async () => {
  const envFile = host.envFile({}, 'boto3.env');
  writeProfile(envFile);
  seedSessionWithTwelveMinutesLeft(envFile);
  const before = exchanges();
  const result = await run('/usr/bin/python3', ['-c', BOTO3_TEN_PUTS, s3.url, s3.bucket], cleanEnv(host.home), { timeoutMs: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe('ok');
  expect(providerRuns()).toBe(1);
  expect(exchanges() - before).toBe(1);
}, 90_000);

test('the AWS CLI, 10 uploads in one process (cp --recursive), session at 12 min: one provider run, which refreshes', async () => {
  const envFile = host.envFile({}, 'cli.env');
  writeProfile(envFile);
  seedSessionWithTwelveMinutesLeft(envFile);
  const dir = join(host.home, 'ten-files');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 10; i++) writeFileSync(join(dir, `${i}.txt`), `file ${i}\n`);
  const before = exchanges();
  const result = await run(
    '/usr/bin/aws',
    ['s3', 'cp', dir, `s3://${s3.bucket}/web-01/cli/`, '--recursive', '--endpoint-url', s3.url, '--only-show-errors'],
    cleanEnv(host.home, { AWS_PROFILE: 'oidc-s3' }),
    { timeoutMs: 60_000 },
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(providerRuns()).toBe(1);
  expect(exchanges() - before).toBe(1);
}, 90_000);

test('for contrast: with the old 300 s margin, boto3 runs the provider again before every request', async () => {
  const envFile = host.envFile({ OIDC_REFRESH_MARGIN_SECONDS: '300' }, 'old-margin.env');
  writeProfile(envFile);
  seedSessionWithTwelveMinutesLeft(envFile);
  const before = exchanges();
  const result = await run('/usr/bin/python3', ['-c', BOTO3_TEN_PUTS, s3.url, s3.bucket], cleanEnv(host.home), { timeoutMs: 60_000 });
  expect(result.stdout.trim()).toBe('ok');
  expect(providerRuns()).toBeGreaterThanOrEqual(10);
  expect(exchanges() - before).toBe(0);
}, 90_000);
