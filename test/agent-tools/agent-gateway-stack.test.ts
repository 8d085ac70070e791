// The agent-gateway stack as synthesized for the two example environments (agents-auth0,
// agents-cognito), with the foundation's tools role and the Cognito server roles' extra trust;
// its policies evaluated by the IAM simulator; and the configuration rules it adds.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '../../config/load';
import { gatewayTrustPolicy, toolsPermissionsPolicy } from '../../modules/policies/agent-gateway';
import { vendingLambdaTrust } from '../../modules/policies/server-trust';
import { ACCOUNT_ID, identityDecision, trustDecision } from '../../sandbox/iam-evaluator';
import { AgentGatewayStack } from '../../stacks/agent-gateway';
import { FoundationStack } from '../../stacks/foundation';
import { ServersStack } from '../../stacks/servers';
import { TOOL_NAMES } from '../../lambda/agent-tools/tool-schemas';
import { allStrings, onlyResource, resourcesOfType, synthApp, type TerraformJson } from '../support/synth';

const ROOT = resolve(__dirname, '../..');
const servers = (name: string, field: string) => `\${data.terraform_remote_state.servers.outputs.server_configurations["${name}"].${field}}`;
/** A policy argument, parsed: Terraform references in it may hold quotes (`…["etl-02"]…`), valid in HCL templates but not JSON. */
const policyOf = (resource: TerraformJson) =>
  JSON.parse(String(resource.policy ?? resource.assume_role_policy).replace(/\$\{[^}]*\}/g, (ref) => ref.replace(/"/g, '\\"'))) as { Statement: Record<string, any>[] };

let codeDir: string;
const stacks: Record<string, { foundation: TerraformJson; servers: TerraformJson; gateway: TerraformJson }> = {};

beforeAll(async () => {
  codeDir = mkdtempSync(join(tmpdir(), 'oidc-s3-agent-code-'));
  writeFileSync(join(codeDir, 'index.js'), 'exports.handler = async () => ({});\n');
  for (const environment of ['agents-auth0', 'agents-cognito']) {
    const config = await loadEnvironment({ rootDir: ROOT, environment });
    const app = synthApp((a) => {
      new FoundationStack(a, 'foundation', { config, vendingCodeDirectory: codeDir });
      new ServersStack(a, 'servers', { config });
      new AgentGatewayStack(a, 'agent-gateway', { config, codeDirectories: { 'agent-tools': codeDir, 'agent-interceptor': codeDir } });
    });
    try {
      stacks[environment] = { foundation: app.stack('foundation'), servers: app.stack('servers'), gateway: app.stack('agent-gateway') };
    } finally {
      app.cleanup();
    }
  }
});
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

describe.each(['agents-auth0', 'agents-cognito'])('%s', (environment) => {
  const cognito = environment === 'agents-cognito';
  const gw = () => stacks[environment]!.gateway;

  test('a gateway speaking MCP, inbound CUSTOM_JWT from the environment\'s identity provider', () => {
    const gateway = onlyResource(gw(), 'aws_bedrockagentcore_gateway');
    expect(gateway).toMatchObject({ name: `oidc-s3-${environment}-agents`, protocol_type: 'MCP', authorizer_type: 'CUSTOM_JWT' });
    const jwt = gateway.authorizer_configuration[0].custom_jwt_authorizer[0];
    if (cognito) {
      expect(jwt).toEqual({
        discovery_url: 'https://cognito-idp.eu-west-1.amazonaws.com/${data.terraform_remote_state.foundation.outputs.cognito_user_pool_id}/.well-known/openid-configuration',
        // Only enabled servers with agent_tools: not web-01 (no agent_tools), not old-04 (disabled).
        allowed_clients: [servers('etl-02', 'client_id'), servers('backup-03', 'client_id')],
      });
    } else {
      expect(jwt).toEqual({ discovery_url: 'https://your-agents-tenant.eu.auth0.com/.well-known/openid-configuration', allowed_audience: ['${data.terraform_remote_state.foundation.outputs.audience}'] });
    }
    const interceptorFn = Object.keys(resourcesOfType(gw(), 'aws_lambda_function')).find((id) => id.includes('interceptor'))!;
    expect(gateway.interceptor_configuration).toEqual([
      { interception_points: ['REQUEST'], interceptor: [{ lambda: [{ arn: `\${aws_lambda_function.${interceptorFn}.arn}` }] }], input_configuration: [{ pass_request_headers: true }] },
    ]);
  });

  test('the gateway role is for AgentCore acting for this account\'s gateway of this name only, and may only invoke the two functions', async () => {
    const roles = resourcesOfType(gw(), 'aws_iam_role');
    const role = Object.values(roles).find((r) => r.name === `oidc-s3-${environment}-agent-gateway`)!;
    const account = `\${data.aws_caller_identity.${Object.keys(gw().data.aws_caller_identity)[0]}.account_id}`;
    expect(policyOf(role).Statement[0]).toEqual({
      Sid: 'AgentCoreGatewayOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:aws:bedrock-agentcore:eu-west-1:${account}:gateway/oidc-s3-${environment}-agents-*` },
      },
    });
    const policy = Object.values(resourcesOfType(gw(), 'aws_iam_role_policy')).find((p) => p.name === 'agent-gateway')!;
    expect(policyOf(policy).Statement).toEqual([expect.objectContaining({ Action: 'lambda:InvokeFunction' })]);
  });

  test('both functions may be invoked by AgentCore only from this gateway\'s ARN', () => {
    const permissions = Object.values(resourcesOfType(gw(), 'aws_lambda_permission'));
    expect(permissions).toHaveLength(2);
    const gatewayId = Object.keys(resourcesOfType(gw(), 'aws_bedrockagentcore_gateway'))[0];
    for (const permission of permissions) {
      expect(permission).toMatchObject({ principal: 'bedrock-agentcore.amazonaws.com', action: 'lambda:InvokeFunction', source_arn: `\${aws_bedrockagentcore_gateway.${gatewayId}.gateway_arn}` });
    }
  });

  test('a Lambda target with the five tools\' inline schemas, invoked with the gateway\'s role', () => {
    const target = onlyResource(gw(), 'aws_bedrockagentcore_gateway_target');
    expect(target.credential_provider_configuration).toEqual([{ gateway_iam_role: [{}] }]);
    const lambda = target.target_configuration[0].mcp[0].lambda[0];
    expect(lambda.lambda_arn).toMatch(/^\$\{aws_lambda_function\.agent-gateway_agent-tools_[0-9A-F]+\.arn\}$/);
    const tools = lambda.tool_schema[0].inline_payload as { name: string; input_schema: { type: string; property: { name: string; required: boolean }[] }[] }[];
    expect(tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    expect(tools.find((t) => t.name === 'create_object')!.input_schema[0].property.filter((p) => p.required).map((p) => p.name)).toEqual(['key', 'content']);
  });

  test('the tools role holds no S3 permission; Cognito: AssumeRole on the agent_tools servers\' roles only', () => {
    const policy = Object.values(resourcesOfType(gw(), 'aws_iam_role_policy')).find((p) => p.name === 'agent-tools')!;
    expect(policy.role).toBe('${data.terraform_remote_state.foundation.outputs.agent_tools_role_name}');
    expect(allStrings(policyOf(policy)).some((s) => s.startsWith('s3:'))).toBe(false);
    const assume = policyOf(policy).Statement.find((s) => s.Sid === 'AssumeAgentToolsServerRoles');
    if (cognito) expect(assume).toEqual({ Sid: 'AssumeAgentToolsServerRoles', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: ['etl-02', 'backup-03', 'old-04'].map((s) => servers(s, 'role_arn')) });
    else expect(assume).toBeUndefined();
  });

  test('functions on nodejs22.x with their own log groups (retention) and the mapping, one item per agent_tools server', () => {
    const functions = Object.values(resourcesOfType(gw(), 'aws_lambda_function'));
    expect(functions.map((f) => [f.function_name, f.runtime, f.environment.variables.IDENTITY_PROVIDER])).toEqual([
      [`oidc-s3-${environment}-agent-interceptor`, 'nodejs22.x', cognito ? 'cognito' : 'auth0'],
      [`oidc-s3-${environment}-agent-tools`, 'nodejs22.x', cognito ? 'cognito' : 'auth0'],
    ]);
    expect(functions[1]!.role).toBe('${data.terraform_remote_state.foundation.outputs.agent_tools_role_arn}');
    expect(Object.values(resourcesOfType(gw(), 'aws_cloudwatch_log_group')).map((g) => [g.name, g.retention_in_days])).toEqual([
      [`/aws/lambda/oidc-s3-${environment}-agent-interceptor`, 30],
      [`/aws/lambda/oidc-s3-${environment}-agent-tools`, 30],
    ]);
    expect(Object.keys(gw().locals.agent_servers).sort()).toEqual(['backup-03', 'etl-02', 'old-04']);
    expect(gw().locals.agent_servers['old-04']).toMatchObject({ enabled: false, s3_permissions: 'full', s3_path_prefix: 'old-04/', client_id: servers('old-04', 'client_id') });
    expect(onlyResource(gw(), 'aws_dynamodb_table_item').for_each).toBe('${local.agent_servers}');
  });

  test('outputs the gateway URL and id; the foundation outputs the tools role', () => {
    expect(Object.keys(gw().output).sort()).toEqual(['agent_gateway_id', 'agent_gateway_url', 'agent_tools_table_name']);
    expect(Object.keys(stacks[environment]!.foundation.output)).toEqual(expect.arrayContaining(['agent_tools_role_arn', 'agent_tools_role_name']));
  });

  test('the Cognito server roles also trust the tools role, under their own SourceIdentity', () => {
    const role = onlyResource(stacks[environment]!.servers, 'aws_iam_role');
    const statements = policyOf(role).Statement;
    if (cognito) {
      expect(statements[1]).toEqual({ Sid: 'AgentToolsForThisServer', Effect: 'Allow', Principal: { AWS: '${data.terraform_remote_state.foundation.outputs.agent_tools_role_arn}' }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Condition: { StringEquals: { 'sts:SourceIdentity': '${each.key}' } } });
    } else {
      expect(statements).toHaveLength(1); // web identity only: the tools Lambda uses the caller's token
    }
  });
});

describe('policies, evaluated', () => {
  const gatewayArn = `arn:aws:bedrock-agentcore:eu-west-1:${ACCOUNT_ID}:gateway/oidc-s3-dev-agents-a1b2c3d4e5`;
  const trust = gatewayTrustPolicy({ accountId: ACCOUNT_ID, region: 'eu-west-1', gatewayName: 'oidc-s3-dev-agents' });
  const role = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-agent-gateway`;

  test.each([
    ['this account\'s gateway', ACCOUNT_ID, gatewayArn, 'Allowed'],
    ['a gateway of another account (confused deputy)', '210987654321', gatewayArn.replace(ACCOUNT_ID, '210987654321'), 'ImplicitlyDenied'],
    ['another gateway of this account', ACCOUNT_ID, gatewayArn.replace('oidc-s3-dev-agents', 'someone-elses'), 'ImplicitlyDenied'],
    ['a gateway of the environment dev-agents-2 (name prefix)', ACCOUNT_ID, gatewayArn.replace('oidc-s3-dev-agents-', 'oidc-s3-dev-agents2-'), 'ImplicitlyDenied'],
  ])('gateway role trust: %s', async (_label, account, sourceArn, expected) => {
    expect(await trustDecision(trust, { principal: 'bedrock-agentcore.amazonaws.com', action: 'sts:AssumeRole', resource: role, context: { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn } })).toBe(expected);
  });

  const agentRole = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev/oidc-s3-dev-etl-02`;
  const plainRole = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev/oidc-s3-dev-web-01`;
  const tools = (identityProvider: 'auth0' | 'cognito') =>
    toolsPermissionsPolicy({ identityProvider, logGroupArn: `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/aws/lambda/x`, tableArn: `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/t`, serverRoleArns: [agentRole] });

  test.each([
    ['cognito', 'sts:AssumeRole', agentRole, 'Allowed'],
    ['cognito', 'sts:SetSourceIdentity', agentRole, 'Allowed'],
    ['cognito', 'sts:AssumeRole', plainRole, 'ImplicitlyDenied'],
    ['auth0', 'sts:AssumeRole', agentRole, 'ImplicitlyDenied'],
    ['cognito', 's3:GetObject', 'arn:aws:s3:::oidc-s3-dev-uploads/etl/02/a.txt', 'ImplicitlyDenied'],
    ['cognito', 's3:PutObject', 'arn:aws:s3:::oidc-s3-dev-uploads/etl/02/a.txt', 'ImplicitlyDenied'],
    ['cognito', 's3:ListBucket', 'arn:aws:s3:::oidc-s3-dev-uploads', 'ImplicitlyDenied'],
  ] as const)('tools role (%s): %s on %s is %s', async (idp, action, resource, expected) => {
    expect(await identityDecision(tools(idp), { action, resource })).toBe(expected);
  });

  const toolsRole = `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-agent-tools`;
  const serverTrust = vendingLambdaTrust({ vendingRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/oidc-s3-dev-credential-vending`, serverName: 'etl-02', agentToolsRoleArn: toolsRole });
  test.each([
    ['the tools role as etl-02', toolsRole, 'etl-02', 'Allowed'],
    ['the tools role as another server', toolsRole, 'web-01', 'ImplicitlyDenied'],
    ['another role of the account as etl-02', `arn:aws:iam::${ACCOUNT_ID}:role/something-else`, 'etl-02', 'ImplicitlyDenied'],
  ])('server role trust: %s', async (_label, principal, sourceIdentity, expected) => {
    expect(await trustDecision(serverTrust, { principal, action: 'sts:AssumeRole', resource: agentRole, context: { 'sts:SourceIdentity': sourceIdentity } })).toBe(expected);
  });
});

