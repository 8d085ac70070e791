// The two Auth0 exchanges (foundation.json auth0_exchange): "direct" (hosts call STS; one OIDC
// provider whose client ID list stops at 100) and "vending" (the credential-vending API).
import { FoundationStack } from '../../stacks/foundation';
import { Testing } from 'cdktf';
import type { ServerSettings } from '../../config/types';
import { synthStack } from '../support/synth';
import { environmentConfig, foundationOutput, server, synthServers } from './servers-fixtures';

const many = (count: number, enabled = true): ServerSettings[] =>
  Array.from({ length: count }, (_, i) => server(`host-${String(i).padStart(4, '0')}`, `hosts/${String(i).padStart(4, '0')}/`, 'write', { enabled }));

describe('direct mode: at most 99 enabled servers', () => {
  test('99 enabled servers (and any number of disabled ones) synthesize', () => {
    const json = synthServers(environmentConfig('auth0', [...many(99), ...many(150, false).map((s) => ({ ...s, name: `off-${s.name}`, s3PathPrefix: `off/${s.s3PathPrefix}` }))]));
    expect(Object.keys(json.locals.servers)).toHaveLength(249);
  });

  test('100 enabled servers are refused at synth, naming the limit and the vending mode', () => {
    expect(() => synthServers(environmentConfig('auth0', many(100)))).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONSTRUCT_CONFIG',
        message: expect.stringContaining(
          'servers (enabled) is 100; allowed: enables 100 servers, but auth0_exchange "direct" allows at most 99: the IAM OIDC provider\'s client ID list holds at most 100 entries (the API identifier and one per enabled server); set "auth0_exchange": "vending" in foundation.json (the vending API: no client ID list, no server limit), or disable servers',
        ),
      }),
    );
  });
});

describe('vending mode', () => {
  // 1,000 servers: test/servers/stability.test.ts; 5,000: bench/synth.ts (Auth0 runs in vending mode there).
  test('past 99 enabled servers: no OIDC provider, no client ID list', () => {
    const json = synthServers(environmentConfig('auth0', many(100), { auth0Exchange: 'vending' }));
    expect(Object.keys(json.locals.servers)).toHaveLength(100);
    expect(json.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(json.output.oidc_provider_arn).toBeUndefined();
  });

  describe('the servers stack', () => {
    const json = synthServers(environmentConfig('auth0', many(2), { auth0Exchange: 'vending' }));

    test('roles trust only the vending Lambda role, under the server as SourceIdentity, as the Cognito roles do', () => {
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

    test("one mapping item per server, keyed by the Auth0 client id; hosts get the vending URL instead of a role to assume", () => {
      const mapping = json.resource.aws_dynamodb_table_item.server_mapping;
      expect(mapping.table_name).toBe(foundationOutput('client_roles_table_name'));
      expect(mapping.item).toContain('"client_id" = {"S" = auth0_client.server[each.key].client_id}');
      const value: string = json.output.server_configurations.value;
      expect(value).toContain('"credential_vending_url" = data.terraform_remote_state.foundation.outputs.credential_vending_api_url');
      expect(value).toContain('"audience" = data.terraform_remote_state.foundation.outputs.audience');
      expect(json.resource.auth0_client_grant.server.audience).toBe(foundationOutput('audience'));
    });
  });

  test('the foundation: the vending API and Lambda verify Auth0 tokens of the tenant for the API; no oidc_provider_url', () => {
    const config = environmentConfig('auth0', [], { auth0Exchange: 'vending' });
    const json = synthStack(new FoundationStack(Testing.app(), 'foundation', { config, vendingCodeDirectory: __dirname }));
    const fn = Object.values(json.resource.aws_lambda_function as Record<string, { environment: { variables: Record<string, string> }; description: string }>)[0]!;
    expect(fn.environment.variables).toMatchObject({
      IDENTITY_PROVIDER: 'auth0',
      TOKEN_ISSUER: 'https://tenant.eu.auth0.com/',
      RESOURCE_SERVER_IDENTIFIER: 'https://s3-uploader.dev.tenant.eu.auth0.com',
    });
    expect(fn.description).toBe('Trades an Auth0 access token for short-lived credentials of the caller’s server role');
    expect(Object.keys(json.output).sort()).toEqual(
      ['auth0_api_id', 'audience', 'aws_region', 'bucket_arn', 'bucket_name', 'client_roles_table_name', 'credential_vending_api_url', 'credential_vending_lambda_role_arn', 'identity_provider'].sort(),
    );
    expect(json.resource.aws_iam_openid_connect_provider).toBeUndefined();
  });
});
