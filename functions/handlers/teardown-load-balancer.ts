import { carriedConnections, carriedNetwork } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { deleteConnections } from '../resources/connections';
import { createStepHandler } from '../core/step-handler';
import { deleteListeners } from '../resources/listeners';
import { deleteLoadBalancer, describeLoadBalancer } from '../resources/load-balancer';
import { deleteTargetGroups } from '../resources/target-groups';

const STEP = 'teardown-load-balancer';

/**
 * Removes the load balancer part of a build: listeners → target groups → load balancer (a target group
 * cannot go while a listener forwards to it). Everything is found by name and our tags, never taken from
 * state: a rollback after a mid-build failure may carry no IDs. Repeatable: what is gone is skipped.
 * Then it starts the deletes of the network's connections (NAT gateways, endpoints, the Transit Gateway
 * attachment) without waiting for them: each takes about a minute, which then passes while the NLB's
 * interfaces linger and the instances terminate; DeleteNetwork waits for them (resources/connections.ts).
 */
export const handler = createStepHandler(STEP, async ({ state, plan, clients }): Promise<TeardownResult> => {
  const deleted: string[] = [];
  const loadBalancer = await describeLoadBalancer(clients, plan);
  if (loadBalancer) deleted.push(...(await deleteListeners(clients, loadBalancer.loadBalancerArn)));
  deleted.push(...(await deleteTargetGroups(clients, plan)));
  deleted.push(...(await deleteLoadBalancer(clients, plan)));
  deleted.push(...(await deleteConnections(clients, plan, carriedNetwork(state), carriedConnections(state), { wait: false })));
  return { step: STEP, deleted };
});
