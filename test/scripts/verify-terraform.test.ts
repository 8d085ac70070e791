// The pure parts of verify:terraform: stack order, the outputs a dependant reads, per-type counts.
import { ownAccountWideNames, outputsFromPlan, type StackInfo } from '../../scripts/terraform-check';
import { suppressionFor, unexplainedFindings } from '../../scripts/trivy-scan';
import { dependencyOrder, expectedCreates } from '../../scripts/verify-terraform';

const stack = (name: string, json: Record<string, unknown>): StackInfo => ({ name, dir: `/tmp/${name}`, json });
const remoteState = (key: string) => ({ data: { terraform_remote_state: { upstream: { backend: 's3', config: { key } } } } });
const backend = (key: string) => ({ terraform: { backend: { s3: { key } } } });

describe('dependencyOrder', () => {
  it('puts every stack after the stacks whose state it reads, whatever the manifest order', () => {
    const gateway = stack('agent-gateway', { ...backend('env/gateway'), ...remoteState('env/servers') });
    const servers = stack('servers', { ...backend('env/servers'), ...remoteState('env/foundation') });
    const foundation = stack('foundation', backend('env/foundation'));
    const bootstrap = stack('state-bootstrap', {});
    expect(dependencyOrder([gateway, bootstrap, servers, foundation]).map((s) => s.name)).toEqual(['foundation', 'servers', 'agent-gateway', 'state-bootstrap']);
  });

  it('refuses a cycle, naming a stack on it', () => {
    const a = stack('a', { ...backend('a'), ...remoteState('b') });
    const b = stack('b', { ...backend('b'), ...remoteState('a') });
    expect(() => dependencyOrder([a, b])).toThrow("stacks read each other's state in a cycle through a");
  });
});

describe('outputsFromPlan', () => {
  it('keeps planned values and fills each unknown part with a placeholder of its key, keeping the shape', () => {
    const plan = {
      output_changes: {
        aws_region: { after: 'eu-west-1', after_unknown: false },
        bucket_arn: { after: null, after_unknown: true },
        server_configurations: {
          after: { 'web-01': { s3_path_prefix: 'web/', role_arn: null }, 'db-02': { s3_path_prefix: 'db/' } },
          after_unknown: { 'web-01': { role_arn: true }, 'db-02': { client_id: true } },
        },
        audiences: { after: ['https://api', null], after_unknown: [false, true] },
      },
    };
    expect(outputsFromPlan(plan, 'eu-central-1')).toEqual({
      aws_region: 'eu-west-1',
      bucket_arn: 'arn:aws:s3:::verify-offline-bucket',
      server_configurations: {
        'web-01': { s3_path_prefix: 'web/', role_arn: 'arn:aws:iam::123456789012:role/verify-role-arn' },
        'db-02': { s3_path_prefix: 'db/', client_id: 'verify-client-id' },
      },
      audiences: ['https://api', 'verify-audiences'],
    });
  });
});

describe('ownAccountWideNames', () => {
  it('gives a generated environment its own tenant and a Cognito domain prefix Cognito accepts', () => {
    expect(ownAccountWideNames({ auth0_domain: 'your-tenant.eu.auth0.com', aws_region: 'eu-west-1' }, 'gen-auth0-200')).toEqual({ auth0_domain: 'gen-auth0-200.eu.auth0.com', aws_region: 'eu-west-1' });
    expect(ownAccountWideNames({ cognito_domain_prefix: 'oidc-s3-dev-m2m' }, 'gen-cognito-200')).toEqual({ cognito_domain_prefix: 'oidc-s3-gen-idp-200' });
  });
});

describe('expectedCreates', () => {
  it('counts literal, local-map and filtered for_each instances per type, and refuses a form it cannot count', () => {
    const servers = { a: { enabled: true }, b: { enabled: false }, c: { enabled: true } };
    const json = {
      locals: { servers },
      resource: {
        aws_iam_role: { server: { for_each: '${local.servers}' } },
        auth0_client_grant: { server: { for_each: '${{ for key, val in local.servers: key => val if val.enabled }}' } },
        aws_s3_bucket: { uploads: {} },
        aws_lambda_permission: { two: { count: 2 } },
      },
    };
    expect(Object.fromEntries(expectedCreates(stack('servers', json)))).toEqual({ aws_iam_role: 3, auth0_client_grant: 2, aws_s3_bucket: 1, aws_lambda_permission: 2 });
    const unknown = stack('servers', { resource: { aws_iam_role: { x: { for_each: '${aws_iam_role.other}' } } } });
    expect(() => expectedCreates(unknown)).toThrow(/servers: aws_iam_role\.x: for_each = "\$\{aws_iam_role\.other\}" is not a form verify:terraform can count/);
  });
});

describe('trivy suppressions', () => {
  const finding = {
    environment: 'prod',
    stack: 'foundation',
    ruleId: 'AWS-0090',
    longId: 'aws-s3-enable-versioning',
    severity: 'MEDIUM',
    summary: 'S3 Data should be versioned',
    resource: 'aws_s3_bucket_versioning.uploads_versioning_E6D9BEE8',
    resolution: 'Enable versioning',
    line: 12,
  };

  it('explain a finding only where the setting that makes it deliberate is set', () => {
    expect(suppressionFor(finding, { bucket_versioning: false })?.why).toMatch(/bucket_versioning false/);
    expect(unexplainedFindings([finding], { bucket_versioning: false })).toEqual([]);
    expect(unexplainedFindings([finding], { bucket_versioning: true })).toEqual([
      'trivy AWS-0090 (MEDIUM) S3 Data should be versioned: prod/foundation aws_s3_bucket_versioning.uploads_versioning_E6D9BEE8 (main.tf:12); Enable versioning',
    ]);
  });

  it('never explain a check on a resource they do not name', () => {
    expect(unexplainedFindings([{ ...finding, resource: 'aws_s3_bucket_versioning.other_versioning_12345678' }], { bucket_versioning: false })).toHaveLength(1);
    expect(unexplainedFindings([{ ...finding, ruleId: 'AWS-0086' }], {})).toHaveLength(1);
  });
});
