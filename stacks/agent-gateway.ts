import { Fn, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { namePrefix, type EnvironmentConfig } from '../config/types';
import { AgentGateway, type AgentGatewayConfig } from '../modules/agent-gateway';
import type { AgentLambdaName } from '../modules/bundle';
import { useAwsProvider } from './aws-provider';
import { foundationRemoteState, serversRemoteState, useS3Backend, type FoundationOutput } from './backend';

export interface AgentGatewayStackProps {
  readonly config: EnvironmentConfig;
  /** Pre-bundled Lambda code. @default bundled at synth time (cached by content) */
  readonly codeDirectories?: Partial<Record<AgentLambdaName, string>>;
}

/**
 * The `agent-gateway` stack (foundation.json `"agent_gateway": true`): an AgentCore Gateway whose
 * MCP tools act with the calling server's own role. Deployed after foundation and servers, whose
 * outputs it reads through remote state: the identity provider's side and the tools role from
 * the foundation, each server's client id and role from `server_configurations`.
 */
export class AgentGatewayStack extends TerraformStack {
  public readonly agentGateway: AgentGateway;

  public constructor(scope: Construct, id: string, props: AgentGatewayStackProps) {
    super(scope, id);
    const { config } = props;
    const settings = config.foundation;
    useS3Backend(this, config.backend, config.environment, 'agent-gateway');
    useAwsProvider(this, config, settings.tags);
    const remote = foundationRemoteState(this, config.backend, config.environment);
    const foundation = { getString: (name: FoundationOutput) => remote.getString(name) };
    const servers = serversRemoteState(this, config.backend, config.environment);
    const serverConfigurations = servers.get('server_configurations');
    const fromServers = (server: string, field: string) => Fn.lookupNested(serverConfigurations, [server, field]) as string;

    const identity: Pick<AgentGatewayConfig, 'identityProvider' | 'discoveryUrl' | 'tokenIssuer' | 'resourceServerIdentifier' | 'audience'> =
      settings.identityProvider === 'cognito'
        ? (() => {
            // The pool's issuer (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
            const issuer = `https://cognito-idp.${settings.awsRegion}.amazonaws.com/${foundation.getString('cognito_user_pool_id')}`;
            return { identityProvider: 'cognito', tokenIssuer: issuer, discoveryUrl: `${issuer}/.well-known/openid-configuration`, resourceServerIdentifier: foundation.getString('resource_server_identifier') };
          })()
        : {
            identityProvider: 'auth0',
            tokenIssuer: `https://${settings.auth0Domain}/`,
            discoveryUrl: `https://${settings.auth0Domain}/.well-known/openid-configuration`,
            audience: foundation.getString('audience'),
          };

    this.agentGateway = new AgentGateway(this, 'agent-gateway', {
      namePrefix: namePrefix(config),
      region: settings.awsRegion,
      ...identity,
      bucketName: foundation.getString('bucket_name'),
      toolsRoleArn: foundation.getString('agent_tools_role_arn'),
      toolsRoleName: foundation.getString('agent_tools_role_name'),
      servers: config.servers.servers
        .filter((server) => server.agentTools)
        .map((server) => ({
          name: server.name,
          enabled: server.enabled,
          clientId: fromServers(server.name, 'client_id'),
          roleArn: fromServers(server.name, 'role_arn'),
          s3PathPrefix: server.s3PathPrefix,
          s3Permissions: server.s3Permissions,
        })),
      logRetentionDays: settings.logRetentionDays,
      deletionProtection: settings.deletionProtection,
      codeDirectories: props.codeDirectories,
    });

    const output = (name: string, value: string, description: string) => new TerraformOutput(this, name, { value, description, staticId: true });
    output('agent_gateway_url', this.agentGateway.gateway.gatewayUrl, 'The MCP endpoint agents call, with a bearer token of a server with agent_tools');
    output('agent_gateway_id', this.agentGateway.gateway.gatewayId, 'The gateway\'s id');
    output('agent_tools_table_name', this.agentGateway.table.name, 'DynamoDB client_id -> server mapping read by the interceptor and the tools Lambda');
  }
}
