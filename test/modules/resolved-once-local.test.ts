// A local resolved once must come out exactly as cdktf's own TerraformLocal writes the same
// value: tokens alone and inside strings (once or twice, the same or different ones), Terraform
// expressions that cdktf escapes, number and list tokens, functions, nesting and undefined members.
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { App, DataTerraformRemoteStateS3, Fn, TerraformLocal, TerraformOutput, TerraformStack, Testing, Token } from 'cdktf';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResolvedOnceLocal } from '../../modules/resolved-once-local';

type LocalClass = typeof TerraformLocal | typeof ResolvedOnceLocal;

function build(Local: LocalClass, stack: TerraformStack, extra: Record<string, unknown> = {}): void {
  const bucket = new S3Bucket(stack, 'bucket', { bucket: 'b' });
  const remote = new DataTerraformRemoteStateS3(stack, 'foundation', { bucket: 'state', key: 'k', region: 'eu-west-1' });
  const arn = remote.getString('bucket_arn');
  const entries: Record<string, unknown> = {};
  for (let i = 0; i < 3; i++) {
    entries[`srv-${i}`] = {
      prefix: `srv-${i}/`,
      enabled: i !== 1,
      max: 3600 + i,
      policy: JSON.stringify({ Resource: `${arn}/srv-${i}/*`, Also: [arn, bucket.arn] }),
      only_token: arn,
      two_tokens: `${arn}|${bucket.bucketDomainName}`,
      terraform_expression: `\${aws:username}/${arn}`,
      number_token: Token.asNumber(bucket.id),
      number_in_string: `${Token.asNumber(bucket.id)}s`,
      list_token: Token.asList(bucket.arn),
      function: Fn.upper(bucket.bucket),
      nested: { tags: { Team: 'a', Arn: arn }, empty: {}, missing: undefined },
      looks_like_number: 'version 1e+5',
      nothing: null,
    };
  }
  const local = new Local(stack, 'servers', { ...entries, ...extra });
  local.overrideLogicalId('servers');
  new TerraformOutput(stack, 'first', { value: Fn.lookup(local.asAnyMap, 'srv-0', {}) });
}

function synthesize(Local: LocalClass): { json: string; tf: Record<string, unknown> } {
  const stack = new TerraformStack(Testing.app(), 'stack');
  build(Local, stack);
  return { json: Testing.synth(stack), tf: stack.toTerraform() as Record<string, unknown> };
}

