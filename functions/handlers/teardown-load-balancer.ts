import { carriedConnections, carriedNetwork } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { deleteConnections } from '../resources/connections';
import { deleteLoadBalancer } from '../resources/load-balancer';

const STEP = 'teardown-load-balancer';

/**
 * Removes the load balancer part of a build: the NLB (its listeners go with it) and its target groups, found by
 * name and kept only when their tags carry our build id, never taken from state: a rollback after a mid-build
 * failure may carry no ids. Repeatable: what is gone is skipped. Then it starts the deletes of the network's
 * connections (NAT gateways, endpoints, the Transit Gateway attachment) without waiting for them.
 *
 * It records when it deleted the NLB and when the connections' deletes were under way: the NLB's interfaces
 * linger about a minute in our subnets, the connections take about as long, and TerminateInstances turns these
 * times into one wait before DeleteNetwork instead of polls (docs/design.md "13.4 Teardown: fewer calls, one wait").
 */
export const handler = createStepHandler(STEP, async ({ state, plan, clients, clock }): Promise<TeardownResult> => {
  // Each time is read once its calls have returned, never earlier than AWS's own, so the wait is not short. The
  // connections go first: were a later call to fail, the run again finds them `deleting` and still records a time.
  // An NLB deleted by a failed run (ResourceInUse on a target group right after, the usual case) is not found
  // again; its target groups, still there, tell the retry it went moments ago, and it records its own time
  // (resources/load-balancer.ts deleteLoadBalancer).
  const connections = await deleteConnections(clients, plan, carriedNetwork(state), carriedConnections(state));
  const connectionsDeletedAt = new Date(clock.now()).toISOString();
  const loadBalancer = await deleteLoadBalancer(clients, plan);
  return {
    step: STEP,
    deleted: [...loadBalancer.deleted, ...connections.deleted],
    ...(loadBalancer.loadBalancerDeleted && { loadBalancerDeletedAt: new Date(clock.now()).toISOString() }),
    ...(connections.pending.length > 0 && { connectionsDeletedAt }),
  };
});
