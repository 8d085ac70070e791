// Every auth0_* attribute and block the hand-written bindings can emit, and every one the shipped
// Auth0 environments do emit, checked against the provider schema recorded in
// tools/terraform-provider-auth0-standin/schema.json (auth0/auth0 1.55.0 as transcribed into the
// stand-in; `npm run verify:terraform` keeps the file equal to what the stand-in serves).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { App, Testing, TerraformStack } from 'cdktf';
import { loadEnvironment, knownEnvironments } from '../../config/load';
import { Client, type ClientConfig } from '../../modules/auth0/client';
import { ClientCredentials, type ClientCredentialsConfig } from '../../modules/auth0/client-credentials';
import { ClientGrant, type ClientGrantConfig } from '../../modules/auth0/client-grant';
import { Auth0Provider, type Auth0ProviderConfig } from '../../modules/auth0/provider';
import { ResourceServer, type ResourceServerConfig } from '../../modules/auth0/resource-server';
import { FoundationStack } from '../../stacks/foundation';
import { ServersStack } from '../../stacks/servers';
import { synthStack, type TerraformJson } from '../support/synth';

const REPO = join(__dirname, '..', '..');

interface SchemaAttribute {
  readonly type: unknown;
  readonly optional?: boolean;
  readonly required?: boolean;
  readonly computed?: boolean;
}
interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly max_items?: number; readonly block: SchemaBlock }>;
}
const recorded = JSON.parse(readFileSync(join(REPO, 'tools/terraform-provider-auth0-standin/schema.json'), 'utf8')) as {
  version: string;
  provider: { block: SchemaBlock };
  resource_schemas: Record<string, { block: SchemaBlock }>;
};

/** Terraform JSON meta-arguments: not part of a resource type's schema. */
const META = new Set(['for_each', 'count', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection', '//', 'alias']);

/** Whether a JSON value fits a schema type; `${…}` expressions fit anything (tofu checks them in verify:terraform). */
function fits(type: unknown, value: unknown): boolean {
  if (typeof value === 'string' && value.includes('${')) return true;
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number';
  if (type === 'bool') return typeof value === 'boolean';
  if (Array.isArray(type) && (type[0] === 'list' || type[0] === 'set')) return Array.isArray(value) && value.every((v) => fits(type[1], v));
  if (Array.isArray(type) && type[0] === 'map') return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => fits(type[1], v));
  return false;
}

/** Every mismatch between one emitted block and its schema block, with the attribute path. */
function mismatches(path: string, block: SchemaBlock, emitted: TerraformJson, meta: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(emitted)) {
    if (meta.has(name)) continue;
    const attribute = block.attributes?.[name];
    const nested = block.block_types?.[name];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required) problems.push(`${path}.${name}: computed only, cannot be set`);
      else if (!fits(attribute.type, value)) problems.push(`${path}.${name}: ${JSON.stringify(value)} is not of type ${JSON.stringify(attribute.type)}`);
    } else if (nested) {
      const items = Array.isArray(value) ? value : [value];
      if (nested.max_items !== undefined && items.length > nested.max_items) problems.push(`${path}.${name}: ${items.length} blocks, at most ${nested.max_items}`);
      items.forEach((item: TerraformJson, i: number) => problems.push(...mismatches(`${path}.${name}[${i}]`, nested.block, item, new Set())));
    } else {
      problems.push(`${path}.${name}: not in the auth0/auth0 ${recorded.version} schema`);
    }
  }
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.required && !(name in emitted)) problems.push(`${path}.${name}: required by the schema, not emitted`);
  }
  return problems;
}

/** Checks every auth0 provider block and auth0_* resource of a synthesized stack. */
function checkStack(json: TerraformJson): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const [i, config] of ((json.provider?.auth0 ?? []) as TerraformJson[]).entries()) {
    checked++;
    problems.push(...mismatches(`provider.auth0[${i}]`, recorded.provider.block, config, new Set(['alias'])));
  }
  for (const [type, blocks] of Object.entries((json.resource ?? {}) as Record<string, Record<string, TerraformJson>>)) {
    if (!type.startsWith('auth0_')) continue;
    const schema = recorded.resource_schemas[type];
    for (const [name, resource] of Object.entries(blocks)) {
      checked++;
      if (!schema) problems.push(`${type}.${name}: no such resource type in auth0/auth0 ${recorded.version}`);
      else problems.push(...mismatches(`${type}.${name}`, schema.block, resource, META));
    }
  }
  return { checked, problems };
}

