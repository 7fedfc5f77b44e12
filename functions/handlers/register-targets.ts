import type { TargetsResult } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { registerTargets } from '../resources/targets';

/**
 * RegisterTargets: control planes into the API target group, workers into the ingress target groups.
 * Needs running instances only (not an active NLB); throws ResourceNotReady while a node is pending so
 * the state machine retries.
 */
export const handler = createStepHandler('register-targets', async ({ state, plan, clients }): Promise<TargetsResult> => {
  if (!state.nodes?.length) throw new WorkflowContractError('state.nodes: missing; RegisterTargets runs after LaunchNodes');
  if (!state.loadBalancer) throw new WorkflowContractError('state.loadBalancer: missing; RegisterTargets runs after CreateLoadBalancer');
  return registerTargets(clients, plan, state.loadBalancer.targetGroupArns, state.nodes);
});
