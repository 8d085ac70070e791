// The five tools on an S3 client the caller supplies (the host's credentials, or the gateway
// caller's own role's session), confined to one server's prefix. Every answer is an MCP tool
// result; refusals are `isError: true` with text "<code>: <message>" (errors.ts).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ToolError } from './errors';
import { listPrefix, objectKey, relativeKey } from './keys';
import { MAX_LIST_KEYS, TOOL_DEFINITIONS, isToolName, type ToolName } from './tool-schemas';

export type PermissionTier = 'write' | 'read-write' | 'full';

/** Default read limit: 1 MiB, so one read cannot flood an agent's context. */
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;
/** Content accepted by create/update: 5 MiB decoded (one PutObject; well under Lambda's 6 MB payload). */
export const MAX_WRITE_BYTES = 5 * 1024 * 1024;

/** The MCP `CallToolResult` shape both the MCP server and the gateway's Lambda target answer. */
export interface ToolResult {
  readonly content: { readonly type: 'text'; readonly text: string }[];
  readonly isError?: boolean;
  [extra: string]: unknown;
}

/** The lowest tier that can do each tool (DESIGN.md's tier table, in tool terms). */
export const TOOL_TIER: Readonly<Record<ToolName, PermissionTier>> = {
  create_object: 'write',
  read_object: 'read-write',
  update_object: 'read-write', // it must see that the object exists (HeadObject needs s3:GetObject)
  list_objects: 'full',
  delete_object: 'full',
};
const RANK: Readonly<Record<PermissionTier, number>> = { write: 0, 'read-write': 1, full: 2 };

/** The tools a tier can use, for messages. */
export function toolsOfTier(tier: PermissionTier): ToolName[] {
  return TOOL_DEFINITIONS.map((t) => t.name).filter((name) => RANK[TOOL_TIER[name]] <= RANK[tier]);
}

export interface S3ToolsOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The server's prefix, ending in "/" (or "" for a whole bucket, which no server has). */
  readonly prefix: string;
  /** Known tier: calls it cannot make are refused before any request. @default unknown (S3 decides) */
  readonly tier?: PermissionTier;
  /** read_object refuses larger objects with too_large. @default 1 MiB */
  readonly maxReadBytes?: number;
}

export function textResult(value: unknown): ToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

export function errorResult(error: ToolError): ToolResult {
  return { content: [{ type: 'text', text: `${error.code}: ${error.message}` }], isError: true };
}

interface S3Failure {
  readonly name?: string;
  readonly message?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class S3Tools {
  private readonly maxReadBytes: number;

  constructor(private readonly options: S3ToolsOptions) {
    this.maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  }

  /** Runs one tool; never throws for anything a caller did (the result says it), only for bugs. */
  async call(name: string, args: unknown): Promise<ToolResult> {
    try {
      return textResult(await this.run(name, args));
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error);
      throw error;
    }
  }

  /** Like call, but refusals are thrown as ToolError (the Lambda logs them before answering). */
  async run(name: string, args: unknown): Promise<unknown> {
    if (!isToolName(name)) throw new ToolError('unknown_tool', `no tool ${JSON.stringify(name)}; tools: ${TOOL_DEFINITIONS.map((t) => t.name).join(', ')}`);
    const input = checkArguments(name, args);
    this.checkTier(name);
    switch (name) {
      case 'list_objects':
        return this.list(input);
      case 'read_object':
        return this.read(input);
      case 'create_object':
        return this.write(input, 'create');
      case 'update_object':
        return this.write(input, 'update');
      case 'delete_object':
        return this.remove(input);
    }
  }

  private checkTier(name: ToolName): void {
    const tier = this.options.tier;
    const needed = TOOL_TIER[name];
    if (tier !== undefined && RANK[tier] < RANK[needed]) {
      throw new ToolError(
        'access_denied',
        `${name} needs the "${needed}" tier or higher; this server's tier is "${tier}", which allows ${toolsOfTier(tier).join(', ')}`,
      );
    }
  }

