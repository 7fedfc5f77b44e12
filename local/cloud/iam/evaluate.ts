/**
 * Policy evaluation, by a maintained evaluator (@cloud-copilot/iam-simulate, which also checks each ARN
 * against the action's resource types and each condition key's type from the Service Authorization
 * Reference data), never by hand. A request is allowed only if every one of its authorisations is: AWS
 * evaluates a multi-resource action (RunInstances…) once per resource, and the permissions it checks
 * besides the action (infra/dependent-permissions.ts) as further authorisations.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AuthorizationRequest } from '../contract';
import type { Principal } from './principals';

export interface Denial {
  request: AuthorizationRequest;
  /** An explicit Deny statement matched (we write none, but the evaluator tells). */
  explicit: boolean;
}

/**
 * Actions whose Service Authorization Reference rows the evaluator's data merges from ELB v1 and v2 under one
 * prefix, keeping v1's resource types only (AddTags/RemoveTags know just `loadbalancer/<name>`): for these
 * the validated evaluation refuses a v2 target group or listener ARN as "no.resource.types", so they are
 * evaluated without input validation. Everything else is validated.
 */
const UNVALIDATED_ACTIONS = new Set(['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags']);

export class PolicyEvaluator {
  /** Decisions by principal, policy and request: the same poll asks the same questions every few seconds. */
  private readonly decisions = new Map<string, Promise<'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied'>>();

  constructor(private readonly accountId: string) {}

  /** The first authorisation the principal's policy does not allow, or undefined when all are allowed. */
  async firstDenial(principal: Principal, requests: AuthorizationRequest[]): Promise<Denial | undefined> {
    if (!principal.policy) return undefined;
    for (const request of requests) {
      const result = await this.decide(principal, request);
      if (result !== 'Allowed') return { request, explicit: result === 'ExplicitlyDenied' };
    }
    return undefined;
  }

  private decide(principal: Principal, request: AuthorizationRequest) {
    const key = JSON.stringify([
      principal.arn,
      principal.policy,
      request.action,
      request.resource,
      request.context,
      request.resourcePolicy,
    ]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.simulate(principal, request);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private async simulate(principal: Principal, request: AuthorizationRequest) {
    const simulation: Simulation = {
      identityPolicies: [{ name: 'role-policy', policy: principal.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy && { resourcePolicy: request.resourcePolicy }),
      request: {
        action: request.action,
        principal: principal.arn,
        resource: { resource: request.resource, accountId: this.accountId },
        contextVariables: request.context,
      },
    };
    if (UNVALIDATED_ACTIONS.has(request.action)) return runUnsafeSimulation(simulation, {});
    const outcome = await runSimulation(simulation, {});
    if (outcome.resultType === 'error') {
      // Our request model named a resource or key that AWS does not have for this action: a cloud bug.
      throw new Error(`IAM model error for ${request.action} on ${request.resource}: ${JSON.stringify(outcome.errors)}`);
    }
    return outcome.overallResult;
  }
}
