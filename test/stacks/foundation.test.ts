import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityProvider } from '../../config/types';
import { FoundationStack } from '../../stacks/foundation';
import { allKeys, allStrings, onlyResource, resourcesOfType, synthApp, type SynthesizedApp, type TerraformJson } from '../support/synth';
import { environmentConfig } from './foundation-fixtures';

type Variant = `${IdentityProvider}-${'dev' | 'prod'}`;
const VARIANTS: readonly Variant[] = ['auth0-dev', 'auth0-prod', 'cognito-dev', 'cognito-prod'];

const apps = new Map<Variant, SynthesizedApp>();
const json = (variant: Variant): TerraformJson => apps.get(variant)!.stack('foundation');

beforeAll(() => {
  for (const variant of VARIANTS) {
    const [identityProvider, environment] = variant.split('-') as [IdentityProvider, 'dev' | 'prod'];
    const config = environmentConfig({ environment, identityProvider });
    apps.set(variant, synthApp((app) => new FoundationStack(app, 'foundation', { config })));
  }
});
afterAll(() => apps.forEach((app) => app.cleanup()));

const AUTH0_OUTPUTS = ['oidc_provider_url', 'audience', 'auth0_api_id'];
const COGNITO_OUTPUTS = [
  'cognito_user_pool_id',
  'cognito_domain',
  'cognito_token_endpoint',
  'resource_server_identifier',
  'credential_vending_api_url',
  'credential_vending_lambda_role_arn',
  'client_roles_table_name',
];
/** Access keys, PEM blocks, JWTs, and long mixed-case base64 runs (secrets, client secrets). */
function looksSecret(value: string): boolean {
  if (/AKIA[0-9A-Z]{16}|-----BEGIN|eyJ[\w-]+\.[\w-]+\./.test(value)) return true;
  return value.split(/[^A-Za-z0-9+=]/).some((run) => run.length >= 32 && /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run));
}

test('the secret detector flags what it is meant to flag', () => {
  const randomSecret = randomBytes(30).toString('hex').slice(0, 40) + 'aA1';
  expect([randomSecret, 'AKIA' + 'ABCDEFGHIJKLMNOP', 'eyJhbGciOi.eyJzdWIi.sig'].map(looksSecret)).toEqual([true, true, true]);
  expect(looksSecret('assets/x_code_FACA4208/AE15ED80A546EB0E1F68823FDA58D87C/archive.zip')).toBe(false);
});

const SHARED_OUTPUTS = ['bucket_arn', 'bucket_name', 'aws_region', 'identity_provider'];