/** The stack's cdk.tf.json as `app.synth()` writes it (cdktf's own writer, json-stable-stringify). */
function written(Local: LocalClass, extra: Record<string, unknown>): string {
  const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-resolved-once-'));
  try {
    const app = new App({ outdir, stackTraces: false, skipValidation: true });
    build(Local, new TerraformStack(app, 'stack'), extra);
    app.synth();
    expect(readdirSync(join(outdir, 'stacks'))).toEqual(['stack']);
    return readFileSync(join(outdir, 'stacks', 'stack', 'cdk.tf.json'), 'utf8');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What cdktf's writer makes of empty objects and lists, key order, nesting and awkward strings. */
const AWKWARD = {
  'b-server': { tags: {}, list: [], nested: { empty: {}, deeper: { list: [{}, [], 'x'] } }, text: 'ends in {}', other: 'ends in []', quote: 'a "quoted" {} line\nwith a newline', unicode: 'é€😀' },
  'a-server': { Z: 1, a: 2, _: 3, 'é': 4, 'A b': 5, '-1': 6, '01': 7, 1.5: 8 },
  empty: {},
};

describe('ResolvedOnceLocal', () => {
  it('writes the same JSON as a TerraformLocal holding the same value', () => {
    const plain = synthesize(TerraformLocal);
    const once = synthesize(ResolvedOnceLocal);
    expect(once.json).toBe(plain.json);
    // Key order aside (cdktf's writer sorts keys), the same value.
    expect(once.tf).toEqual(plain.tf);
    // The comparison is not vacuous: tokens were resolved into Terraform references.
    const servers = (once.tf.locals as Record<string, Record<string, Record<string, unknown>>>).servers!;
    expect(servers['srv-2']!.only_token).toBe('${data.terraform_remote_state.foundation.outputs.bucket_arn}');
    expect(servers['srv-2']!.policy).toContain('${data.terraform_remote_state.foundation.outputs.bucket_arn}/srv-2/*');
    // cdktf leaves Terraform's own `${…}` as it is (policies escape theirs themselves, modules/policies/document.ts).
    expect(servers['srv-2']!.terraform_expression).toBe('${aws:username}/${data.terraform_remote_state.foundation.outputs.bucket_arn}');
    expect(servers['srv-2']!.number_token).toBe('${aws_s3_bucket.bucket.id}');
    expect(servers['srv-1']!.enabled).toBe(false);
  });

  it('writes the same cdk.tf.json through the app\'s synthesizer: empty objects and lists, key order, awkward strings', () => {
    const plain = written(TerraformLocal, AWKWARD);
    expect(written(ResolvedOnceLocal, AWKWARD)).toBe(plain);
    expect(plain).toContain('"tags": {\n');
    expect(plain).not.toContain('resolved-once-local:');
  });

  it('fills in several locals of one stack (one per shard) in one write, each at its place, deferred or not', () => {
    const writtenMany = (Local: LocalClass) => {
      const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-resolved-once-'));
      try {
        const app = new App({ outdir, stackTraces: false, skipValidation: true });
        const stack = new TerraformStack(app, 'stack');
        build(Local, stack);
        const remote = new DataTerraformRemoteStateS3(stack, 'other', { bucket: 'state', key: 'k2', region: 'eu-west-1' });
        const shards = [AWKWARD, { '10': { arn: remote.getString('x') }, '9': {} }, { 'srv-z': { arn: remote.getString('y'), tags: {} } }];
        shards.forEach((value, index) => new Local(stack, `shard-${index}`, value).overrideLogicalId(`servers_${index}`));
        app.synth();
        return readFileSync(join(outdir, 'stacks', 'stack', 'cdk.tf.json'), 'utf8');
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    };
    const plain = writtenMany(TerraformLocal);
    expect(writtenMany(ResolvedOnceLocal)).toBe(plain);
    expect(plain).toContain('"servers_2": {\n');
    expect(plain).toContain('${data.terraform_remote_state.other.outputs.y}');
  });

  it('writes a map of plain data whose strings hold string tokens (the servers map\'s form) as cdktf does: unsorted keys, empty objects, awkward strings', () => {
    const plainMap = (stack: TerraformStack) => {
      const remote = new DataTerraformRemoteStateS3(stack, 'remote', { bucket: 'state', key: 'k', region: 'eu-west-1' });
      const arn = remote.getString('bucket_arn');
      const other = remote.getString('other');
      return {
        'z-server': { tags: {}, policy: JSON.stringify({ Resource: [`${arn}/z/*`, arn], Other: `${other}:${arn}` }), enabled: false, max: 7200 },
        'a-server': { policy: arn, tags: { Team: 'a "quoted" {} value', 'é': 'é€😀\nnext' }, nested: { deeper: {}, b: null, a: 1.5 } },
        empty: {},
      };
    };
    const writtenPlain = (Local: LocalClass) => {
      const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-resolved-once-'));
      try {
        const app = new App({ outdir, stackTraces: false, skipValidation: true });
        const stack = new TerraformStack(app, 'stack');
        new Local(stack, 'plain', plainMap(stack)).overrideLogicalId('servers_07');
        new Local(stack, 'empty', {}).overrideLogicalId('servers_08');
        app.synth();
        return readFileSync(join(outdir, 'stacks', 'stack', 'cdk.tf.json'), 'utf8');
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    };
    const plain = writtenPlain(TerraformLocal);
    expect(writtenPlain(ResolvedOnceLocal)).toBe(plain);
    expect(plain).toContain('/z/*\\",\\"${data.terraform_remote_state.remote.outputs.bucket_arn}');
  });

  it('writes a map that is plain but for one string (a number token, a list token, Terraform\'s own ${…}, "e+") as cdktf does', () => {
    // Each alone in a map of the servers map's form: the check of the map's strings must send it down cdktf's path.
    const unusual: Record<string, (bucket: S3Bucket) => string> = {
      number_in_string: (bucket) => `port ${Token.asNumber(bucket.id)}`,
      list_in_string: (bucket) => `arns: ${Token.asList(bucket.arn)}`,
      terraform_expression: () => '${aws:username}/home',
      looks_like_number: () => 'version 1e+5',
    };
    const writtenOne = (Local: LocalClass, odd: (bucket: S3Bucket) => string) => {
      const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-resolved-once-'));
      try {
        const app = new App({ outdir, stackTraces: false, skipValidation: true });
        const stack = new TerraformStack(app, 'stack');
        const bucket = new S3Bucket(stack, 'bucket', { bucket: 'b' });
        const arn = new DataTerraformRemoteStateS3(stack, 'remote', { bucket: 'state', key: 'k', region: 'eu-west-1' }).getString('bucket_arn');
        const entry = (name: string) => ({ odd: odd(bucket), policy: JSON.stringify({ Resource: `${arn}/${name}/*` }), tags: {} });
        new Local(stack, 'servers', { 'srv-0': entry('srv-0'), 'srv-1': entry('srv-1') }).overrideLogicalId('servers');
        app.synth();
        return readFileSync(join(outdir, 'stacks', 'stack', 'cdk.tf.json'), 'utf8');
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    };
    // cdktf refuses a list token inside a string: then the same refusal.
    const outcome = (Local: LocalClass, odd: (bucket: S3Bucket) => string) => {
      try {
        return { json: writtenOne(Local, odd) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    for (const [name, odd] of Object.entries(unusual)) {
      const plain = outcome(TerraformLocal, odd);
      expect({ name, ...outcome(ResolvedOnceLocal, odd) }).toEqual({ name, ...plain });
      expect({ name, resolved: plain.json === undefined ? /list/i.test(plain.error) : !plain.json.includes('TfToken[') }).toEqual({ name, resolved: true });
    }
  });

  it('leaves keys that are array indexes ("10", "9") to cdktf\'s writer, which orders them as text', () => {
    const numbered = { '10': { tags: {} }, '9': { tags: {} }, 'srv-x': {} };
    const plain = written(TerraformLocal, numbered);
    expect(written(ResolvedOnceLocal, numbered)).toBe(plain);
    expect(plain.indexOf('"10": {')).toBeLessThan(plain.indexOf('"9": {'));
  });
});
