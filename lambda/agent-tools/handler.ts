// The gateway's Lambda target: the five S3 tools, each call made with the calling server's own
// role. Event and context shapes: AgentCore, "Lambda function input format"
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html):
// the event is the tool's arguments, and context.clientContext.custom.bedrockAgentCoreToolName
// names the tool as "<target name>___<tool name>"
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html).
// The answer is the MCP CallToolResult shape, so a refusal reads the same as on a host.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { AgentToolsMappingStore, CALLER_ARGUMENT, type VerifiedCaller } from './caller';
import { ToolError } from './errors';
import { elapsedMs, logAgentEvent, logRefusal } from './log';
import { SettingsReader, type LambdaEnvironment } from './settings';
import { errorResult, S3Tools, textResult, type ToolResult } from './operations';
import { ServerSessions } from './sessions';
import { toolNameOf } from './tool-schemas';

export interface ToolsLambdaContext {
  readonly awsRequestId?: string;
  readonly clientContext?: { readonly custom?: Readonly<Record<string, string | undefined>> };
}

export interface ToolsConfig {
  readonly identityProvider: 'auth0' | 'cognito';
  readonly tableName: string;
  readonly bucket: string;
  readonly region: string;
  readonly maxReadBytes?: number;
}

/** Validates AGENT_TOOLS_TABLE, BUCKET_NAME, IDENTITY_PROVIDER, AWS_REGION and MAX_READ_BYTES; all problems at once. */
export function loadToolsConfig(env: LambdaEnvironment): ToolsConfig {
  const settings = new SettingsReader(env);
  const identityProvider = settings.identityProvider();
  const tableName = settings.required('AGENT_TOOLS_TABLE');
  const bucket = settings.required('BUCKET_NAME');
  const region = settings.required('AWS_REGION');
  const rawLimit = env.MAX_READ_BYTES?.trim();
  const maxReadBytes = rawLimit ? Number(rawLimit) : undefined;
  if (maxReadBytes !== undefined && !(Number.isInteger(maxReadBytes) && maxReadBytes > 0 && maxReadBytes <= 4 * 1024 * 1024)) {
    settings.problem(`MAX_READ_BYTES must be a whole number of bytes from 1 to 4194304 (Lambda answers at most 6 MB), got ${JSON.stringify(rawLimit)}`);
  }
  settings.throwIfAny();
  return { identityProvider, tableName, bucket, region, maxReadBytes };
}

interface Service {
  readonly config: ToolsConfig;
  readonly mappings: AgentToolsMappingStore;
  readonly sessions: ServerSessions;
}

function initialise(): Service | undefined {
  try {
    const config = loadToolsConfig(process.env);
    const requestHandler = { connectionTimeout: 1_000, requestTimeout: 3_000 };
    return {
      config,
      mappings: new AgentToolsMappingStore(new DynamoDBClient({ region: config.region, maxAttempts: 2, requestHandler }), config.tableName),
      sessions: new ServerSessions({ identityProvider: config.identityProvider, region: config.region, sts: new STSClient({ region: config.region, maxAttempts: 2, requestHandler }) }),
    };
  } catch (error) {
    logAgentEvent('error', 'configuration_error', { problems: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

const service = initialise();

function callerOf(value: unknown): VerifiedCaller | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.client_id !== 'string' || typeof v.server_name !== 'string') return undefined;
  if (v.token !== undefined && typeof v.token !== 'string') return undefined;
  return { client_id: v.client_id, server_name: v.server_name, token: v.token as string | undefined };
}

export async function handler(event: unknown, context?: ToolsLambdaContext): Promise<ToolResult> {
  const started = performance.now();
  const tool = toolNameOf(context?.clientContext?.custom?.bedrockAgentCoreToolName);
  const base = { request_id: context?.clientContext?.custom?.bedrockAgentCoreAwsRequestId ?? context?.awsRequestId, tool };
  const fields: { client_id?: string; server?: string } = {};
  try {
    if (!service) throw new ToolError('internal_error', 'the tools function is misconfigured', 'configuration_error');
    const { [CALLER_ARGUMENT]: rawCaller, ...args } = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    const caller = callerOf(rawCaller);
    if (!caller) throw new ToolError('unauthenticated', 'no verified caller: tools are served only through the gateway and its interceptor');
    fields.client_id = caller.client_id;
    const mapping = await service.mappings.lookup(caller.client_id);
    if (mapping.serverName !== caller.server_name) {
      throw new ToolError('not_permitted', 'the caller does not match its mapping', `interceptor said ${caller.server_name}, mapping says ${mapping.serverName}`);
    }
    fields.server = mapping.serverName;
    const client = await service.sessions.s3For(mapping, caller);
    const tools = new S3Tools({ client, bucket: service.config.bucket, prefix: mapping.s3PathPrefix, tier: mapping.s3Permissions, maxReadBytes: service.config.maxReadBytes });
    const result = await tools.run(tool, args);
    logAgentEvent('info', 'tool_called', { ...base, ...fields, outcome: 'success', latency_ms: elapsedMs(started) });
    return textResult(result);
  } catch (err) {
    return errorResult(logRefusal(err, { ...base, ...fields }, started));
  }
}
