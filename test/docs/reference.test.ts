// The guides against the code: every configuration key (config/schema.ts), client environment
// variable (client/**/*.ts), stack output (synthesized stacks) and error code (the Lambda's and the
// client's errors.ts) is documented, and no reference table names something that is gone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '../../config/load';
import { QUOTAS } from '../../config/rules/quotas';
import { BACKEND_KEYS, FOUNDATION_KEYS, SERVER_KEYS, SERVERS_FILE_KEYS } from '../../config/schema';
import { FoundationStack } from '../../stacks/foundation';
import { AgentGatewayStack } from '../../stacks/agent-gateway';
import { ServersStack } from '../../stacks/servers';
import { StateBootstrapStack } from '../../stacks/state-bootstrap';
import { synthApp, type TerraformJson } from '../support/synth';
import { ROOT, codeSpans, guides, tableKeys } from './markdown';

const GUIDES = guides();
const CONFIGURATION = GUIDES.get('docs/CONFIGURATION.md')!;
const OPERATIONS = GUIDES.get('docs/OPERATIONS.md')!;

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe('configuration keys match config/schema.ts exactly', () => {
  test.each([
    ['foundation', FOUNDATION_KEYS],
    ['servers-file', SERVERS_FILE_KEYS],
    ['server', SERVER_KEYS],
    ['backend', BACKEND_KEYS],
    ['quotas', QUOTAS.map((quota) => quota.key)],
  ] as const)('%s', (table, keys) => {
    expect(sorted(tableKeys(CONFIGURATION, table))).toEqual(sorted(keys));
  });
});

/** Names of the ClientErrorCode union, which look like variables (S3_ACCESS_DENIED) but are not. */
function unionMembers(file: string, typeName: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const body = new RegExp(`type ${typeName} =([^;]+);`).exec(source)?.[1];
  if (!body) throw new Error(`no type ${typeName} in ${file}`);
  return [...body.matchAll(/'([A-Za-z_0-9]+)'/g)].map((m) => m[1]!);
}