describe('configuration', () => {
  test('agent_tools without agent_gateway, and the names the gateway\'s roles take, are refused with file and key', async () => {
    const root = mkdtempSync(join(tmpdir(), 'oidc-s3-agent-config-'));
    try {
      mkdirSync(join(root, 'environments', 'bad'), { recursive: true });
      copyFileSync(join(ROOT, 'backend.hcl'), join(root, 'backend.hcl'));
      writeFileSync(join(root, 'environments/bad/foundation.json'), JSON.stringify({ identity_provider: 'auth0', aws_region: 'eu-west-1', auth0_domain: 't.eu.auth0.com' }));
      writeFileSync(join(root, 'environments/bad/servers.json'), JSON.stringify({ servers: { 'web-01': { s3_path_prefix: 'web-01/', agent_tools: true }, 'agent-tools': { s3_path_prefix: 'x/', agent_tools: 'yes' } } }));
      await expect(loadEnvironment({ rootDir: root, environment: 'bad' })).rejects.toMatchObject({
        problems: expect.arrayContaining([
          expect.objectContaining({ file: 'environments/bad/servers.json', key: 'servers["agent-tools"]', rule: expect.stringContaining('is reserved') }),
          expect.objectContaining({ file: 'environments/bad/servers.json', key: 'servers["agent-tools"].agent_tools', value: 'yes', rule: expect.stringMatching(/^must be true or false/) }),
        ]),
      });
      writeFileSync(join(root, 'environments/bad/servers.json'), JSON.stringify({ servers: { 'web-01': { s3_path_prefix: 'web-01/', agent_tools: true } } }));
      await expect(loadEnvironment({ rootDir: root, environment: 'bad' })).rejects.toMatchObject({
        problems: [{ file: 'environments/bad/servers.json', key: 'servers["web-01"].agent_tools', value: true, rule: 'needs the agent gateway: set "agent_gateway": true in foundation.json, or remove agent_tools' }],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
