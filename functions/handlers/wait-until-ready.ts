import type { NodeRecord, ReadinessResult } from '../core/contracts';
import { WorkflowContractError, NotYetVisible, ResourceNotReady } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { associateBastionAddress } from '../resources/bastion';
import { describeStatusChecks, statusChecksPassed } from '../resources/instance-status';
import { describeNodes } from '../resources/instances';
import { describeLoadBalancer } from '../resources/load-balancer';
import { describeTargets } from '../resources/targets';

/**
 * One readiness check, never a wait: throws ResourceNotReady (listing everything still pending) until all
 * nodes and the bastion run with both status checks ok, the NLB is active, every node is registered with
 * its target groups and the bastion's Elastic IP is associated. The state machine's Retry does the waiting.
 */
export const handler = createStepHandler('wait-until-ready', async ({ state, plan, clients, logger }): Promise<ReadinessResult> => {
  if (!state.loadBalancer || !state.nodes)
    throw new WorkflowContractError('wait-until-ready needs $.nodes and $.loadBalancer from the earlier steps');
  const pending: string[] = [];

  const nodes = await describeNodes(clients, plan.buildId);
  const missing = plan.nodes.filter((p) => !nodes.some((n) => n.name === p.name)).map((p) => p.name);
  if (missing.length) pending.push(`nodes not visible yet: ${missing.join(', ')}`);

  let bastion: ReadinessResult['bastion'] | undefined;
  if (plan.spec.bastion.enabled) {
    try {
      bastion = await associateBastionAddress(clients, plan.buildId, state.bastion);
    } catch (error) {
      if (!(error instanceof ResourceNotReady || error instanceof NotYetVisible)) throw error;
      pending.push((error as Error).message);
    }
  }

  const ids = [...nodes.map((n) => n.instanceId), ...(bastion ? [bastion.instanceId] : [])];
  const checks = await describeStatusChecks(clients, ids);
  for (const id of ids) {
    const c = checks.get(id);
    if (!statusChecksPassed(c)) pending.push(`${id}: ${c ? `${c.state}, system ${c.system}, instance ${c.instance}` : 'no status yet'}`);
  }

  const lb = await describeLoadBalancer(clients, plan);
  if (lb?.state !== 'active') pending.push(`load balancer ${plan.loadBalancer.name} is ${lb?.state ?? 'not visible yet'}`);

  const targets = await describeTargets(clients, state.loadBalancer.targetGroupArns);
  for (const tg of plan.targetGroups) {
    const expected = nodes.filter((n) => n.role === tg.targetRole).map((n) => n.instanceId);
    // Same rule as RegisterTargets: on the target port, and a draining target is on its way out (not registered).
    const registered = new Set(
      (targets[tg.key] ?? []).filter((t) => t.port === tg.targetPort && t.state !== 'draining').map((t) => t.instanceId),
    );
    const unregistered = expected.filter((id) => !registered.has(id));
    if (unregistered.length) pending.push(`${tg.name}: ${unregistered.join(', ')} not registered`);
  }

  if (pending.length > 0 || (plan.spec.bastion.enabled && !bastion) || !lb) {
    throw new ResourceNotReady(`waiting for ${pending.length} thing(s): ${pending.join('; ')}`, { details: { pending } });
  }
  logger.info('build is ready', { nodes: nodes.length, loadBalancer: lb.dnsName });
  const records: NodeRecord[] = nodes
    .map((n) => ({
      name: n.name,
      role: n.role as NodeRecord['role'],
      az: n.az,
      instanceId: n.instanceId,
      instanceType: n.instanceType,
      privateIp: n.privateIp,
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return { nodes: records, ...(bastion && { bastion }), loadBalancerState: lb.state };
});
