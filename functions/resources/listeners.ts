import { CreateListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, NotYetVisible, ResourceConflict, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { elbTags } from './elb-owned';

/**
 * The NLB's TCP listeners (docs/design.md "1.1 Topology and defaults"): 6443 → the `api` target group (control planes), and each ingress
 * port → its `ingress-<port>` target group (workers' NodePorts). Listeners live and die with their NLB, so
 * they are known through it rather than by tag, and the teardown never deletes one: "Deleting a load balancer also
 * deletes its listeners" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html).
 */

/**
 * Creates the listeners the plan lays out, or gets back the ones an earlier attempt created. The NLB need not
 * be active for this. No listing comes first (docs/design.md "13.2 Build steps: fewer calls"): CreateListener
 * is idempotent, "If you attempt to create multiple listeners with the same settings, each call succeeds"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html), and answers
 * with the existing listener, so a retry after a lost response cannot make a second one. A listener on the port
 * with other settings (re-pointed by someone to another target group) is DuplicateListener: a ResourceConflict,
 * since changing live traffic behind their back is not ours to decide. Returns listener port → ARN.
 */
export async function ensureListeners(
  clients: AwsClients,
  loadBalancerArn: string,
  plan: Plan,
  targetGroupArns: Record<string, string>,
): Promise<Record<string, string>> {
  const listenerArns: Record<string, string> = {};
  for (const tg of plan.targetGroups) {
    const targetGroupArn = targetGroupArns[tg.key];
    if (!targetGroupArn)
      throw new WorkflowContractError(`target group ${tg.key} has no ARN; CreateLoadBalancer ensures target groups before listeners`);
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
    ).catch((error: unknown) => {
      if (codeOf(error) !== 'DuplicateListener') throw error;
      throw new ResourceConflict(
        `listener ${tg.listenerPort} of ${loadBalancerArn} exists with other settings than TCP forwarding to ${targetGroupArn} (${tg.key}); ` +
          'delete that listener or tear the build down',
        { cause: error, details: { port: tg.listenerPort } },
      );
    });
    const listenerArn = out.Listeners?.[0]?.ListenerArn;
    if (!listenerArn) throw new NotYetVisible(`CreateListener: no listener returned for port ${tg.listenerPort}`);
    listenerArns[String(tg.listenerPort)] = listenerArn;
  }
  return listenerArns;
}
