/**
 * IAM policy evaluation for the tests and the sandbox, over @cloud-copilot/iam-simulate. Every
 * call fails loudly on a simulator validation error or an ignored context key, so a typo in a
 * test can never pass as an "implicit deny".
 *
 * Licence: iam-simulate is AGPL-3.0-or-later. It is a dependency of the local tooling only (the
 * tests and `npm start`); nothing under lambda/ or client/ imports it, so it is never part of the
 * bundles in dist/ that are shipped to AWS or to hosts.
 */
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../modules/policies/document';

export const ACCOUNT_ID = '123456789012';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimulatedRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
}

function simulation(request: SimulatedRequest, identityPolicy: PolicyDocument | undefined, resourcePolicy: PolicyDocument | undefined): Simulation {
  return {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT_ID },
      contextVariables: { ...request.context },
    },
    identityPolicies: identityPolicy ? [{ name: 'under-test', policy: identityPolicy }] : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  };
}

/**
 * The validated simulation: policies, action, resource type and context keys are all checked.
 * With `allowCustomContextKeys`, context keys the simulator's catalogue does not know are
 * accepted instead of failing the test: IAM names an OIDC provider's claim keys after its URL
 * (`tenant.eu.auth0.com/:aud`), and the catalogue lists only a few well-known providers. Then
 * the decision comes from the simulator's unvalidated engine, which evaluates conditions on
 * those keys, while the validated run above still vouches for the documents and the request.
 */
async function simulate(sim: Simulation, allowCustomContextKeys: boolean): Promise<Decision> {
  const { request } = sim;
  const response = await runSimulation(sim, {});
  if (response.resultType === 'error') {
    throw new Error(`simulator rejected ${request.action} on ${request.resource.resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== 'single') {
    throw new Error(`expected a single result for ${request.resource.resource}, got ${response.resultType}`);
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length === 0) return response.overallResult;
  if (!allowCustomContextKeys) {
    throw new Error(`simulator ignored context keys ${ignored.join(', ')} for ${request.action}`);
  }
  // iam-simulate 0.1.173's unsafe run loads a raw resource policy without the metadata its engine
  // then reads (`metadata().name`) and crashes; a policy already in the library's documented
  // `ValidatedPolicy` shape carries that name. The policy text and its evaluation are untouched.
  const resourcePolicy = sim.resourcePolicy === undefined ? undefined : { __validated: true, policyDocument: sim.resourcePolicy, metadata: { name: 'ResourcePolicy' }, errors: [] };
  return runUnsafeSimulation({ ...sim, resourcePolicy }, {});
}

/** A role session in the bucket's account with `policy` as its only identity policy. */
export function identityDecision(
  policy: PolicyDocument,
  request: Omit<SimulatedRequest, 'principal'>,
  resourcePolicy?: PolicyDocument,
): Promise<Decision> {
  return simulate(simulation({ ...request, principal: `arn:aws:iam::${ACCOUNT_ID}:role/under-test` }, policy, resourcePolicy), false);
}

const CALLER_MAY_CALL_ANY_STS_ACTION: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }],
};

/**
 * `trust` as the resource policy of the role `request.resource`. An IAM caller's own identity
 * policy allows every STS action, so the trust policy alone decides; a federated caller (an
 * OIDC provider) has no identity policy at all.
 */
export function trustDecision(trust: PolicyDocument, request: SimulatedRequest): Promise<Decision> {
  const isFederated = /:(oidc|saml)-provider\//.test(request.principal);
  return simulate(simulation(request, isFederated ? undefined : CALLER_MAY_CALL_ANY_STS_ACTION, trust), true);
}

/** A request by a role session, decided against all of the role's identity policies and a resource policy, as IAM does. */
export interface SessionRequest {
  /** The session, `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Request context; keys IAM does not define for this action and resource are dropped. */
  readonly context: Readonly<Record<string, string>>;
  readonly identityPolicies: readonly PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
}

/**
 * The decision for a live request (the sandbox's S3 endpoint). Unlike the test helpers above, the
 * context holds what a request carries whatever the policies use, so keys the action does not
 * support are dropped first (as IAM would never see them) instead of failing.
 */
export async function sessionDecision(request: SessionRequest): Promise<Decision> {
  const [service] = request.action.split(':');
  const allowed = new Set((await allowedContextKeysForRequest(service!, request.action.split(':')[1]!, request.resource, false, undefined)).map((k) => k.toLowerCase()));
  const context = Object.fromEntries(Object.entries(request.context).filter(([key]) => allowed.has(key.toLowerCase())));
  const sim: Simulation = {
    request: { principal: request.principal, action: request.action, resource: { resource: request.resource, accountId: ACCOUNT_ID }, contextVariables: context },
    identityPolicies: request.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  };
  const response = await runSimulation(sim, {});
  if (response.resultType === 'error') throw new Error(`IAM evaluation of ${request.action} on ${request.resource} failed: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== 'single') throw new Error(`expected a single result for ${request.resource}, got ${response.resultType}`);
  return response.overallResult;
}

export interface CrossAccountRequest {
  /** The caller: a role (or role session) ARN, in its own account. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** The account owning `resource` (for S3, the bucket's account: its ARN does not say). */
  readonly resourceAccount: string;
  readonly context?: Record<string, string>;
}

/**
 * Cross-account access, both sides: the caller's identity policy (in the caller's account) and
 * the resource's policy (in `resourceAccount`). When the accounts differ IAM allows only what
 * both allow; when they are equal either suffices. Context keys are validated as in
 * {@link identityDecision}, unless `allowCustomContextKeys` (keys the catalogue names only by
 * pattern, such as `kms:EncryptionContext:aws:s3:arn`; see {@link simulate}).
 */
export function crossAccountDecision(identityPolicy: PolicyDocument | undefined, resourcePolicy: PolicyDocument, request: CrossAccountRequest, allowCustomContextKeys = false): Promise<Decision> {
  return simulate(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: { ...request.context },
      },
      identityPolicies: identityPolicy ? [{ name: 'identity', policy: identityPolicy }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    allowCustomContextKeys,
  );
}
