// A local resolved once must come out exactly as cdktf's own TerraformLocal writes the same
// value: tokens alone and inside strings (once or twice, the same or different ones), Terraform
// expressions that cdktf escapes, number and list tokens, functions, nesting and undefined members.
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { DataTerraformRemoteStateS3, Fn, TerraformLocal, TerraformOutput, TerraformStack, Testing, Token } from 'cdktf';
import { ResolvedOnceLocal } from '../../modules/resolved-once-local';

type LocalClass = typeof TerraformLocal | typeof ResolvedOnceLocal;

function synthesize(Local: LocalClass): { json: string; tf: Record<string, unknown> } {
  const stack = new TerraformStack(Testing.app(), 'stack');
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
  const local = new Local(stack, 'servers', entries);
  local.overrideLogicalId('servers');
  new TerraformOutput(stack, 'first', { value: Fn.lookup(local.asAnyMap, 'srv-0', {}) });
  return { json: Testing.synth(stack), tf: stack.toTerraform() as Record<string, unknown> };
}

describe('ResolvedOnceLocal', () => {
  it('writes the same JSON as a TerraformLocal holding the same value', () => {
    const plain = synthesize(TerraformLocal);
    const once = synthesize(ResolvedOnceLocal);
    expect(once.json).toBe(plain.json);
    expect(JSON.stringify(once.tf)).toBe(JSON.stringify(plain.tf));
    // The comparison is not vacuous: tokens were resolved into Terraform references.
    const servers = (once.tf.locals as Record<string, Record<string, Record<string, unknown>>>).servers!;
    expect(servers['srv-2']!.only_token).toBe('${data.terraform_remote_state.foundation.outputs.bucket_arn}');
    expect(servers['srv-2']!.policy).toContain('${data.terraform_remote_state.foundation.outputs.bucket_arn}/srv-2/*');
    // cdktf leaves Terraform's own `${…}` as it is (policies escape theirs themselves, modules/policies/document.ts).
    expect(servers['srv-2']!.terraform_expression).toBe('${aws:username}/${data.terraform_remote_state.foundation.outputs.bucket_arn}');
    expect(servers['srv-2']!.number_token).toBe('${aws_s3_bucket.bucket.id}');
    expect(servers['srv-1']!.enabled).toBe(false);
  });
});