  private async list(input: Record<string, unknown>): Promise<unknown> {
    const { client, bucket, prefix } = this.options;
    const full = listPrefix(prefix, input.prefix);
    const maxKeys = (input.max_keys as number | undefined) ?? MAX_LIST_KEYS;
    const answer = await this.s3('list_objects', full, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: full, MaxKeys: maxKeys })));
    return {
      prefix: relativeKey(prefix, full),
      objects: (answer.Contents ?? []).map((o) => ({ key: relativeKey(prefix, o.Key ?? ''), size: o.Size ?? 0, last_modified: o.LastModified?.toISOString() })),
      truncated: answer.IsTruncated === true,
    };
  }

  private async read(input: Record<string, unknown>): Promise<unknown> {
    const { client, bucket, prefix } = this.options;
    const key = objectKey(prefix, input.key);
    const answer = await this.s3('read_object', key, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    const size = answer.ContentLength ?? 0;
    if (size > this.maxReadBytes) {
      // Not read: closing the stream frees the connection without downloading the rest.
      (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new ToolError('too_large', `${relativeKey(prefix, key)} is ${size} bytes; read_object returns at most ${this.maxReadBytes} bytes`);
    }
    const bytes = Buffer.from((await answer.Body?.transformToByteArray()) ?? new Uint8Array());
    const text = asText(bytes);
    return {
      key: relativeKey(prefix, key),
      size: bytes.length,
      content_type: answer.ContentType,
      etag: answer.ETag,
      last_modified: answer.LastModified?.toISOString(),
      encoding: text === undefined ? 'base64' : 'utf8',
      content: text ?? bytes.toString('base64'),
    };
  }

  private async write(input: Record<string, unknown>, mode: 'create' | 'update'): Promise<unknown> {
    const { client, bucket, prefix, tier } = this.options;
    const operation = `${mode}_object`;
    const key = objectKey(prefix, input.key);
    const encoding = (input.encoding as string | undefined) ?? 'utf8';
    const content = input.content as string;
    if (encoding === 'base64' && !BASE64.test(content)) throw new ToolError('invalid_argument', 'content is not valid base64 (RFC 4648, with padding)');
    const body = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
    if (body.length > MAX_WRITE_BYTES) throw new ToolError('too_large', `content is ${body.length} bytes; ${operation} accepts at most ${MAX_WRITE_BYTES}`);

    // Whether the key exists: HeadObject needs s3:GetObject, which a "write" server lacks; there
    // create relies on the conditional write alone.
    const canHead = tier === undefined || RANK[tier] >= RANK['read-write'];
    const exists = canHead ? await this.exists(operation, key, mode === 'create' && tier === undefined) : undefined;
    const relative = relativeKey(prefix, key);
    if (mode === 'create' && exists === true) throw new ToolError('already_exists', `${relative} exists; use update_object to replace it`);
    if (mode === 'update' && exists === false) throw new ToolError('not_found', `${relative} does not exist; use create_object to create it`);

    const answer = await this.s3(operation, key, () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: (input.content_type as string | undefined) ?? (encoding === 'base64' ? 'application/octet-stream' : 'text/plain; charset=utf-8'),
          // S3 conditional write: refused with 412 if the key exists, atomically. (s3rver ignores
          // it; HeadObject above is what refuses there.)
          IfNoneMatch: mode === 'create' ? '*' : undefined,
        }),
      ),
    );
    return { key: relative, size: body.length, etag: answer.ETag, [mode === 'create' ? 'created' : 'updated']: true };
  }

  private async remove(input: Record<string, unknown>): Promise<unknown> {
    const { client, bucket, prefix } = this.options;
    const key = objectKey(prefix, input.key);
    // S3's DeleteObject succeeds for a missing key; say not_found instead of pretending.
    if (!(await this.exists('delete_object', key, false))) throw new ToolError('not_found', `${relativeKey(prefix, key)} does not exist`);
    await this.s3('delete_object', key, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    return { key: relativeKey(prefix, key), deleted: true };
  }

  /** HeadObject: true, false for 404; a 403 is "unknown" (undefined) when `tolerateDenied`. */
  private async exists(operation: string, key: string, tolerateDenied: boolean): Promise<boolean | undefined> {
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      const status = (error as S3Failure).$metadata?.httpStatusCode;
      if (status === 404 || (error as S3Failure).name === 'NotFound' || (error as S3Failure).name === 'NoSuchKey') return false;
      if (status === 403 && tolerateDenied) return undefined;
      throw this.translate(operation, key, error);
    }
  }

  private async s3<T>(operation: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.translate(operation, key, error);
    }
  }

  private translate(operation: string, key: string, error: unknown): ToolError {
    if (error instanceof ToolError) return error;
    const e = (error ?? {}) as S3Failure;
    const status = e.$metadata?.httpStatusCode;
    // HEAD answers carry no body, so the SDK cannot name a 403 there: it is S3's AccessDenied.
    const name = status === 403 && (e.name === undefined || e.name === 'Unknown' || e.name === 'Forbidden') ? 'AccessDenied' : (e.name ?? 'Error');
    const where = relativeKey(this.options.prefix, key) || '(the whole prefix)';
    const detail = `${name}${status ? ` (HTTP ${status})` : ''}`;
    if (name === 'AccessDenied' || status === 403) {
      const tier = this.options.tier;
      const explained = tier ? `; this server's tier is "${tier}", which allows ${toolsOfTier(tier).join(', ')}` : '; the server\'s role does not allow it';
      return new ToolError('access_denied', `S3 refused ${operation} of ${where} (${name})${explained}`, detail);
    }
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new ToolError('not_found', `${where} does not exist`, detail);
    if (name === 'PreconditionFailed' || status === 412) return new ToolError('already_exists', `${where} exists; use update_object to replace it`, detail);
    if (status !== undefined && status < 500 && status !== 429) {
      return new ToolError('invalid_argument', `S3 refused ${operation} of ${where}: ${name}`, detail);
    }
    const why = firstLine(e.message ?? '') || name;
    return new ToolError('unavailable', `${operation} of ${where} failed, retry later: ${why}`, detail);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}

