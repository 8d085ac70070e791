/**
 * Rules that span files or environments, checked on the final, merged and derived values: the
 * tags each resource ends up with, and the values that must be unique across the folders of
 * `environments/` (names AWS and Auth0 keep unique per account, Region, tenant or globally).
 */
import type { ConfigProblem } from './errors';
import { mergedTagsRule } from './rules/tags';
import type { BackendConfig, EnvironmentConfig, FoundationSettings, ServersSettings } from './types';

/** The tags the AWS provider adds to every resource of an environment (stacks/aws-provider.ts). */
export function derivedTags(environment: string, projectName: string): Record<string, string> {
  return { Environment: environment, Project: projectName, ManagedBy: 'cdktf' };
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

/**
 * Per resource, the keys its tags end up with (default tags, then its own; an equal key
 * overrides), checked for keys equal but for case and for the 50-tag limit.
 */
export function mergedTagProblems(environment: string, foundation: FoundationSettings, servers: ServersSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const derived = derivedTags(environment, foundation.projectName);
  const report = (file: string, key: () => string, value: unknown, rules: readonly string[], already: Set<string>) => {
    for (const rule of rules) {
      if (already.has(rule)) continue;
      already.add(rule);
      problems.push({ file, key: key(), value, rule, fix: 'rename or drop tags so that every key is distinct regardless of case and at most 50 remain (Environment, Project and ManagedBy are added by the app)' });
    }
  };
  const foundationKeys = Object.keys({ ...derived, ...foundation.tags });
  report(`environments/${environment}/foundation.json`, () => 'tags', foundation.tags, mergedTagsRule(foundationKeys), new Set());
  const common = Object.keys({ ...derived, ...servers.commonTags });
  const seen = new Set<string>();
  const serversFile = `environments/${environment}/servers.json`;
  report(serversFile, () => 'common_tags', servers.commonTags, mergedTagsRule(common), seen);
  const commonObject = Object.fromEntries(common.map((k) => [k, '']));
  // Every server without tags of its own ends up with the same keys: judged once, not per server.
  let untagged: readonly string[] | undefined;
  for (const server of servers.servers) {
    const rules = isEmpty(server.tags)
      ? (untagged ??= mergedTagsRule(Object.keys({ ...commonObject, Server: server.name })))
      : mergedTagsRule(Object.keys({ ...commonObject, ...server.tags, Server: server.name }));
    if (rules.length > 0) report(serversFile, () => `servers[${JSON.stringify(server.name)}].tags`, server.tags, rules, new Set(seen));
  }
  return problems;
}

/** Another environment's validated settings, as far as they could be read. */
export interface OtherEnvironment {
  readonly environment: string;
  readonly foundation: FoundationSettings;
  readonly backend?: BackendConfig;
}

/**
 * Values of `config` that another environment already uses where AWS or Auth0 allows only one:
 * the bucket name (global), the Cognito domain prefix (per Region), the Auth0 API identifier (per
 * tenant), and the IAM OIDC provider of an Auth0 tenant (one per issuer URL per account; two
 * environments that keep state in the same bucket are taken to share an account).
 */
export function environmentClashes(config: EnvironmentConfig, others: readonly OtherEnvironment[]): ConfigProblem[] {
  const file = `environments/${config.environment}/foundation.json`;
  const mine = config.foundation;
  const problems: ConfigProblem[] = [];
  const clash = (key: string, value: unknown, other: string, rule: string, fix: string) =>
    problems.push({ code: 'ENVIRONMENT_CLASH', file, key, value, rule: `${rule} (environments/${other}/foundation.json)`, fix, docs: 'docs/CONFIGURATION.md#one-account-several-environments' });
  for (const other of others) {
    const theirs = other.foundation;
    if (theirs.bucketName === mine.bucketName) {
      clash('bucket_name', mine.bucketName, other.environment, `is also environment "${other.environment}"'s bucket; S3 bucket names are unique worldwide`, 'set a distinct bucket_name (or project_name) in one of them');
    }
    if (mine.identityProvider === 'cognito' && theirs.identityProvider === 'cognito' && mine.awsRegion === theirs.awsRegion && mine.cognitoDomainPrefix === theirs.cognitoDomainPrefix) {
      clash('cognito_domain_prefix', mine.cognitoDomainPrefix, other.environment, `is also environment "${other.environment}"'s hosted domain prefix in ${mine.awsRegion}; Cognito domain prefixes are unique per Region`, 'set a distinct cognito_domain_prefix');
    }
    if (mine.identityProvider === 'auth0' && theirs.identityProvider === 'auth0' && mine.auth0Domain === theirs.auth0Domain) {
      if (mine.audience === theirs.audience) {
        clash('audience', mine.audience, other.environment, `is also environment "${other.environment}"'s API identifier in tenant ${mine.auth0Domain}; Auth0 API identifiers are unique per tenant`, 'set a distinct audience');
      }
      const sameAccount = other.backend !== undefined && other.backend.bucket === config.backend.bucket;
      if (sameAccount && mine.existingOidcProviderArn === undefined && theirs.existingOidcProviderArn === undefined) {
        clash(
          'auth0_domain',
          mine.auth0Domain,
          other.environment,
          `environment "${other.environment}" also creates the IAM OIDC provider for https://${mine.auth0Domain}/ in this account (both keep state in bucket "${config.backend.bucket}"); IAM allows one provider per issuer URL per account, so the second deploy fails with EntityAlreadyExists`,
          `use a separate Auth0 tenant per environment, or let one environment reuse the other's provider: set existing_oidc_provider_arn here and list this audience in "${other.environment}"'s additional_oidc_audiences`,
        );
      }
    }
  }
  return problems;
}
