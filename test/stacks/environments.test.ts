// The real environments/* folders, through config/load.ts, synthesized as `cdktf synth` would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownEnvironments, loadEnvironment } from '../../config/load';
import type { EnvironmentConfig } from '../../config/types';
import { bundleVendingLambda } from '../../modules/bundle';
import { FoundationStack } from '../../stacks/foundation';
import { onlyResource, synthApp, type SynthesizedApp } from '../support/synth';

const ROOT = join(__dirname, '../..');
const ENVIRONMENTS = knownEnvironments(ROOT);

// A failure stays with its environment, so one bad folder does not hide the others' results.
const synthesized = new Map<string, { config: EnvironmentConfig; app: SynthesizedApp } | Error>();
let codeDirectory: string;

beforeAll(async () => {
  // One bundle shared by every Cognito environment: bundling is what costs time here.
  codeDirectory = mkdtempSync(join(tmpdir(), 'oidc-s3-vending-code-'));
  bundleVendingLambda(codeDirectory);
  for (const environment of ENVIRONMENTS) {
    try {
      const config = await loadEnvironment({ rootDir: ROOT, environment });
      synthesized.set(environment, { config, app: synthApp((app) => new FoundationStack(app, 'foundation', { config, vendingCodeDirectory: codeDirectory })) });
    } catch (error) {
      synthesized.set(environment, error as Error);
    }
  }
});
afterAll(() => {
  synthesized.forEach((result) => (result instanceof Error ? undefined : result.app.cleanup()));
  rmSync(codeDirectory, { recursive: true, force: true });
});

test('the repository ships dev and prod for both identity providers', () => {
  expect(ENVIRONMENTS).toEqual(expect.arrayContaining(['dev', 'prod', 'dev-cognito', 'prod-cognito']));
});

describe.each(ENVIRONMENTS)('environments/%s', (environment) => {
  const get = () => {
    const result = synthesized.get(environment)!;
    if (result instanceof Error) throw result;
    return result;
  };

  test('synthesizes with its own state key, bucket and identity provider', () => {
    const { config, app } = get();
    const json = app.stack('foundation');
    expect(json.terraform.backend.s3.key).toBe(`${environment}/foundation/terraform.tfstate`);
    expect(onlyResource(json, 'aws_s3_bucket').bucket).toBe(config.foundation.bucketName);
    expect(json.output.identity_provider.value).toBe(config.foundation.identityProvider);
    const auth0 = config.foundation.identityProvider === 'auth0';
    expect(json.provider.auth0 !== undefined).toBe(auth0);
    expect('oidc_provider_url' in json.output).toBe(auth0);
    expect('credential_vending_api_url' in json.output).toBe(!auth0);
  });

  test('versioning and expiry follow foundation.json', () => {
    const { config, app } = get();
    const json = app.stack('foundation');
    expect(onlyResource(json, 'aws_s3_bucket_versioning').versioning_configuration.status).toBe(config.foundation.bucketVersioning ? 'Enabled' : 'Suspended');
    const rules = onlyResource(json, 'aws_s3_bucket_lifecycle_configuration').rule as { expiration?: { days: number }[] }[];
    const expiry = rules.find((r) => r.expiration)?.expiration?.[0]?.days;
    expect(expiry).toBe(config.foundation.objectExpirationDays);
  });
});
