import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Construct } from 'constructs';
import { toJson } from './policies/document';
import { lambdaFunctionArn, vendingLambdaTrustPolicy } from './policies/vending-lambda';

// Apart from AgentGateway (agent-gateway.ts): the foundation stack creates this role whether or
// not the gateway is configured, and should not load the AgentCore bindings for it.
/** The role the tools Lambda runs as; created by the foundation stack so the server roles can trust it. */
export class AgentToolsRole extends Construct {
  public readonly role: IamRole;

  /** `<namePrefix>-agent-tools`, trusted by Lambda for this account only. */
  public constructor(scope: Construct, id: string, config: { readonly namePrefix: string }) {
    super(scope, id);
    const accountId = new DataAwsCallerIdentity(this, 'account').accountId;
    // Only the tools function itself (AgentGateway names it `<namePrefix>-agent-tools`) may use the role.
    const functionArn = lambdaFunctionArn(new DataAwsRegion(this, 'region').region, accountId, `${config.namePrefix}-agent-tools`);
    this.role = new IamRole(this, 'role', {
      name: `${config.namePrefix}-agent-tools`,
      description: 'Agent gateway tools Lambda: assumes the role of the calling server (never holds S3 permissions itself)',
      assumeRolePolicy: toJson(vendingLambdaTrustPolicy({ accountId, functionArn })),
    });
  }
}