/** UTF-8 text without NULs (which no text file holds), or undefined for anything else. */
function asText(bytes: Buffer): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Types of every argument, checked against the tool's schema; unknown arguments are refused. */
export function checkArguments(name: ToolName, args: unknown): Record<string, unknown> {
  const definition = TOOL_DEFINITIONS.find((t) => t.name === name)!;
  const input = args ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ToolError('invalid_argument', `${name} takes an object of arguments`);
  const values = input as Record<string, unknown>;
  const { properties, required } = definition.inputSchema;
  for (const key of Object.keys(values)) {
    if (!(key in properties)) throw new ToolError('invalid_argument', `${name} takes no argument ${JSON.stringify(key)} (it takes ${Object.keys(properties).join(', ')})`);
  }
  for (const key of required) {
    if (values[key] === undefined) throw new ToolError(key === 'key' ? 'invalid_key' : 'invalid_argument', `${name} needs ${key}`);
  }
  for (const [key, schema] of Object.entries(properties)) {
    const value = values[key];
    if (value === undefined) continue;
    if (schema.type === 'string' && typeof value !== 'string') throw new ToolError(key === 'key' || key === 'prefix' ? 'invalid_key' : 'invalid_argument', `${key} must be a string`);
    if (schema.type === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity)) {
        throw new ToolError('invalid_argument', `${key} must be a whole number from ${schema.minimum} to ${schema.maximum}`);
      }
    }
    if (schema.enum && !schema.enum.includes(value as string)) throw new ToolError('invalid_argument', `${key} must be one of ${schema.enum.map((v) => `"${v}"`).join(', ')}`);
  }
  if (typeof values.content_type === 'string' && (values.content_type.length > 255 || /[\u0000-\u001f\u007f]/.test(values.content_type))) {
    throw new ToolError('invalid_argument', 'content_type must be a MIME type of at most 255 printable characters');
  }
  return values;
}
