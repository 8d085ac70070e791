/**
 * The sandbox's stand-in for what a real apply learns from AWS and Auth0: ARNs, generated ids and
 * secrets, the invoke URL of the vending API. Generated values are remembered by resource address,
 * so a re-synthesis (servers.json edited) keeps every existing server's client id and secret, as
 * a real apply would. Secrets are random per run and live only in memory and the 0600 host files.
 */
import { randomBytes } from 'node:crypto';
import type { ComputedAttributes } from './deployment';

/** The sandbox's account: the one the IAM evaluator assumes for bucket and role ARNs. */
export const SANDBOX_ACCOUNT = '123456789012';

export interface LocalCloudOptions {
  readonly region: string;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number, alphabet = ALNUM): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export class LocalCloud {
  private readonly generated = new Map<string, string>();
  /** The vending API's base URL (the HTTP API stage's `invoke_url`, with trailing slash), once it listens. */
  vendingBaseUrl = 'https://127.0.0.1/';

  constructor(private readonly options: LocalCloudOptions) {}

  /** A generated value of `address`, the same on every call (and re-synthesis) for that address. */
  private stable(address: string, attribute: string, make: () => string): string {
    const key = `${address}#${attribute}`;
    let value = this.generated.get(key);
    if (value === undefined) {
      value = make();
      this.generated.set(key, value);
    }
    return value;
  }

  readonly computed: ComputedAttributes = (instance, args) => {
    const { address, type } = instance;
    const { region } = this.options;
    const account = SANDBOX_ACCOUNT;
    const id = (length = 20) => this.stable(address, 'id', () => randomText(length));
    const name = String(args.name ?? '');
    switch (type) {
      case 'aws_s3_bucket':
        return { id: args.bucket, arn: `arn:aws:s3:::${String(args.bucket)}` };
      case 'aws_iam_role':
        return { id: name, arn: `arn:aws:iam::${account}:role${String(args.path ?? '/')}${name}`, unique_id: `AROA${id(17).toUpperCase()}` };
      case 'aws_iam_role_policy':
        return { id: `${String(args.role)}:${name}` };
      case 'aws_iam_openid_connect_provider': {
        const arn = `arn:aws:iam::${account}:oidc-provider/${String(args.url).replace(/^https:\/\//, '')}`;
        return { id: arn, arn };
      }
      case 'aws_dynamodb_table':
        return { id: name, arn: `arn:aws:dynamodb:${region}:${account}:table/${name}` };
      case 'aws_cognito_user_pool': {
        const poolId = this.stable(address, 'id', () => `${region}_${randomText(9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`);
        return { id: poolId, arn: `arn:aws:cognito-idp:${region}:${account}:userpool/${poolId}`, endpoint: `cognito-idp.${region}.amazonaws.com/${poolId}` };
      }
      case 'aws_cognito_user_pool_client':
        return { id: id(26), client_secret: this.stable(address, 'secret', () => randomBytes(36).toString('base64url')) };
      case 'aws_cognito_user_pool_domain':
      case 'aws_cognito_resource_server':
        return { id: id() };
      case 'auth0_client':
        return { id: id(32), client_id: id(32) };
      case 'auth0_client_credentials':
        return { id: id(), client_secret: this.stable(address, 'secret', () => randomBytes(48).toString('base64url')) };
      case 'auth0_resource_server':
        return { id: id(24) };
      case 'aws_apigatewayv2_api':
        return { id: id(10), api_endpoint: this.vendingBaseUrl.replace(/\/$/, ''), execution_arn: `arn:aws:execute-api:${region}:${account}:${id(10)}` };
      case 'aws_apigatewayv2_stage':
        return { id: id(), invoke_url: this.vendingBaseUrl };
      case 'aws_lambda_function':
        return {
          id: String(args.function_name),
          arn: `arn:aws:lambda:${region}:${account}:function:${String(args.function_name)}`,
          invoke_arn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${account}:function:${String(args.function_name)}/invocations`,
        };
      case 'aws_cloudwatch_log_group':
        return { id: name, arn: `arn:aws:logs:${region}:${account}:log-group:${name}` };
      case 'aws_caller_identity':
        return { account_id: account, arn: `arn:aws:iam::${account}:root`, user_id: account };
      case 'aws_region':
        return { name: region, region };
      case 'aws_partition':
        return { partition: 'aws', dns_suffix: 'amazonaws.com' };
      default:
        return { id: id() };
    }
  };
}
