// The native-HCL rendering verify:terraform hands to trivy must mean exactly what cdktf's JSON
// means: rendered stacks are parsed back with HCL's own parser (@cdktf/hcl2json) and compared
// with the synthesized JSON, nested blocks decided by the providers' schemas.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { HclRenderError, quoteTemplate, renderHcl, schemaIndex, type BlockSchema } from '../../scripts/hcl-render';

const ROOT = join(__dirname, '../..');
// Block structure (names only) of the pinned providers' schemas for the types the stacks use,
// taken from `tofu providers schema -json`; verify:terraform reads the live schema instead.
const SCHEMAS = schemaIndex(JSON.parse(readFileSync(join(__dirname, 'fixtures/provider-schemas.json'), 'utf8')));

type Json = any;

/** The JSON as HCL's parser reports it: every block a list, meta-argument references as `${…}`. */
function normalize(config: Json): Json {
  const body = (value: Json, schema: BlockSchema | undefined, meta: boolean): Json =>
    Object.fromEntries(
      Object.entries(value as Record<string, Json>)
        .filter(([key]) => key !== '//')
        .map(([key, v]) => {
          if (meta && key === 'provider') return [key, `\${${v}}`];
          if (meta && key === 'depends_on') return [key, (v as string[]).map((r) => (r.startsWith('${') ? r : `\${${r}}`))];
          if (meta && key === 'lifecycle') return [key, (Array.isArray(v) ? v : [v]).map((b: Json) => body(b, undefined, false))];
          const nested = schema?.block_types?.[key];
          if (nested && v !== null && typeof v === 'object') return [key, (Array.isArray(v) ? v : [v]).map((b: Json) => body(b, nested.block, false))];
          return [key, v];
        }),
    );
  const out: Json = {};
  for (const [section, content] of Object.entries(config as Record<string, Json>)) {
    if (section === '//' || section === 'terraform') continue;
    if (section === 'provider') out.provider = Object.fromEntries(Object.entries(content).map(([name, configs]) => [name, (configs as Json[]).map((c) => body(c, SCHEMAS.provider.get(name), false))]));
    else if (section === 'resource' || section === 'data')
      out[section] = Object.fromEntries(
        Object.entries(content).map(([type, named]) => [type, Object.fromEntries(Object.entries(named as Json).map(([name, b]) => [name, [body(b, (section === 'resource' ? SCHEMAS.resource : SCHEMAS.data).get(type), true)]]))]),
      );
    else if (section === 'locals') out.locals = [content];
    else out[section] = Object.fromEntries(Object.entries(content).map(([name, b]) => [name, [body(b, undefined, false)]]));
  }
  return out;
}

describe('quoteTemplate', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'],
    ['two\nlines\tand tab', '"two\\nlines\\tand tab"'],
    // Interpolations are copied as they are, quotes and braces inside them included.
    ['${jsonencode({"a" = "}"})}-"x"', '"${jsonencode({"a" = "}"})}-\\"x\\""'],
    // A string inside an interpolation with an interpolation of its own.
    ['${format("%s-${local.y}", "}")}!', '"${format("%s-${local.y}", "}")}!"'],
    ['%{ if local.on }yes%{ endif }', '"%{ if local.on }yes%{ endif }"'],
    // Literal sequences stay escaped.
    ['$${not.interpolated} %%{nor.this}', '"$${not.interpolated} %%{nor.this}"'],
  ])('%j', (input, expected) => {
    expect(quoteTemplate(input)).toBe(expected);
  });

  it('refuses an interpolation that never closes', () => {
    expect(() => quoteTemplate('${local.x')).toThrow(HclRenderError);
    expect(() => quoteTemplate('${local.x')).toThrow(/unterminated template sequence in "\$\{local\.x"/);
  });
});

describe('renderHcl', () => {
  it('refuses a resource type no provider schema knows', () => {
    const render = () => renderHcl({ resource: { aws_made_up: { x: { a: 1 } } } }, SCHEMAS);
    expect(render).toThrow(HclRenderError);
    expect(render).toThrow('no schema for resource type aws_made_up');
  });

  it('writes schema blocks as blocks and object attributes as objects', () => {
    const hcl = renderHcl(
      { resource: { aws_s3_bucket_versioning: { v: { bucket: '${aws_s3_bucket.b.id}', versioning_configuration: { status: 'Enabled' } } }, aws_s3_bucket: { b: { bucket: 'x', tags: { Team: 'a b' } } } } },
      SCHEMAS,
    );
    expect(hcl).toContain('  versioning_configuration {\n    status = "Enabled"\n  }');
    expect(hcl).toContain('  tags = {\n    "Team" = "a b"\n  }');
  });
});

describe.each(['prod-logarchive', 'agents-auth0', 'dev-cognito'])('environments/%s rendered as HCL', (environment) => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-hcl-'));
    execFileSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], { cwd: ROOT, env: { ...process.env, ENVIRONMENT: environment, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' }, stdio: 'pipe' });
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('parses back to the synthesized configuration, stack by stack', async () => {
    const stacks = readdirSync(join(outdir, 'stacks'));
    expect(stacks.length).toBeGreaterThanOrEqual(3);
    for (const stack of stacks) {
      const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      const reparsed = await parse(`${stack}.tf`, renderHcl(json, SCHEMAS));
      expect({ stack, config: reparsed }).toEqual({ stack, config: normalize(json) });
    }
  });
});
