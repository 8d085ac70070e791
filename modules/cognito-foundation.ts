import { CognitoResourceServer } from '@cdktf/provider-aws/lib/cognito-resource-server';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';
import { cognitoDomainPrefixRule, regionRule, resourceServerIdentifierRule } from '../config/rules';
import { SettingChecks } from './construct-validation';
import { clientRolesTable, CredentialVending } from './credential-vending';

/** The resource server's scopes; tokens carry them as `<identifier>/<scope>`. */
export const RESOURCE_SERVER_SCOPES = {
  write: 'Upload objects under the server’s prefix',
  read: 'Download objects under the server’s prefix',
  delete: 'Delete objects under the server’s prefix',
  list: 'List objects under the server’s prefix',
} as const;
export type ResourceServerScope = keyof typeof RESOURCE_SERVER_SCOPES;

export interface CognitoFoundationConfig {
  /** `<project>-<env>`: names the user pool, table, function and API. */
  readonly namePrefix: string;
  /** The region everything is deployed in (part of the issuer and token endpoint URLs). */
  readonly region: string;
  /** The hosted domain prefix: `<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /** The resource server identifier; scopes are `<identifier>/write`, …. */
  readonly resourceServerIdentifier: string;
  /** Deletion protection on the user pool and the mapping table. @default true */
  readonly deletionProtection?: boolean;
  /** CloudWatch Logs retention of the vending Lambda's and API's logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Vending API stage rate limit, requests/s. @default 10 */
  readonly throttlingRateLimit?: number;
  /** Vending API stage burst limit. @default 20 */
  readonly throttlingBurstLimit?: number;
  /** Reserved concurrency of the vending Lambda. @default undefined (unreserved) */
  readonly reservedConcurrency?: number;
  /** Pre-bundled vending Lambda code. @default bundled at synth time */
  readonly vendingCodeDirectory?: string;
}

/**
 * The Cognito side: a user pool holding one app client per server (created by the servers
 * stack), its hosted domain (token endpoint), the resource server defining the scopes, the
 * client→role mapping table, and the credential-vending API that stands in for
 * `AssumeRoleWithWebIdentity` (Cognito client-credentials tokens carry no `aud`).
 */
export class CognitoFoundation extends Construct {
  public readonly userPool: CognitoUserPool;
  public readonly domain: CognitoUserPoolDomain;
  public readonly resourceServer: CognitoResourceServer;
  public readonly clientRolesTable: DynamodbTable;
  public readonly vending: CredentialVending;
  /** `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`. */
  public readonly tokenEndpoint: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the tokens' `iss`. */
  public readonly tokenIssuer: string;

  public constructor(scope: Construct, id: string, config: CognitoFoundationConfig) {
    super(scope, id);
    const deletionProtection = config.deletionProtection ?? true;
    new SettingChecks(`CognitoFoundation ${this.node.path}`)
      .follows('region', config.region, regionRule, 'set aws_region')
      .follows(
        'domainPrefix',
        config.domainPrefix,
        cognitoDomainPrefixRule,
        'set cognito_domain_prefix in foundation.json (its default, <project>-<env>, inherits any reserved word in the environment name)',
      )
      .follows('resourceServerIdentifier', config.resourceServerIdentifier, resourceServerIdentifierRule, 'set resource_server_identifier, e.g. https://s3-uploader.<project>-<env>')
      .throwIfAny();

    this.userPool = new CognitoUserPool(this, 'user-pool', {
      name: `${config.namePrefix}-servers`,
      deletionProtection: deletionProtection ? 'ACTIVE' : 'INACTIVE',
      // Machines only: nobody signs up; the pool holds app clients, not users.
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
    });

    this.domain = new CognitoUserPoolDomain(this, 'domain', {
      domain: config.domainPrefix,
      userPoolId: this.userPool.id,
    });

    this.resourceServer = new CognitoResourceServer(this, 'resource-server', {
      identifier: config.resourceServerIdentifier,
      name: `${config.namePrefix}-s3-uploader`,
      userPoolId: this.userPool.id,
      scope: Object.entries(RESOURCE_SERVER_SCOPES).map(([scopeName, scopeDescription]) => ({ scopeName, scopeDescription })),
    });

    this.clientRolesTable = clientRolesTable(this, 'client-roles', config.namePrefix, deletionProtection);

    this.tokenIssuer = `https://cognito-idp.${config.region}.amazonaws.com/${this.userPool.id}`;
    this.tokenEndpoint = `https://${this.domain.domain}.auth.${config.region}.amazoncognito.com/oauth2/token`;

    this.vending = new CredentialVending(this, 'credential-vending', {
      namePrefix: config.namePrefix,
      clientRolesTableName: this.clientRolesTable.name,
      clientRolesTableArn: this.clientRolesTable.arn,
      tokenIssuer: this.tokenIssuer,
      resourceServerIdentifier: this.resourceServer.identifier,
      logRetentionDays: config.logRetentionDays,
      throttlingRateLimit: config.throttlingRateLimit,
      throttlingBurstLimit: config.throttlingBurstLimit,
      reservedConcurrency: config.reservedConcurrency,
      codeDirectory: config.vendingCodeDirectory,
    });
  }
}