// Every option of every binding set (Required<…>): a new option fails to compile here until it is
// given a value, so nothing a binding can write escapes this check.
const providerConfig: Required<Auth0ProviderConfig> = { alias: 'all' };
const resourceServerConfig: Required<Omit<ResourceServerConfig, keyof import('cdktf').TerraformMetaArguments>> = {
  identifier: 'https://api.example',
  name: 'S3 uploader',
  signingAlg: 'RS256',
  allowOfflineAccess: false,
  tokenLifetime: 3600,
  skipConsentForVerifiableFirstPartyClients: true,
};
const clientConfig: Required<Omit<ClientConfig, keyof import('cdktf').TerraformMetaArguments>> = {
  name: 'oidc-s3-dev-web-01',
  appType: 'non_interactive',
  grantTypes: ['client_credentials'],
};

function everyOptionStack(): TerraformJson {
  const stack = new TerraformStack(Testing.app(), 'every-option');
  const provider = new Auth0Provider(stack, 'auth0', providerConfig);
  new ResourceServer(stack, 'api', { ...resourceServerConfig, provider });
  const client = new Client(stack, 'client', { ...clientConfig, provider });
  const credentials: Required<Omit<ClientCredentialsConfig, keyof import('cdktf').TerraformMetaArguments>> = { clientId: client.clientId, authenticationMethod: 'client_secret_post' };
  new ClientCredentials(stack, 'credentials', { ...credentials, provider });
  const grant: Required<Omit<ClientGrantConfig, keyof import('cdktf').TerraformMetaArguments>> = { clientId: client.clientId, audience: 'https://api.example', scopes: [] };
  new ClientGrant(stack, 'grant', { ...grant, provider });
  return synthStack(stack);
}

test('every attribute and block the Auth0 bindings can write exists in the recorded auth0/auth0 schema with its type', () => {
  const { checked, problems } = checkStack(everyOptionStack());
  expect(problems).toEqual([]);
  expect(checked).toBe(5);
});

test('the check catches unknown attributes, wrong types, computed-only and missing required attributes', () => {
  const { problems } = checkStack({
    provider: { auth0: [{ domian: 'x' }] },
    resource: {
      auth0_client: { a: { description: 'no name', client_id: 'set', jwt_configuration: [{ alg: 1 }, { alg: 'RS256' }] } },
      auth0_client_grant: { g: { audience: 'https://api', scopes: 'read' } },
      auth0_nonexistent: { n: {} },
    },
  });
  expect(problems.sort()).toEqual(
    [
      'provider.auth0[0].domian: not in the auth0/auth0 1.55.0 schema',
      'auth0_client.a.client_id: computed only, cannot be set',
      'auth0_client.a.jwt_configuration: 2 blocks, at most 1',
      'auth0_client.a.jwt_configuration[0].alg: 1 is not of type "string"',
      'auth0_client.a.name: required by the schema, not emitted',
      'auth0_client_grant.g.scopes: "read" is not of type ["list","string"]',
      'auth0_nonexistent.n: no such resource type in auth0/auth0 1.55.0',
    ].sort(),
  );
});

/** `type.attribute` for every attribute and block a synthesized stack writes on auth0 blocks. */
function writtenNames(json: TerraformJson): Set<string> {
  const names = new Set<string>();
  for (const config of (json.provider?.auth0 ?? []) as TerraformJson[]) for (const name of Object.keys(config)) names.add(`provider.${name}`);
  for (const [type, blocks] of Object.entries((json.resource ?? {}) as Record<string, Record<string, TerraformJson>>)) {
    if (!type.startsWith('auth0_')) continue;
    for (const resource of Object.values(blocks)) for (const name of Object.keys(resource)) if (!META.has(name)) names.add(`${type}.${name}`);
  }
  return names;
}

const shippedAuth0Names = new Set<string>();

test('the Auth0 blocks of every shipped Auth0 environment are schema-true', async () => {
  let environments = 0;
  for (const environment of knownEnvironments(REPO)) {
    const config = await loadEnvironment({ rootDir: REPO, environment });
    if (config.foundation.identityProvider !== 'auth0') continue;
    environments++;
    const app = new App({ outdir: join(REPO, 'cdktf.out.test-unused'), stackTraces: false });
    for (const stack of [new FoundationStack(app, 'foundation', { config }), new ServersStack(app, 'servers', { config })]) {
      const json = synthStack(stack);
      for (const name of writtenNames(json)) shippedAuth0Names.add(name);
      const { checked, problems } = checkStack(json);
      expect({ environment, stack: stack.node.id, problems }).toEqual({ environment, stack: stack.node.id, problems: [] });
      expect(checked).toBeGreaterThanOrEqual(2);
    }
  }
  expect(environments).toBeGreaterThanOrEqual(1);
});

test('the bindings write no attribute the project never sets (each one is used by a shipped environment)', () => {
  expect(shippedAuth0Names.size).toBeGreaterThan(0);
  const unused = [...writtenNames(everyOptionStack())].filter((name) => !shippedAuth0Names.has(name) && name !== 'provider.alias');
  expect(unused).toEqual([]);
});

