import type { TargetsResult } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { registerTargets } from '../resources/targets';

/**
 * RegisterTargets: control planes into the API target group, workers into the ingress target groups, by the
 * instance ids in `$.nodes`. It runs after the readiness loop (WaitUntilReady ⟲ ExpectReady), so every node
 * is running, as ELBv2 requires, and nothing is described first: one RegisterTargets per target group. Its
 * success is the build's proof of registration; readiness no longer checks it.
 */
export const handler = createStepHandler('register-targets', async ({ state, plan, clients }): Promise<TargetsResult> => {
  if (!state.nodes?.length) throw new WorkflowContractError('state.nodes: missing; RegisterTargets runs after LaunchNodes');
  if (!state.loadBalancer) throw new WorkflowContractError('state.loadBalancer: missing; RegisterTargets runs after CreateLoadBalancer');
  return registerTargets(clients, plan, state.loadBalancer.targetGroupArns, state.nodes);
});
