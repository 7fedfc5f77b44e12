import { paginateDescribeListeners, type Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan } from '../core/plan';
import { describeLoadBalancerView } from '../resources/baseline';
import { CROSS_ZONE_ATTRIBUTE } from '../resources/load-balancer';
import { describeAll, goneAs } from '../resources/owned';
import type { Drift } from './contracts';
import { drift, gone, label, unlessEqual } from './drift-format';
import { findTargetGroups, targetGroupDrift, type FoundTargetGroup } from './drift-target-groups';

/**
 * The NLB (docs/design.md "1.1 Topology and defaults"): still there, with the NLB security group, in the private subnets'
 * zones, cross-zone as planned, and exactly one TCP listener per planned target group forwarding to it; then its target groups
 * (drift-target-groups.ts), which are looked at even when the NLB is gone (they outlive it). It is read by the ARN
 * the build recorded, whose scheme (internal) and type AWS never changes: those cannot drift, so they are not read.
 */

/** `TCP 6443 → fin-k8s-dev-tg-6443`: the target group by name when it is the build's, else whatever the listener does. */
function listenerText(listener: Listener, nameOfArn: Map<string, string>): string {
  const action = listener.DefaultActions?.[0];
  const arn = action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
  const target = arn ? (nameOfArn.get(arn) ?? arn) : (action?.Type ?? 'no action');
  return `${listener.Protocol} ${listener.Port} → ${target}`;
}

function listenerDrift(resource: string, found: FoundTargetGroup[], listeners: Listener[]): Drift[] {
  const nameOfArn = new Map(
    found.flatMap(({ plan, group }) => (group?.TargetGroupArn ? [[group.TargetGroupArn, plan.name] as const] : [])),
  );
  const planned = new Set(found.map(({ plan }) => plan.listenerPort));
  const actualOn = (port: number) => listeners.find((listener) => listener.Port === port);
  const extra = listeners.filter((listener) => !planned.has(listener.Port ?? -1)).sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0));
  return [
    ...found.flatMap(({ plan }) => {
      const listener = actualOn(plan.listenerPort);
      return unlessEqual(
        resource,
        `listener ${plan.listenerPort}`,
        `TCP ${plan.listenerPort} → ${plan.name}`,
        listener ? listenerText(listener, nameOfArn) : null,
      );
    }),
    ...extra.map((listener) => drift(resource, `listener ${listener.Port}`, null, listenerText(listener, nameOfArn))),
  ];
}

export async function loadBalancerDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const arn = outputs.loadBalancer.arn;
  const resource = label('load-balancer', plan.loadBalancer.name);
  const [view, listeners, found] = await Promise.all([
    goneAs(undefined, 'DescribeLoadBalancers', () => describeLoadBalancerView(clients, arn)),
    goneAs([], 'DescribeListeners', () =>
      describeAll(
        'DescribeListeners',
        () => paginateDescribeListeners({ client: clients.elbv2 }, { LoadBalancerArn: arn }),
        (page) => page.Listeners,
      ),
    ),
    findTargetGroups(clients, plan),
  ]);
  const crossZone = view?.attributes[CROSS_ZONE_ATTRIBUTE];
  const own = view
    ? [
        ...unlessEqual(resource, 'crossZone', plan.loadBalancer.crossZone, crossZone === undefined ? null : crossZone === 'true'),
        ...unlessEqual(resource, 'securityGroups', [outputs.securityGroupIds.nlb], [...view.securityGroups].sort()),
        // One subnet mapping per private subnet; an NLB's zones can be enabled or disabled at any time (SetSubnets).
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/availability-zones.html
        ...unlessEqual(resource, 'zones', Object.keys(outputs.subnetIds.private).sort(), [...view.availabilityZones].sort()),
        ...listenerDrift(resource, found, listeners),
      ]
    : [gone(resource)];
  return [...own, ...(await targetGroupDrift(clients, outputs, found))];
}
