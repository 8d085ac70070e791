import { getExpressionAst } from '@cdktf/hcl2json';
import { s3AccessPolicy } from '../../modules/policies/s3-access';
import { allStrings, type TerraformJson } from '../support/synth';
import { THREE_SERVERS, environmentConfig, foundationOutput, synthServers } from './servers-fixtures';

const LOCAL = '${local.servers}';

/** The keys of the object a `{ for key, val in … : key => { "k" = … } }` output builds per server. */
function forObjectKeys(expression: string): string[] {
  return [...expression.matchAll(/"([a-z_0-9]+)" = /g)].map((m) => m[1]!);
}

/** A synthesized `"${…}"` attribute must be a valid HCL template (parsed by cdktf's HCL parser). */
async function expectValidHcl(value: string): Promise<void> {
  await expect(getExpressionAst('main.tf', `"${value}"`)).resolves.not.toBeNull();
}

describe.each(['auth0', 'cognito'] as const)('servers stack (%s), three servers', (identityProvider) => {
  let json: TerraformJson;
  beforeAll(() => {
    json = synthServers(environmentConfig(identityProvider, THREE_SERVERS));
  });

  test('the servers map is keyed by server name and carries each server\'s own settings', () => {
    const servers = json.locals.servers;
    expect(Object.keys(servers).sort()).toEqual(['etl-02', 'web-01', 'web-010']);
    // Only what differs per server; names, the role's session limit, tags and scopes are derived in HCL.
    expect(Object.keys(servers['web-01']).sort()).toEqual(['enabled', 'max_session_duration', 's3_path_prefix', 's3_permissions', 's3_policy', 'tags']);
    expect(servers['web-01']).toMatchObject({
      s3_path_prefix: 'web-01/',
      s3_permissions: 'write',
      enabled: true,
      max_session_duration: 3600,
      // the server's own tags; the common tags are the provider's default_tags
      tags: { Project: 'overridden-by-server', Team: 'web' },
    });
    expect(servers['web-010']).toMatchObject({ max_session_duration: 900, tags: {} });
    expect(servers['etl-02']).toMatchObject({ enabled: false, max_session_duration: 7200 });
  });

  test('each enabled server\'s inline policy is the pure builder\'s document, with the bucket ARN from remote state', () => {
    const servers = json.locals.servers;
    expect(servers['web-01'].s3_policy).toBe(
      `{"Version":"2012-10-17","Statement":[{"Sid":"ObjectsUnderOwnPrefix","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload"],"Resource":"${foundationOutput('bucket_arn')}/web-01/*"}]}`,
    );
    expect(JSON.parse(servers['web-010'].s3_policy)).toEqual(s3AccessPolicy({ bucketArn: foundationOutput('bucket_arn'), prefix: 'web-010/', tier: 'read-write' }));
  });

  test('a disabled server\'s role denies everything', () => {
    expect(JSON.parse(json.locals.servers['etl-02'].s3_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'ServerDisabled', Effect: 'Deny', Action: '*', Resource: '*' }],
    });
  });

  test('role and inline policy iterate over the map, addressed by server name', () => {
    const role = json.resource.aws_iam_role.server;
    expect(role).toMatchObject({
      for_each: LOCAL,
      name: 'oidc-s3-dev-${each.key}',
      // The vending Lambda may assume only roles under its own environment's path.
      path: '/oidc-s3-dev/',
      // IAM's floor for a role is 3600 s; shorter settings are enforced by whoever requests the session.
      max_session_duration: '${max(3600, each.value.max_session_duration)}',
      tags: '${merge(each.value.tags, {"Server" = each.key})}',
    });
    expect(json.resource.aws_iam_role_policy.server_s3_access).toEqual({
      for_each: LOCAL,
      name: 's3-access',
      role: '${aws_iam_role.server[each.key].id}',
      policy: '${each.value.s3_policy}',
    });
    // One block per resource type, however many servers.
    for (const blocks of Object.values(json.resource as Record<string, Record<string, unknown>>)) expect(Object.keys(blocks)).toHaveLength(1);
  });

  test('state in <env>/servers/, foundation read from <env>/foundation/, AWS provider with default tags', () => {
    expect(json.terraform.backend.s3).toMatchObject({ bucket: 'oidc-s3-tfstate', key: 'dev/servers/terraform.tfstate', use_lockfile: true });
    expect(json.data.terraform_remote_state.foundation).toMatchObject({ backend: 's3', config: { key: 'dev/foundation/terraform.tfstate' } });
    expect(json.provider.aws).toEqual([
      {
        region: 'eu-west-1',
        // The operator's common tags win over the defaults (here, Project).
        default_tags: [{ tags: { Environment: 'dev', Project: 'oidc-s3-uploader', ManagedBy: 'cdktf', CostCenter: 'ops' } }],
      },
    ]);
  });

  test('server_secrets is sensitive and maps every server to its client secret', async () => {
    const secrets = json.output.server_secrets;
    expect(secrets.sensitive).toBe(true);
    const secretAttribute = identityProvider === 'auth0' ? 'auth0_client_credentials.server[key].client_secret' : 'aws_cognito_user_pool_client.server[key].client_secret';
    expect(secrets.value).toBe(`\${{ for key, val in local.servers: key => ${secretAttribute} }}`);
    await expectValidHcl(secrets.value);
    expect(json.output.server_configurations.sensitive).toBeUndefined();
  });

  test('server_configurations has exactly the keys the host-config renderer reads', async () => {
    const value: string = json.output.server_configurations.value;
    await expectValidHcl(value);
    expect(value.startsWith('${{ for key, val in local.servers: key => {')).toBe(true);
    const common = ['role_arn', 'client_id', 's3_path_prefix', 's3_permissions', 'bucket_name', 'aws_region', 'identity_provider', 'token_endpoint', 'enabled'];
    const specific = identityProvider === 'auth0' ? ['audience'] : ['credential_vending_url', 'scopes'];
    expect(forObjectKeys(value).sort()).toEqual([...common, ...specific].sort());
    expect(value).toContain('"role_arn" = aws_iam_role.server[key].arn');
    expect(value).toContain('"s3_path_prefix" = val.s3_path_prefix');
    expect(value).toContain('"s3_permissions" = val.s3_permissions');
    expect(value).toContain('"enabled" = val.enabled');
    expect(value).toContain('"bucket_name" = data.terraform_remote_state.foundation.outputs.bucket_name');
    expect(value).toContain('"aws_region" = data.terraform_remote_state.foundation.outputs.aws_region');
    expect(value).toContain(`"identity_provider" = "${identityProvider}"`);
  });

  test('no secret or credential value appears anywhere in the synthesized JSON', () => {
    for (const text of allStrings(json)) expect(text).not.toMatch(/client_secret"?\s*[:=]\s*"[^$]/);
    expect(JSON.stringify(json.provider.auth0 ?? [])).not.toMatch(/secret|client_id/);
  });
});