describe.each(VARIANTS)('foundation stack, %s', (variant) => {
  const [identityProvider, environment] = variant.split('-') as [IdentityProvider, 'dev' | 'prod'];

  test('keeps its state at <env>/foundation/terraform.tfstate in the shared backend', () => {
    expect(json(variant).terraform.backend.s3).toMatchObject({
      bucket: 'oidc-s3-terraform-state',
      key: `${environment}/foundation/terraform.tfstate`,
      encrypt: true,
      use_lockfile: true,
    });
  });

  test('tags every AWS resource through the provider default_tags', () => {
    expect(json(variant).provider.aws[0]).toEqual({
      region: 'eu-west-1',
      default_tags: [{ tags: { Owner: 'platform-team', Environment: environment, Project: 'oidc-s3', ManagedBy: 'cdktf' } }],
    });
  });

  test('has exactly the outputs DESIGN.md names for its identity provider', () => {
    const own = identityProvider === 'auth0' ? AUTH0_OUTPUTS : COGNITO_OUTPUTS;
    expect(Object.keys(json(variant).output).sort()).toEqual([...own, ...SHARED_OUTPUTS].sort());
    expect(json(variant).output.identity_provider.value).toBe(identityProvider);
    expect(json(variant).output.aws_region.value).toBe('eu-west-1');
  });

  test('the upload bucket is private, encrypted, owner-enforced and TLS-only', () => {
    const stack = json(variant);
    expect(onlyResource(stack, 'aws_s3_bucket').bucket).toBe(`oidc-s3-${environment}-uploads`);
    expect(onlyResource(stack, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(stack, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    expect(onlyResource(stack, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } },
    ]);
    const bucketPolicy = onlyResource(stack, 'aws_s3_bucket_policy');
    const [bucketId] = Object.keys(resourcesOfType(stack, 'aws_s3_bucket'));
    expect(JSON.parse(bucketPolicy.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`\${aws_s3_bucket.${bucketId}.arn}`, `\${aws_s3_bucket.${bucketId}.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'DenyWritesWithCustomerKeys',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: `\${aws_s3_bucket.${bucketId}.arn}/*`,
          Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
        },
      ],
    });
    expect(stack.output.bucket_arn.value).toBe(`\${aws_s3_bucket.${bucketId}.arn}`);
    expect(stack.output.bucket_name.value).toBe(`\${aws_s3_bucket.${bucketId}.bucket}`);
  });

  test('lifecycle rules apply to the whole bucket and always abort stale multipart uploads', () => {
    const rules: TerraformJson[] = onlyResource(json(variant), 'aws_s3_bucket_lifecycle_configuration').rule;
    for (const rule of rules) {
      expect(rule.filter).toEqual([{ prefix: '' }]);
      expect(rule.status).toBe('Enabled');
    }
    expect(rules.find((r) => r.abort_incomplete_multipart_upload)?.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 3 }]);
  });

  test('contains no secret-looking values and no credential arguments', () => {
    const stack = json(variant);
    expect(allStrings(stack).filter(looksSecret)).toEqual([]);
    expect(allKeys(stack).filter((k) => /secret|password|api_token|access_key/i.test(k))).toEqual([]);
  });
});

describe('dev and prod differ as the environments ask', () => {
  const lifecycle = (variant: Variant) => onlyResource(json(variant), 'aws_s3_bucket_lifecycle_configuration').rule as TerraformJson[];

  test.each(['auth0', 'cognito'] as const)('%s dev: versioning suspended, objects expire after 10 days, no noncurrent rule', (idp) => {
    const variant: Variant = `${idp}-dev`;
    expect(onlyResource(json(variant), 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Suspended' });
    expect(lifecycle(variant).filter((r) => r.expiration).map((r) => r.expiration)).toEqual([[{ days: 10 }]]);
    expect(lifecycle(variant).some((r) => r.noncurrent_version_expiration)).toBe(false);
  });

  test.each(['auth0', 'cognito'] as const)('%s prod: versioning enabled, noncurrent versions expire, current objects never', (idp) => {
    const variant: Variant = `${idp}-prod`;
    expect(onlyResource(json(variant), 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(lifecycle(variant).some((r) => r.expiration)).toBe(false);
    expect(lifecycle(variant).filter((r) => r.noncurrent_version_expiration).map((r) => r.noncurrent_version_expiration)).toEqual([[{ noncurrent_days: 30 }]]);
  });

  test('lifecycle waits for versioning', () => {
    const stack = json('auth0-prod');
    const [versioningId] = Object.keys(resourcesOfType(stack, 'aws_s3_bucket_versioning'));
    expect(onlyResource(stack, 'aws_s3_bucket_lifecycle_configuration').depends_on).toEqual([`aws_s3_bucket_versioning.${versioningId}`]);
  });
});

describe('Auth0 variant', () => {
  test('declares the auth0/auth0 provider ~> 1.55 with no settings, so credentials come from the environment', () => {
    const stack = json('auth0-dev');
    expect(stack.terraform.required_providers.auth0).toEqual({ source: 'auth0/auth0', version: '~> 1.55' });
    expect(stack.provider.auth0).toEqual([{}]);
  });

  test('the resource server: default audience, RS256, token lifetime, no refresh tokens', () => {
    const api = onlyResource(json('auth0-dev'), 'auth0_resource_server');
    expect(api).toMatchObject({
      identifier: 'https://s3-uploader.dev.example-tenant.eu.auth0.com',
      signing_alg: 'RS256',
      token_lifetime: 86400,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
    });
  });

  test('outputs the audience and the condition-key prefix; the OIDC provider is the servers stack\'s (its client ID list holds their client ids)', () => {
    const stack = json('auth0-prod');
    const audience = 'https://s3-uploader.prod.example-tenant.eu.auth0.com';
    expect(resourcesOfType(stack, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(stack.output.oidc_provider_arn).toBeUndefined();
    expect(stack.output.audience.value).toBe(audience);
    expect(stack.output.oidc_provider_url.value).toBe('example-tenant.eu.auth0.com/');
    const [apiId] = Object.keys(resourcesOfType(stack, 'auth0_resource_server'));
    expect(stack.output.auth0_api_id.value).toBe(`\${auth0_resource_server.${apiId}.id}`);
  });

  test('holds no Cognito, DynamoDB, Lambda or API Gateway resources', () => {
    const types = Object.keys(json('auth0-prod').resource);
    expect(types.filter((t) => /cognito|dynamodb|lambda|apigateway/.test(t))).toEqual([]);
  });
});

describe('Cognito variant', () => {
  const stack = () => json('cognito-prod');

  test('declares no Auth0 provider or resources', () => {
    for (const variant of ['cognito-dev', 'cognito-prod'] as const) {
      expect(json(variant).provider.auth0).toBeUndefined();
      expect(json(variant).terraform.required_providers.auth0).toBeUndefined();
      expect(Object.keys(json(variant).resource).filter((t) => t.startsWith('auth0_') || t === 'aws_iam_openid_connect_provider')).toEqual([]);
    }
  });

  test('user pool: admin-only user creation, deletion protection per environment', () => {
    expect(onlyResource(stack(), 'aws_cognito_user_pool')).toMatchObject({
      deletion_protection: 'ACTIVE',
      admin_create_user_config: { allow_admin_create_user_only: true },
    });
    expect(onlyResource(json('cognito-dev'), 'aws_cognito_user_pool').deletion_protection).toBe('INACTIVE');
    expect(onlyResource(stack(), 'aws_cognito_user_pool_domain').domain).toBe('oidc-s3-prod');
  });

  test('resource server with the four scopes', () => {
    const server = onlyResource(stack(), 'aws_cognito_resource_server');
    expect(server.identifier).toBe('https://s3-uploader.oidc-s3-prod');
    expect(server.scope.map((s: TerraformJson) => s.scope_name)).toEqual(['write', 'read', 'delete', 'list']);
  });

  test('mapping table: client_id (S) hash key, on demand, PITR, SSE, deletion protection per environment', () => {
    expect(onlyResource(stack(), 'aws_dynamodb_table')).toMatchObject({
      name: 'oidc-s3-prod-client-roles',
      hash_key: 'client_id',
      attribute: [{ name: 'client_id', type: 'S' }],
      billing_mode: 'PAY_PER_REQUEST',
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
    });
    expect(onlyResource(json('cognito-dev'), 'aws_dynamodb_table').deletion_protection_enabled).toBe(false);
  });

  test('the Lambda: nodejs22.x on arm64, index.handler, the vending contract environment, a bundled asset', () => {
    const s = stack();
    const fn = onlyResource(s, 'aws_lambda_function');
    const [poolId] = Object.keys(resourcesOfType(s, 'aws_cognito_user_pool'));
    const [tableId] = Object.keys(resourcesOfType(s, 'aws_dynamodb_table'));
    const [serverId] = Object.keys(resourcesOfType(s, 'aws_cognito_resource_server'));
    expect(fn).toMatchObject({
      function_name: 'oidc-s3-prod-credential-vending',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
    });
    expect(fn.environment.variables).toEqual({
      CLIENT_ROLES_TABLE: `\${aws_dynamodb_table.${tableId}.name}`,
      TOKEN_ISSUER: `https://cognito-idp.eu-west-1.amazonaws.com/\${aws_cognito_user_pool.${poolId}.id}`,
      RESOURCE_SERVER_IDENTIFIER: `\${aws_cognito_resource_server.${serverId}.identifier}`,
      IDENTITY_PROVIDER: 'cognito',
    });
    expect(fn.filename).toMatch(/^assets\/.+\/archive\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);
    const archive = join(apps.get('cognito-prod')!.stackDir('foundation'), fn.filename);
    expect(existsSync(archive)).toBe(true);
    expect(statSync(archive).size).toBeGreaterThan(1000);
  });

  test('log groups with the configured retention, the function logging to its own', () => {
    const s = stack();
    const groups = Object.values(resourcesOfType(s, 'aws_cloudwatch_log_group'));
    expect(groups.map((g) => [g.name, g.retention_in_days]).sort()).toEqual([
      ['/aws/apigateway/oidc-s3-prod-credential-vending', 365],
      ['/aws/lambda/oidc-s3-prod-credential-vending', 365],
    ]);
    const [lambdaLogsId] = Object.entries(resourcesOfType(s, 'aws_cloudwatch_log_group')).find(([, g]) => g.name.startsWith('/aws/lambda/'))!;
    expect(onlyResource(s, 'aws_lambda_function').logging_config.log_group).toBe(`\${aws_cloudwatch_log_group.${lambdaLogsId}.name}`);
    expect(onlyResource(s, 'aws_cloudwatch_log_metric_filter')).toMatchObject({
      log_group_name: `\${aws_cloudwatch_log_group.${lambdaLogsId}.name}`,
      pattern: '{ $.event = "authentication_failed" }',
    });
  });

  test('the Lambda role: trusted by Lambda for this function of this account only; may touch its logs, its table and <project>-<env>-* roles', () => {
    const s = stack();
    const [accountData] = Object.keys(s.data.aws_caller_identity);
    const [regionData] = Object.keys(s.data.aws_region);
    const account = `\${data.aws_caller_identity.${accountData}.account_id}`;
    const role = onlyResource(s, 'aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnEquals: { 'aws:SourceArn': `arn:aws:lambda:\${data.aws_region.${regionData}.region}:${account}:function:oidc-s3-prod-credential-vending` },
        },
      }),
    ]);
    const [tableId] = Object.keys(resourcesOfType(s, 'aws_dynamodb_table'));
    const statements = JSON.parse(onlyResource(s, 'aws_iam_role_policy').policy).Statement as TerraformJson[];
    expect(statements.map((st) => [st.Action, st.Resource])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], expect.stringMatching(/^\$\{aws_cloudwatch_log_group\..+\.arn\}:\*$/)],
      ['dynamodb:GetItem', `\${aws_dynamodb_table.${tableId}.arn}`],
      [['sts:AssumeRole', 'sts:SetSourceIdentity'], `arn:aws:iam::${account}:role/oidc-s3-prod/oidc-s3-prod-*`],
      [['sts:AssumeRole', 'sts:SetSourceIdentity'], `arn:aws:iam::${account}:role/oidc-s3-prod/*/*`],
    ]);
    expect(statements.map((st) => st.Effect)).toEqual(['Allow', 'Allow', 'Allow', 'Deny']);
  });

  test('HTTP API: POST /credentials proxied (payload 2.0), $default stage throttled and logged without headers', () => {
    const s = stack();
    expect(onlyResource(s, 'aws_apigatewayv2_api').protocol_type).toBe('HTTP');
    const [integrationId] = Object.keys(resourcesOfType(s, 'aws_apigatewayv2_integration'));
    const [functionId] = Object.keys(resourcesOfType(s, 'aws_lambda_function'));
    expect(onlyResource(s, 'aws_apigatewayv2_integration')).toMatchObject({
      integration_type: 'AWS_PROXY',
      payload_format_version: '2.0',
      integration_uri: `\${aws_lambda_function.${functionId}.invoke_arn}`,
    });
    expect(onlyResource(s, 'aws_apigatewayv2_route')).toMatchObject({
      route_key: 'POST /credentials',
      target: `integrations/\${aws_apigatewayv2_integration.${integrationId}.id}`,
    });
    const stage = onlyResource(s, 'aws_apigatewayv2_stage');
    expect(stage).toMatchObject({ name: '$default', auto_deploy: true, default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 } });
    const format = JSON.parse(stage.access_log_settings.format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(stage.access_log_settings.format).not.toMatch(/authorization|header/i);
    expect(onlyResource(json('cognito-dev'), 'aws_apigatewayv2_stage').default_route_settings).toEqual({ throttling_rate_limit: 10, throttling_burst_limit: 20 });
  });

  test('the Lambda permission admits only this API’s POST /credentials route', () => {
    const s = stack();
    const [apiId] = Object.keys(resourcesOfType(s, 'aws_apigatewayv2_api'));
    expect(onlyResource(s, 'aws_lambda_permission')).toMatchObject({
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      source_arn: `\${aws_apigatewayv2_api.${apiId}.execution_arn}/*/POST/credentials`,
    });
  });

  test('outputs: token endpoint, full vending URL, issuer pieces', () => {
    const s = stack();
    const [domainId] = Object.keys(resourcesOfType(s, 'aws_cognito_user_pool_domain'));
    const [stageId] = Object.keys(resourcesOfType(s, 'aws_apigatewayv2_stage'));
    const [roleId] = Object.keys(resourcesOfType(s, 'aws_iam_role'));
    expect(s.output.cognito_token_endpoint.value).toBe(
      `https://\${aws_cognito_user_pool_domain.${domainId}.domain}.auth.eu-west-1.amazoncognito.com/oauth2/token`,
    );
    // The $default stage's invoke_url ends in "/".
    expect(s.output.credential_vending_api_url.value).toBe(`\${aws_apigatewayv2_stage.${stageId}.invoke_url}credentials`);
    expect(s.output.credential_vending_lambda_role_arn.value).toBe(`\${aws_iam_role.${roleId}.arn}`);
  });
});
