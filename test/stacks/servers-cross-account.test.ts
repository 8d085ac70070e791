// Servers with the bucket in another account (foundation.json `bucket_account`): the roles carry
// their prefix and tier as tags (what the bucket policy there keys on), their identity policies
// hold only for the bucket's account and organization (read from the foundation's outputs), and
// `server_configurations` carries the bucket's account. Onboarding still changes one entry only.
import type { TerraformJson } from '../support/synth';
import { THREE_SERVERS, environmentConfig, foundationOutput, server, synthServers } from './servers-fixtures';

const BUCKET_ACCOUNT = { accountId: '222233334444', deployRoleArn: 'arn:aws:iam::222233334444:role/oidc-s3-bucket-deployer', organizationId: 'o-abc123def4' };

function withoutServersMap(json: TerraformJson): TerraformJson {
  const { locals, ...rest } = json;
  const { servers, ...otherLocals } = locals ?? {};
  return { ...rest, locals: otherLocals };
}

describe.each(['auth0', 'cognito'] as const)('%s servers with the bucket in another account', (identityProvider) => {
  const json = synthServers(environmentConfig(identityProvider, THREE_SERVERS, { bucketAccount: BUCKET_ACCOUNT }));
  const single = synthServers(environmentConfig(identityProvider, THREE_SERVERS));

  test('each role is tagged with its own prefix and tier, after its own tags so they cannot be overridden', () => {
    expect(json.resource.aws_iam_role.server.tags).toBe(
      '${merge(each.value.tags, {"Server" = each.key, "S3PathPrefix" = each.value.s3_path_prefix, "S3Permissions" = each.value.s3_permissions})}',
    );
    expect(single.resource.aws_iam_role.server.tags).toBe('${merge(each.value.tags, {"Server" = each.key})}');
  });

  test("identity policies hold only for the bucket's account and organization, from the foundation's outputs", () => {
    const policy = JSON.parse(json.locals.servers['web-01'].s3_policy) as { Statement: TerraformJson[] };
    expect(policy.Statement[0]).toMatchObject({
      Sid: 'ObjectsUnderOwnPrefix',
      Condition: { StringEquals: { 'aws:ResourceAccount': foundationOutput('bucket_account_id'), 'aws:ResourceOrgID': foundationOutput('organization_id') } },
    });
    const full = JSON.parse(json.locals.servers['web-010'].s3_policy) as { Statement: TerraformJson[] };
    expect(full.Statement.every((statement) => statement.Condition?.StringEquals?.['aws:ResourceOrgID'] === foundationOutput('organization_id'))).toBe(true);
    // The disabled server's deny-all is unchanged.
    expect(json.locals.servers['etl-02'].s3_policy).toBe(single.locals.servers['etl-02'].s3_policy);
  });

  test('no trust statement of a server role lets a session carry tags (a session tag would override the role tags)', () => {
    const trust = JSON.parse(json.resource.aws_iam_role.server.assume_role_policy) as { Statement: TerraformJson[] };
    const actions = trust.Statement.flatMap((statement) => [statement.Action].flat() as string[]);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => /^sts:(TagSession|\*)$|^\*$/.test(action))).toEqual([]);
    expect(trust.Statement.every((statement) => statement.Effect === 'Allow' && statement.NotAction === undefined)).toBe(true);
  });

  test("server_configurations carries the bucket's account", () => {
    expect(json.output.server_configurations.value).toContain(`"bucket_account_id" = data.terraform_remote_state.foundation.outputs.bucket_account_id`);
    expect(single.output.server_configurations.value).not.toContain('bucket_account_id');
  });

  test("onboarding a server adds its entry and changes nothing else", () => {
    const added = server('web-005', 'web-005/', 'full');
    const after = synthServers(environmentConfig(identityProvider, [added, ...THREE_SERVERS], { bucketAccount: BUCKET_ACCOUNT }));
    for (const name of ['web-01', 'web-010', 'etl-02']) expect(JSON.stringify(after.locals.servers[name])).toBe(JSON.stringify(json.locals.servers[name]));
    expect(JSON.stringify(withoutServersMap(after))).toBe(JSON.stringify(withoutServersMap(json)));
  });
});
