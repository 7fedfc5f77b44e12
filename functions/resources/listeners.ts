import {
  CreateListenerCommand,
  DeleteListenerCommand,
  paginateDescribeListeners,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws, NotYetVisible, ResourceConflict, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { elbTags } from './elb-owned';
import { describeAll, goneAs, wasDeleted } from './owned';

/**
 * The NLB's TCP listeners (docs/design.md "1.1 Topology and defaults"): 6443 → the `api` target group (control planes), and each ingress
 * port → its `ingress-<port>` target group (workers' NodePorts). Listeners live and die with their NLB, so
 * they are found through it rather than by tag.
 */

/** Every listener of a load balancer (DescribeListeners pages with Marker). */
function listListeners(clients: AwsClients, loadBalancerArn: string): Promise<Listener[]> {
  return describeAll(
    'DescribeListeners',
    () => paginateDescribeListeners({ client: clients.elbv2 }, { LoadBalancerArn: loadBalancerArn }),
    (page) => page.Listeners,
  );
}

/** The one target group a TCP listener forwards to; AWS echoes it as TargetGroupArn and in ForwardConfig. */
function forwardTarget(listener: Listener): string | undefined {
  const action = listener.DefaultActions?.find((a) => a.Type === 'forward');
  return action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
}

/**
 * Creates the listeners the plan lays out, skipping those that already forward to the right target group.
 * The NLB need not be active for this. CreateListener is idempotent for the same port and settings, so a
 * retry after a lost response cannot make a second listener. Returns listener port → ARN.
 */
export async function ensureListeners(
  clients: AwsClients,
  loadBalancerArn: string,
  plan: Plan,
  targetGroupArns: Record<string, string>,
): Promise<Record<string, string>> {
  const existing = await listListeners(clients, loadBalancerArn);
  const listenerArns: Record<string, string> = {};
  for (const tg of plan.targetGroups) {
    const targetGroupArn = targetGroupArns[tg.key];
    if (!targetGroupArn)
      throw new WorkflowContractError(`target group ${tg.key} has no ARN; CreateLoadBalancer ensures target groups before listeners`);
    const current = existing.find((l) => l.Port === tg.listenerPort);
    if (current?.ListenerArn) {
      const forwardsTo = forwardTarget(current);
      if (forwardsTo !== targetGroupArn) {
        // Someone re-pointed our listener; changing live traffic behind their back is not ours to decide.
        throw new ResourceConflict(
          `listener ${tg.listenerPort} of ${loadBalancerArn} forwards to ${forwardsTo ?? 'no target group'}, not ${targetGroupArn} (${tg.key}); ` +
            'delete that listener or tear the build down',
          { details: { listenerArn: current.ListenerArn, port: tg.listenerPort } },
        );
      }
      listenerArns[String(tg.listenerPort)] = current.ListenerArn;
      continue;
    }
    const out = await aws('CreateListener', () =>
      clients.elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'TCP',
          Port: tg.listenerPort,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
          // Tagged on create like everything else, so IAM conditions on our tags also cover listeners.
          Tags: elbTags(plan.loadBalancer.tags),
        }),
      ),
    );
    const listenerArn = out.Listeners?.[0]?.ListenerArn;
    if (!listenerArn) throw new NotYetVisible(`CreateListener: no listener returned for port ${tg.listenerPort}`);
    listenerArns[String(tg.listenerPort)] = listenerArn;
  }
  return listenerArns;
}

/**
 * Deletes every listener of the load balancer. A load balancer or listener already gone is success.
 * Returns the listener ARNs deleted.
 */
export async function deleteListeners(clients: AwsClients, loadBalancerArn: string): Promise<string[]> {
  const listeners = await goneAs([], 'DescribeListeners', () => listListeners(clients, loadBalancerArn));
  const deleted: string[] = [];
  for (const { ListenerArn } of listeners) {
    if (ListenerArn && (await wasDeleted('DeleteListener', () => clients.elbv2.send(new DeleteListenerCommand({ ListenerArn })))))
      deleted.push(ListenerArn);
  }
  return deleted;
}
