/**
 * Terraform JSON configuration (what cdktf synthesizes) rendered as native HCL, so that tools
 * that read native syntax well and JSON syntax badly see the same configuration. trivy's
 * Terraform scanner is one: in `*.tf.json` it does not see the content of nested blocks (a
 * `versioning_configuration` with `status = "Enabled"` reads as absent), in `*.tf` it does.
 *
 * JSON syntax cannot tell a nested block from an attribute holding an object (`tags`), so the
 * providers' schemas decide (`tofu providers schema -json`): a key the resource type's schema
 * lists under `block_types` becomes blocks, anything else an attribute. Strings are templates
 * in both syntaxes (https://developer.hashicorp.com/terraform/language/syntax/json), so each is
 * written as a quoted template with its literal parts escaped and its `${…}`/`%{…}` sequences
 * copied as they are. Meta-arguments that JSON writes as strings but HCL as references
 * (`provider`, `depends_on`, lifecycle's `ignore_changes`/`replace_triggered_by`) are unquoted.
 */

/** A block's schema as `tofu providers schema -json` gives it. */
export interface BlockSchema {
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly block_types?: Readonly<Record<string, { readonly block: BlockSchema }>>;
}

/** Resource and data source schemas by type name, across the configuration's providers. */
export interface SchemaIndex {
  readonly resource: ReadonlyMap<string, BlockSchema>;
  readonly data: ReadonlyMap<string, BlockSchema>;
  readonly provider: ReadonlyMap<string, BlockSchema>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class HclRenderError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'HclRenderError';
  }
}

/** The index of `tofu providers schema -json` output (several providers merge). */
export function schemaIndex(providersSchemaJson: { provider_schemas?: Record<string, { provider?: { block: BlockSchema }; resource_schemas?: Record<string, { block: BlockSchema }>; data_source_schemas?: Record<string, { block: BlockSchema }> }> }): SchemaIndex {
  const resource = new Map<string, BlockSchema>();
  const data = new Map<string, BlockSchema>();
  const provider = new Map<string, BlockSchema>();
  for (const [source, schemas] of Object.entries(providersSchemaJson.provider_schemas ?? {})) {
    if (schemas.provider) provider.set(source.split('/').pop()!, schemas.provider.block);
    for (const [type, schema] of Object.entries(schemas.resource_schemas ?? {})) resource.set(type, schema.block);
    for (const [type, schema] of Object.entries(schemas.data_source_schemas ?? {})) data.set(type, schema.block);
  }
  return { resource, data, provider };
}

/**
 * The end (index after the closing brace) of the `${`/`%{` sequence whose body starts at
 * `start`, skipping braces inside nested quoted strings and their own sequences.
 */
function sequenceEnd(text: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i = quotedEnd(text, i + 1);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}' && --depth === 0) return i + 1;
    i++;
  }
  throw new HclRenderError(`unterminated template sequence in ${JSON.stringify(text.slice(0, 200))}`);
}

/** The index after the closing quote of an HCL quoted string whose body starts at `start`. */
function quotedEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else if ((c === '$' || c === '%') && text[i + 1] === '{') i = sequenceEnd(text, i + 2);
    else i++;
  }
  throw new HclRenderError(`unterminated string in ${JSON.stringify(text.slice(0, 200))}`);
}

/** A JSON-syntax template string as an HCL quoted template with the same value. */
export function quoteTemplate(text: string): string {
  let out = '"';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if ((c === '$' || c === '%') && next === c && text[i + 2] === '{') {
      out += `${c}${c}{`; // `$${` / `%%{`: a literal sequence, escaped the same way in both syntaxes
      i += 3;
    } else if ((c === '$' || c === '%') && next === '{') {
      const end = sequenceEnd(text, i + 2);
      out += text.slice(i, end);
      i = end;
    } else {
      out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : c;
      i++;
    }
  }
  return `${out}"`;
}

