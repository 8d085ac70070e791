import { Testing, TerraformIterator, TerraformOutput, TerraformStack } from 'cdktf';
import { Client } from '../../../modules/auth0/client';
import { ClientCredentials } from '../../../modules/auth0/client-credentials';
import { ClientGrant } from '../../../modules/auth0/client-grant';
import { Auth0Provider } from '../../../modules/auth0/provider';
import { ResourceServer } from '../../../modules/auth0/resource-server';
import { onlyResource, synthStack, type TerraformJson } from '../../support/synth';

/** One stack with every binding, applied per server with for_each as the servers stack does. */
function bindingsStack(): { json: TerraformJson; hcl: string } {
  const build = () => {
    const stack = new TerraformStack(Testing.app(), 'bindings');
    new Auth0Provider(stack, 'auth0');
    const api = new ResourceServer(stack, 'api', { identifier: 'https://api.example', signingAlg: 'RS256', tokenLifetime: 3600, allowOfflineAccess: false });
    const servers = TerraformIterator.fromMap({ 'web-01': { prefix: 'web' }, 'etl-02': { prefix: 'etl' } });
    const client = new Client(stack, 'client', {
      forEach: servers,
      name: `oidc-s3-dev-${servers.key}`,
      appType: 'non_interactive',
      grantTypes: ['client_credentials'],
    });
    const perClient = TerraformIterator.fromResources(client);
    const credentials = new ClientCredentials(stack, 'credentials', {
      forEach: perClient,
      clientId: perClient.getString('client_id'),
      authenticationMethod: 'client_secret_post',
    });
    new ClientGrant(stack, 'grant', { forEach: perClient, clientId: perClient.getString('client_id'), audience: api.identifier, scopes: [], dependsOn: [api] });
    new TerraformOutput(stack, 'client_id', { value: client.clientId, staticId: true });
    new TerraformOutput(stack, 'secret', { value: credentials.clientSecret, sensitive: true, staticId: true });
    new TerraformOutput(stack, 'api_id', { value: api.id, staticId: true });
    return stack;
  };
  return { json: synthStack(build()), hcl: Testing.synthHcl(build()) as string };
}

const { json, hcl } = bindingsStack();

test('provider: source auth0/auth0, ~> 1.55, no arguments unless given', () => {
  expect(json.terraform.required_providers.auth0).toEqual({ source: 'auth0/auth0', version: '~> 1.55' });
  expect(json.provider.auth0).toEqual([{}]);
  const stack = new TerraformStack(Testing.app(), 'configured');
  new Auth0Provider(stack, 'auth0', { alias: 'other' });
  expect(synthStack(stack).provider.auth0).toEqual([{ alias: 'other' }]);
});

test('auth0_resource_server: snake_case arguments, computed id', () => {
  expect(onlyResource(json, 'auth0_resource_server')).toMatchObject({
    identifier: 'https://api.example',
    signing_alg: 'RS256',
    token_lifetime: 3600,
    allow_offline_access: false,
  });
  expect(json.output.api_id.value).toMatch(/^\$\{auth0_resource_server\.\w+\.id\}$/);
});

test('auth0_client: for_each over servers, only the arguments this project sets, computed client_id', () => {
  const client = onlyResource(json, 'auth0_client');
  expect(client).toMatchObject({
    for_each: { 'web-01': { prefix: 'web' }, 'etl-02': { prefix: 'etl' } },
    name: 'oidc-s3-dev-${each.key}',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  expect(Object.keys(client).sort()).toEqual(['app_type', 'for_each', 'grant_types', 'name']);
  expect(client).not.toHaveProperty('token_endpoint_auth_method');
  expect(client).not.toHaveProperty('client_secret');
  expect(json.output.client_id.value).toMatch(/^\$\{auth0_client\.\w+\.\*\.client_id\}$/);
});

test('auth0_client_credentials and auth0_client_grant follow the clients, secret only as a sensitive attribute', () => {
  const clientId = Object.keys(json.resource.auth0_client)[0];
  const credentials = onlyResource(json, 'auth0_client_credentials');
  expect(credentials).toMatchObject({
    for_each: `\${auth0_client.${clientId}}`,
    client_id: '${each.value.client_id}',
    authentication_method: 'client_secret_post',
  });
  expect(credentials).not.toHaveProperty('client_secret');
  const grant = onlyResource(json, 'auth0_client_grant');
  expect(grant).toMatchObject({ for_each: `\${auth0_client.${clientId}}`, client_id: '${each.value.client_id}', scopes: [] });
  expect(grant.audience).toMatch(/^\$\{auth0_resource_server\.\w+\.identifier\}$/);
  expect(grant.depends_on).toEqual([expect.stringMatching(/^auth0_resource_server\./)]);
  expect(json.output.secret).toMatchObject({ sensitive: true, value: expect.stringMatching(/^\$\{auth0_client_credentials\.\w+\.\*\.client_secret\}$/) });
});

test('HCL synthesis renders the same arguments', () => {
  expect(hcl).toMatch(/resource "auth0_client" "\w+" \{[\s\S]*app_type = "non_interactive"[\s\S]*grant_types = \[\s*"client_credentials",?\s*\]/);
  expect(hcl).toMatch(/resource "auth0_client_grant" "\w+" \{[\s\S]*scopes = \[\s*\]/);
  expect(hcl).toMatch(/auth0 = \{\s*version = "~> 1.55"\s*source = "auth0\/auth0"\s*\}/);
});
