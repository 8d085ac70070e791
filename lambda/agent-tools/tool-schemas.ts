// The five tools, once: the host MCP server lists exactly these, and the gateway stack writes
// them as the Lambda target's inline tool schemas (modules/agent-gateway.ts), so an agent sees
// the same names, arguments and descriptions on a host and through the gateway.
//
// The gateway's inline schema (ToolDefinition, SchemaDefinition in the AgentCore API) knows
// type, description, properties, required and items only: anything else an argument needs
// (allowed values, ranges) is said in its description too, and enforced by the tools
// themselves (operations.ts) on both sides.

export type ToolName = 'list_objects' | 'read_object' | 'create_object' | 'update_object' | 'delete_object';

export interface ArgumentSchema {
  readonly type: 'string' | 'integer';
  readonly description: string;
  /** JSON Schema `enum` (served by the MCP server; the gateway schema cannot carry it). */
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface ToolDefinition {
  readonly name: ToolName;
  readonly description: string;
  readonly inputSchema: {
    readonly type: 'object';
    readonly properties: Readonly<Record<string, ArgumentSchema>>;
    readonly required: readonly string[];
  };
}

/** S3 ListObjectsV2 returns at most 1,000 keys per request. */
export const MAX_LIST_KEYS = 1000;

const KEY: ArgumentSchema = {
  type: 'string',
  description: 'Object key relative to this server\'s prefix, e.g. "reports/2026-11-30.json"; no leading "/", no "." or ".." segments, at most 1024 bytes with the prefix.',
};
const CONTENT: ArgumentSchema = { type: 'string', description: 'The object\'s content: text, or base64 when encoding is "base64".' };
const ENCODING: ArgumentSchema = {
  type: 'string',
  enum: ['utf8', 'base64'],
  description: 'How content is written: "utf8" (default) or "base64" for binary data.',
};
const CONTENT_TYPE: ArgumentSchema = { type: 'string', description: 'MIME type stored with the object. Default: text/plain; charset=utf-8 for utf8, application/octet-stream for base64.' };

export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  {
    name: 'list_objects',
    description: 'List objects under this server\'s S3 prefix (keys relative to it), with size and last-modified time. Needs the "full" tier.',
    inputSchema: {
      type: 'object',
      properties: {
        prefix: { type: 'string', description: 'Only keys starting with this (relative) prefix, e.g. "reports/". Default: everything.' },
        max_keys: { type: 'integer', minimum: 1, maximum: MAX_LIST_KEYS, description: `At most this many keys, 1 to ${MAX_LIST_KEYS} (default ${MAX_LIST_KEYS}).` },
      },
      required: [],
    },
  },
  {
    name: 'read_object',
    description: 'Read one object under this server\'s prefix. Text comes back as utf8, anything else as base64; objects over the size limit are refused (too_large). Needs the "read-write" tier or higher.',
    inputSchema: { type: 'object', properties: { key: KEY }, required: ['key'] },
  },
  {
    name: 'create_object',
    description: 'Create a new object under this server\'s prefix; refused with already_exists if the key exists. Needs the "write" tier or higher.',
    inputSchema: { type: 'object', properties: { key: KEY, content: CONTENT, encoding: ENCODING, content_type: CONTENT_TYPE }, required: ['key', 'content'] },
  },
  {
    name: 'update_object',
    description: 'Replace an existing object under this server\'s prefix; refused with not_found if it does not exist. Needs the "read-write" tier or higher.',
    inputSchema: { type: 'object', properties: { key: KEY, content: CONTENT, encoding: ENCODING, content_type: CONTENT_TYPE }, required: ['key', 'content'] },
  },
  {
    name: 'delete_object',
    description: 'Delete one object under this server\'s prefix; refused with not_found if it does not exist. Needs the "full" tier.',
    inputSchema: { type: 'object', properties: { key: KEY }, required: ['key'] },
  },
];

export const TOOL_NAMES: readonly ToolName[] = TOOL_DEFINITIONS.map((tool) => tool.name);

export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}

/**
 * "<target>___<tool>" → "<tool>": AgentCore names a Lambda target's tools after the target
 * (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html); a name
 * without the separator is taken as it is.
 */
export function toolNameOf(qualified: string | undefined): string {
  if (!qualified) return '';
  const at = qualified.lastIndexOf('___');
  return at < 0 ? qualified : qualified.slice(at + 3);
}
