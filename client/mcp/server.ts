/**
 * The MCP side of `oidc-s3-mcp`: the five S3 tools (lambda/agent-tools, shared with the gateway's
 * Lambda target) served by the official MCP TypeScript SDK's low-level Server, which takes the
 * tools' JSON Schemas as they are, so the schema has one source for both.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../../lambda/agent-tools/errors';
import { errorResult, type S3Tools } from '../../lambda/agent-tools/operations';
import { TOOL_DEFINITIONS } from '../../lambda/agent-tools/tool-schemas';

export const SERVER_NAME = 'oidc-s3-mcp';
export const SERVER_VERSION = '0.1.0';

/** One JSON line per refused or failed call (never a credential: tool errors hold none). */
export type ToolLog = (entry: Record<string, unknown>) => void;

export function createMcpServer(tools: S3Tools, log: ToolLog): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {} },
      instructions: 'S3 tools for this host\'s own prefix: keys are relative to it, and the host\'s IAM role decides what is allowed.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOL_DEFINITIONS as unknown as Tool[] }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const started = performance.now();
    try {
      const result = await tools.run(name, args);
      return { content: [{ type: 'text', text: JSON.stringify(result) }] };
    } catch (error) {
      const refusal = error instanceof ToolError ? error : new ToolError('internal_error', 'the tool failed unexpectedly; see the server log', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      log({ event: 'tool_refused', tool: name, code: refusal.code, reason: refusal.detail ?? refusal.message, latency_ms: Math.round(performance.now() - started) });
      return errorResult(refusal) as CallToolResult;
    }
  });
  return server;
}
