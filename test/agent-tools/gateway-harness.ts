// The gateway's two Lambdas wired as AgentCore wires them: the REQUEST interceptor's output
// becomes the Lambda target's event. Event shapes from AgentCore's documentation:
// - interceptor: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-interceptors-types.html
// - Lambda target: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html
// Only the gateway itself is simulated (no local AgentCore exists); DynamoDB (dynalite), STS
// (the stand-in) and S3 (s3rver, behind a proxy that records each request's access key) are real
// protocols.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InterceptorEvent, InterceptorOutput } from '../../lambda/agent-interceptor/handler';
import type { ToolsLambdaContext } from '../../lambda/agent-tools/handler';
import type { ToolResult } from '../../lambda/agent-tools/operations';
import type { LocalDynamo } from '../../sandbox/dynalite';
import { applyEnv } from '../lambda/harness';

export const TARGET_NAME = 's3-tools';

export type InterceptorHandler = (event: InterceptorEvent, context?: { awsRequestId?: string }) => Promise<InterceptorOutput>;
export type ToolsHandler = (event: unknown, context?: ToolsLambdaContext) => Promise<ToolResult>;

export function loadGatewayHandlers(env: Record<string, string | undefined>): { interceptor: InterceptorHandler; tools: ToolsHandler } {
  applyEnv(env);
  let interceptor: InterceptorHandler | undefined;
  let tools: ToolsHandler | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    interceptor = (require('../../lambda/agent-interceptor/handler') as { handler: InterceptorHandler }).handler;
    tools = (require('../../lambda/agent-tools/handler') as { handler: ToolsHandler }).handler;
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return { interceptor: interceptor!, tools: tools! };
}

let rpcId = 0;

/** The interceptor input for one JSON-RPC request, with headers (passRequestHeaders: true). */
export function interceptorEvent(authorization: string | undefined, method: string, params?: Record<string, unknown>): InterceptorEvent {
  rpcId += 1;
  const body = { jsonrpc: '2.0', id: rpcId, method, ...(params ? { params } : {}) };
  const headers: Record<string, string> = { Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': 'session-test', 'User-Agent': 'oidc-s3-test-agent' };
  if (authorization !== undefined) headers.Authorization = authorization;
  return { interceptorInputVersion: '1.0', mcp: { rawGatewayRequest: { body: JSON.stringify(body) }, gatewayRequest: { path: '/mcp', httpMethod: 'POST', headers, body } } } as InterceptorEvent;
}

/** The Lambda target's context: the tool named `<target>___<tool>` in clientContext.custom. */
export function toolsContext(tool: string): ToolsLambdaContext {
  return {
    awsRequestId: `lambda-${rpcId}`,
    clientContext: {
      custom: {
        bedrockAgentCoreGatewayId: 'oidc-s3-test-gateway-abc123',
        bedrockAgentCoreTargetId: 'TARGET01',
        bedrockAgentCoreMessageVersion: '1.0',
        bedrockAgentCoreToolName: `${TARGET_NAME}___${tool}`,
        bedrockAgentCoreAwsRequestId: `gw-${rpcId}`,
        bedrockAgentCoreMcpMessageId: String(rpcId),
      },
    },
  };
}

export interface GatewayAnswer {
  readonly statusCode: number;
  /** tools/call: the tool result (from the interceptor's refusal or the tools Lambda). */
  readonly result?: ToolResult;
  readonly error?: { code: number; message: string };
  /** What the tools Lambda received, when it was called. */
  readonly targetEvent?: Record<string, unknown>;
}

/** One MCP request through the simulated gateway. */
export async function throughGateway(handlers: { interceptor: InterceptorHandler; tools: ToolsHandler }, token: string | undefined, method: string, params?: Record<string, unknown>): Promise<GatewayAnswer> {
  const output = await handlers.interceptor(interceptorEvent(token === undefined ? undefined : `Bearer ${token}`, method, params), { awsRequestId: `interceptor-${rpcId}` });
  expect(output.interceptorOutputVersion).toBe('1.0');
  const response = output.mcp.transformedGatewayResponse;
  if (response) {
    const body = response.body as { result?: ToolResult; error?: { code: number; message: string } };
    return { statusCode: response.statusCode, result: body.result, error: body.error };
  }
  const forwarded = output.mcp.transformedGatewayRequest!.body;
  if (method !== 'tools/call') return { statusCode: 200 };
  const name = String(forwarded.params?.name ?? '');
  const targetEvent = (forwarded.params?.arguments ?? {}) as Record<string, unknown>;
  const result = await handlers.tools(targetEvent, toolsContext(name));
  return { statusCode: 200, result, targetEvent };
}

export interface AgentToolsItem {
  readonly client_id: string;
  readonly server_name: string;
  readonly role_arn: string;
  readonly s3_path_prefix: string;
  readonly s3_permissions: string;
  readonly enabled: boolean;
}

export async function putAgentToolsItem(dynamo: LocalDynamo, table: string, item: AgentToolsItem): Promise<void> {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        client_id: { S: item.client_id },
        server_name: { S: item.server_name },
        role_arn: { S: item.role_arn },
        s3_path_prefix: { S: item.s3_path_prefix },
        s3_permissions: { S: item.s3_permissions },
        enabled: { BOOL: item.enabled },
      },
    }),
  );
}

export interface RecordingProxy {
  readonly url: string;
  /** The access key id of every request's SigV4 Authorization header, in order. */
  readonly accessKeys: string[];
  close(): Promise<void>;
}

/** Forwards to `target` unchanged, recording which access key signed each request. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const accessKeys: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const credential = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    accessKeys.push(credential ?? '(unsigned)');
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accessKeys,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