/** A JSON value as an HCL expression (strings as templates, object keys quoted). */
export function renderExpression(value: Json, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteTemplate(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderExpression(v, indent)).join(', ')}]`;
  const entries = Object.entries(value).filter(([key]) => key !== '//');
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  return `{\n${entries.map(([key, v]) => `${inner}${JSON.stringify(key)} = ${renderExpression(v, inner)}`).join('\n')}\n${indent}}`;
}

/** A string that JSON syntax writes for a bare reference (`"aws.bucket_account"`, `"${aws_iam_role.x}"`). */
function bareReference(value: Json): string {
  if (typeof value !== 'string') throw new HclRenderError(`expected a reference string, got ${JSON.stringify(value)}`);
  const unwrapped = /^\$\{(.*)\}$/s.exec(value)?.[1] ?? value;
  return unwrapped;
}

const RESOURCE_META = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection']);

function renderBody(body: { [key: string]: Json }, schema: BlockSchema | undefined, indent: string, meta: boolean): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === '//') continue;
    if (meta && RESOURCE_META.has(key)) {
      if (key === 'provider') lines.push(`${indent}provider = ${bareReference(value)}`);
      else if (key === 'depends_on') lines.push(`${indent}depends_on = [${(value as Json[]).map(bareReference).join(', ')}]`);
      else if (key === 'lifecycle') {
        for (const block of Array.isArray(value) ? value : [value]) {
          lines.push(`${indent}lifecycle {`);
          for (const [name, setting] of Object.entries(block as Record<string, Json>)) {
            const rendered = name === 'ignore_changes' || name === 'replace_triggered_by' ? (Array.isArray(setting) ? `[${setting.map(bareReference).join(', ')}]` : bareReference(setting)) : renderExpression(setting, `${indent}  `);
            lines.push(`${indent}  ${name} = ${rendered}`);
          }
          lines.push(`${indent}}`);
        }
      } else if (key === 'count' || key === 'for_each') lines.push(`${indent}${key} = ${renderExpression(value, indent)}`);
      else throw new HclRenderError(`${key} is not rendered (provisioners and connections are not used here)`);
      continue;
    }
    const nested = schema?.block_types?.[key];
    if (nested && value !== null && typeof value === 'object') {
      for (const block of Array.isArray(value) ? value : [value]) {
        if (block === null || typeof block !== 'object' || Array.isArray(block)) throw new HclRenderError(`block ${key} holds ${JSON.stringify(block)}, not an object`);
        lines.push(`${indent}${key} {`, ...renderBody(block, nested.block, `${indent}  `, false), `${indent}}`);
      }
    } else {
      lines.push(`${indent}${key} = ${renderExpression(value, indent)}`);
    }
  }
  return lines;
}

/**
 * The configuration as native HCL. Throws HclRenderError for a resource, data source or
 * provider whose type `schemas` does not know, and for constructs this project never writes
 * (provisioners, modules).
 */
export function renderHcl(config: { [key: string]: Json }, schemas: SchemaIndex): string {
  const lines: string[] = [];
  for (const [section, content] of Object.entries(config)) {
    if (section === '//' || section === 'terraform') continue; // settings: backend, required providers
    const blocks = content as { [key: string]: Json };
    if (section === 'provider') {
      for (const [name, configs] of Object.entries(blocks)) {
        for (const settings of Array.isArray(configs) ? configs : [configs]) {
          lines.push(`provider "${name}" {`, ...renderBody(settings as { [key: string]: Json }, schemas.provider.get(name), '  ', false), '}', '');
        }
      }
    } else if (section === 'resource' || section === 'data') {
      for (const [type, named] of Object.entries(blocks)) {
        const schema = (section === 'resource' ? schemas.resource : schemas.data).get(type);
        if (!schema && !(section === 'data' && type === 'terraform_remote_state')) throw new HclRenderError(`no schema for ${section} type ${type}`);
        for (const [name, body] of Object.entries(named as { [key: string]: Json })) {
          lines.push(`${section} "${type}" "${name}" {`, ...renderBody(body as { [key: string]: Json }, schema, '  ', true), '}', '');
        }
      }
    } else if (section === 'locals') {
      lines.push('locals {', ...Object.entries(blocks).map(([name, value]) => `  ${name} = ${renderExpression(value, '  ')}`), '}', '');
    } else if (section === 'output' || section === 'variable') {
      for (const [name, body] of Object.entries(blocks)) {
        lines.push(`${section} "${name}" {`, ...Object.entries(body as Record<string, Json>).filter(([key]) => key !== '//').map(([key, value]) => `  ${key} = ${key === 'depends_on' ? `[${(value as Json[]).map(bareReference).join(', ')}]` : renderExpression(value, '  ')}`), '}', '');
      }
    } else {
      throw new HclRenderError(`top-level "${section}" is not rendered`);
    }
  }
  return lines.join('\n');
}