/** The text of every TypeScript source under client/, its folders included. */
function clientSources(): string[] {
  return (readdirSync(join(ROOT, 'client'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => readFileSync(join(ROOT, 'client', f), 'utf8'));
}

const ENV_NAME = /^(OIDC_[A-Z0-9_]+|CREDENTIAL_VENDING_URL|S3_[A-Z0-9_]+|AWS_[A-Z0-9_]+|XDG_CACHE_HOME|HOME)$/;

/**
 * Variables the client reads: `env.NAME` / `env['NAME']` lookups and names passed as string
 * literals (to readUrl(env, 'NAME'), to a ConfigError, into a rendered env file), in every
 * client source. Error codes are left out.
 */
function clientVariables(): string[] {
  const errorCodes = new Set(unionMembers('client/errors.ts', 'ClientErrorCode'));
  const names = new Set<string>();
  for (const source of clientSources()) {
    for (const m of source.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b|\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]|['"]([A-Z][A-Z0-9_]*)['"]/g)) {
      const name = m[1] ?? m[2] ?? m[3]!;
      if (ENV_NAME.test(name) && !errorCodes.has(name)) names.add(name);
    }
  }
  return sorted(names);
}

describe('client environment variables', () => {
  const documented = tableKeys(CONFIGURATION, 'client-env');
  const found = clientVariables();

  test('the client reads the variables DESIGN.md names (the extraction works)', () => {
    expect(found).toEqual(expect.arrayContaining(['OIDC_IDP_TYPE', 'OIDC_TOKEN_URL', 'OIDC_CLIENT_SECRET_FILE', 'CREDENTIAL_VENDING_URL', 'S3_BUCKET']));
  });

  test('every variable the client reads is in the table', () => {
    expect(found.filter((name) => !documented.includes(name))).toEqual([]);
  });

  test('every variable in the table is still mentioned by the client', () => {
    const sources = clientSources().join('\n');
    expect(documented.filter((name) => !new RegExp(`\\b${name}\\b`).test(sources))).toEqual([]);
  });
});

describe('stack outputs', () => {
  const outputs = new Set<string>();
  const configurationFields = new Set<string>();
  let codeDirectory: string;

  beforeAll(async () => {
    // The asset only has to exist: outputs do not depend on the Lambda's code.
    codeDirectory = mkdtempSync(join(tmpdir(), 'oidc-s3-docs-code-'));
    writeFileSync(join(codeDirectory, 'index.js'), 'exports.handler = async () => ({});\n');
    // prod-logarchive: the outputs that exist only with bucket_account (and a KMS key);
    // agents-*: those of agent_gateway and the agent-gateway stack.
    for (const environment of ['dev', 'dev-cognito', 'prod-logarchive', 'agents-auth0', 'agents-cognito']) {
      const config = await loadEnvironment({ rootDir: ROOT, environment });
      const app = synthApp((a) => {
        new FoundationStack(a, 'foundation', { config, vendingCodeDirectory: codeDirectory });
        new ServersStack(a, 'servers', { config });
        if (config.foundation.agentGateway) new AgentGatewayStack(a, 'agent-gateway', { config, codeDirectories: { 'agent-tools': codeDirectory, 'agent-interceptor': codeDirectory } });
        new StateBootstrapStack(a, 'state-bootstrap', {
          backend: { ...config.backend, useLockfile: undefined, dynamodbTable: 'terraform-locks' },
          localStateFile: join(codeDirectory, 'bootstrap.tfstate'),
        });
      });
      try {
        for (const stack of ['foundation', 'servers', 'state-bootstrap', ...(config.foundation.agentGateway ? ['agent-gateway'] : [])]) {
          const json: TerraformJson = app.stack(stack);
          Object.keys(json.output ?? {}).forEach((name) => outputs.add(name));
        }
        // `{ for key, val in local.servers: key => {"role_arn" = …, …} }`
        const expression = String(app.stack('servers').output.server_configurations.value);
        for (const m of expression.matchAll(/"([a-z0-9_]+)" =/g)) configurationFields.add(m[1]!);
      } finally {
        app.cleanup();
      }
    }
  });
  afterAll(() => rmSync(codeDirectory, { recursive: true, force: true }));

  test('the outputs table lists exactly the outputs of both variants and the bootstrap stack', () => {
    expect(outputs.has('credential_vending_api_url') && outputs.has('oidc_provider_arn') && outputs.has('lock_table_name')).toBe(true);
    expect(sorted(tableKeys(CONFIGURATION, 'outputs'))).toEqual(sorted(outputs));
  });

  test('the server_configurations table lists exactly the fields of both variants', () => {
    expect(configurationFields.has('audience') && configurationFields.has('credential_vending_url')).toBe(true);
    expect(sorted(tableKeys(CONFIGURATION, 'server-configuration'))).toEqual(sorted(configurationFields));
  });
});

describe('error codes', () => {
  const spans = codeSpans(OPERATIONS);

  test.each([
    ['the vending Lambda', 'lambda/credential-vending/errors.ts', 'ErrorCode'],
    ['the client', 'client/errors.ts', 'ClientErrorCode'],
    ['the agent tools (host and gateway)', 'lambda/agent-tools/errors.ts', 'ToolErrorCode'],
    ['the configuration check', 'config/errors.ts', 'ConfigProblemCode'],
  ])('every code of %s is in the troubleshooting tables', (_who, file, type) => {
    const codes = unionMembers(file, type);
    expect(codes.length).toBeGreaterThan(5);
    expect(codes.filter((code) => !spans.has(code))).toEqual([]);
  });
});

describe('commands and links in the guides', () => {
  const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>);
  const stacks = ['foundation', 'servers', 'state-bootstrap', 'agent-gateway'];

  test.each([...GUIDES.keys()])('%s: every `npm run` script and cdktf stack exists', (file) => {
    const text = GUIDES.get(file)!;
    const used = [...text.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]!);
    expect(used.filter((script) => !scripts.includes(script))).toEqual([]);
    const named = [...text.matchAll(/cdktf (?:deploy|destroy|output|diff) ([a-z][\w-]*)/g)].map((m) => m[1]!);
    expect(named.filter((stack) => !stacks.includes(stack))).toEqual([]);
  });

  test.each([...GUIDES.keys()])('%s: every relative link points at a file and heading that exist', (file) => {
    const text = GUIDES.get(file)!;
    const base = resolve(ROOT, file, '..');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const linked = path === '' ? file : join(base, path).slice(ROOT.length + 1);
      const content = GUIDES.get(linked);
      if (content === undefined) {
        broken.push(target!);
      } else if (anchor !== undefined) {
        const slugs = [...content.matchAll(/^#+ (.+)$/gm)].map((m) =>
          m[1]!.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-'),
        );
        if (!slugs.includes(anchor)) broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
  });
});
