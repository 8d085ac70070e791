// The MCP SDK's own client driving a built `oidc-s3-mcp` bundle over stdio, as a desktop or CLI
// agent would.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Readable } from 'node:stream';

export interface McpSession {
  readonly client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  call(name: string, args?: Record<string, unknown>): Promise<{ text: string; isError: boolean; json?: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startMcp(bundle: string, envFile: string, env: Record<string, string>): Promise<McpSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bundle, '--env-file', envFile], env, stderr: 'pipe' });
  let stderr = '';
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'oidc-s3-test-agent', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = result.content as { type: string; text: string }[];
      const text = content.map((c) => c.text).join('');
      let json: Record<string, unknown> | undefined;
      if (!result.isError) json = JSON.parse(text) as Record<string, unknown>;
      return { text, isError: result.isError === true, json };
    },
    close: () => client.close(),
  };
}