describe('servers stack, Auth0 specifics', () => {
  let json: TerraformJson;
  beforeAll(() => {
    json = synthServers(environmentConfig('auth0', THREE_SERVERS));
  });

  test('per server: a non-interactive client-credentials client, its client_secret_post credentials and a grant to the audience', async () => {
    expect(json.resource.auth0_client.server).toEqual({
      for_each: LOCAL,
      name: 'oidc-s3-dev-${each.key}',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    });
    expect(json.resource.auth0_client_credentials.server).toEqual({
      for_each: LOCAL,
      client_id: '${auth0_client.server[each.key].client_id}',
      authentication_method: 'client_secret_post',
    });
    const grant = json.resource.auth0_client_grant.server;
    expect(grant).toEqual({
      // the same map, without disabled servers
      for_each: '${{ for key, val in local.servers: key => val if val.enabled }}',
      client_id: '${auth0_client.server[each.key].client_id}',
      audience: foundationOutput('audience'),
      scopes: [],
    });
    await expectValidHcl(grant.for_each);
  });

  test("the role trusts only the stack's OIDC provider, for this server's own client, under either reading of azp", () => {
    const url = foundationOutput('oidc_provider_url');
    expect(JSON.parse(json.resource.aws_iam_role.server.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ServerClientWebIdentity',
          Effect: 'Allow',
          Principal: { Federated: '${aws_iam_openid_connect_provider.tenant.arn}' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${url}:sub`]: '${auth0_client.server[each.key].client_id}@clients',
              [`${url}:aud`]: [foundationOutput('audience'), '${auth0_client.server[each.key].client_id}'],
            },
            StringEqualsIfExists: { [`${url}:oaud`]: foundationOutput('audience') },
          },
        },
      ],
    });
  });

  test("one OIDC provider for the tenant; its client ID list is the API identifier and every enabled server's client id", async () => {
    const provider = json.resource.aws_iam_openid_connect_provider.tenant;
    expect(provider.url).toBe('https://tenant.eu.auth0.com/');
    expect(provider.client_id_list).toBe(
      `\${concat([${foundationOutput('audience').slice(2, -1)}], [ for key, val in { for key, val in local.servers: key => val if val.enabled }: auth0_client.server[key].client_id])}`,
    );
    await expectValidHcl(provider.client_id_list);
    expect(json.output.oidc_provider_arn.value).toBe('${aws_iam_openid_connect_provider.tenant.arn}');
  });

  test('server_configurations: the tenant token endpoint and the audience', () => {
    const value: string = json.output.server_configurations.value;
    expect(value).toContain('"token_endpoint" = "https://tenant.eu.auth0.com/oauth/token"');
    expect(value).toContain('"audience" = data.terraform_remote_state.foundation.outputs.audience');
    expect(value).toContain('"client_id" = auth0_client.server[key].client_id');
  });

  test('the Auth0 provider is declared without any credentials (they come from AUTH0_* at plan time)', () => {
    expect(json.provider.auth0).toEqual([{}]);
    expect(json.terraform.required_providers.auth0).toEqual({ source: 'auth0/auth0', version: '~> 1.55' });
  });
});

describe('servers stack, Cognito specifics', () => {
  let json: TerraformJson;
  beforeAll(() => {
    json = synthServers(environmentConfig('cognito', THREE_SERVERS, { tokenLifetimeSeconds: 1800 }));
  });

  test('each tier maps to its full scope strings, looked up by the server\'s tier', () => {
    const rs = foundationOutput('resource_server_identifier');
    expect(json.locals.tier_scopes).toEqual({
      write: [`${rs}/write`],
      'read-write': [`${rs}/write`, `${rs}/read`],
      full: [`${rs}/write`, `${rs}/read`, `${rs}/delete`, `${rs}/list`],
    });
  });

  test('per server: a client-credentials-only app client with a secret, the scopes and the configured token validity', () => {
    expect(json.resource.aws_cognito_user_pool_client.server).toEqual({
      for_each: LOCAL,
      name: 'oidc-s3-dev-${each.key}',
      user_pool_id: foundationOutput('cognito_user_pool_id'),
      generate_secret: true,
      allowed_oauth_flows: ['client_credentials'],
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_scopes: '${local.tier_scopes[each.value.s3_permissions]}',
      supported_identity_providers: ['COGNITO'],
      explicit_auth_flows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      access_token_validity: 1800,
      token_validity_units: [{ access_token: 'seconds' }],
      prevent_user_existence_errors: 'ENABLED',
      enable_token_revocation: true,
    });
  });

  test("the role trusts only the vending Lambda's role, and only under the server's own SourceIdentity", () => {
    expect(JSON.parse(json.resource.aws_iam_role.server.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CredentialVendingForThisServer',
          Effect: 'Allow',
          Principal: { AWS: foundationOutput('credential_vending_lambda_role_arn') },
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
          Condition: { StringEquals: { 'sts:SourceIdentity': '${each.key}' } },
        },
      ],
    });
  });

  test('the mapping item follows the vending contract, in DynamoDB JSON', async () => {
    const item = json.resource.aws_dynamodb_table_item.server_mapping;
    expect(item).toMatchObject({ for_each: LOCAL, table_name: foundationOutput('client_roles_table_name'), hash_key: 'client_id' });
    await expectValidHcl(item.item);
    expect(item.item).toBe(
      '${jsonencode({' +
        '"client_id" = {"S" = aws_cognito_user_pool_client.server[each.key].id}, ' +
        '"role_arn" = {"S" = aws_iam_role.server[each.key].arn}, ' +
        '"server_name" = {"S" = each.key}, ' +
        '"s3_path_prefix" = {"S" = each.value.s3_path_prefix}, ' +
        '"s3_permissions" = {"S" = each.value.s3_permissions}, ' +
        '"enabled" = {"BOOL" = each.value.enabled}, ' +
        '"max_session_duration" = {"N" = tostring(each.value.max_session_duration)}' +
        '})}',
    );
  });

  test('server_configurations: the Cognito token endpoint, the vending URL and space-separated scopes', () => {
    const value: string = json.output.server_configurations.value;
    expect(value).toContain('"token_endpoint" = data.terraform_remote_state.foundation.outputs.cognito_token_endpoint');
    expect(value).toContain('"credential_vending_url" = data.terraform_remote_state.foundation.outputs.credential_vending_api_url');
    expect(value).toContain('"scopes" = join(" ", local.tier_scopes[val.s3_permissions])');
    expect(value).toContain('"client_id" = aws_cognito_user_pool_client.server[key].id');
  });

  test('no Auth0 provider or resources', () => {
    expect(json.provider.auth0).toBeUndefined();
    expect(json.terraform.required_providers.auth0).toBeUndefined();
    expect(Object.keys(json.resource).filter((type) => type.startsWith('auth0_'))).toEqual([]);
  });
});
