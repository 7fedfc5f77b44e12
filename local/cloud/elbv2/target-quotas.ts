/**
 * A Network Load Balancer's target quotas, https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html
 * - cross-zone load balancing on: at most 500 targets per load balancer, whatever the number of zones;
 * - off: at most 500 targets per Availability Zone, and 3,000 per load balancer;
 * - "If a target is registered with N target groups, it counts as N targets toward this limit."
 * They bind when registrations reach a load balancer: RegisterTargets into a group behind one, or
 * CreateListener putting a group that holds targets behind one. AWS refuses with TooManyTargets ("You've
 * reached the limit on the number of targets"), https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html
 */
import { CloudError } from '../contract';
import { Ctx, lbArnsOfTg, LoadBalancerRec } from './store';

export const MAX_TARGETS_PER_NLB_CROSS_ZONE = 500;
export const MAX_TARGETS_PER_ZONE_PER_NLB = 500;
export const MAX_TARGETS_PER_NLB = 3000;

const tooManyTargets = (detail: string) =>
  new CloudError('TooManyTargets', `You've reached the limit on the number of targets: ${detail}`, 400);

/** The zone of every registration the load balancer already serves (terminated instances no longer count). */
function registeredZones(ctx: Ctx, lb: LoadBalancerRec): string[] {
  const zones: string[] = [];
  for (const tg of ctx.state.targetGroups.values()) {
    if (!lbArnsOfTg(ctx, tg.arn).includes(lb.arn)) continue;
    for (const t of tg.targets.values()) {
      const instance = ctx.deps.ec2.instance(t.id);
      if (instance && instance.state !== 'terminated') zones.push(instance.availabilityZone);
    }
  }
  return zones;
}

/** Throws TooManyTargets if registering `instanceIds` (one registration each) would break a quota of `lbArn`. */
export function requireRoomForTargets(ctx: Ctx, lbArn: string, instanceIds: string[]): void {
  const lb = ctx.state.loadBalancers.get(lbArn);
  if (!lb || instanceIds.length === 0) return;
  const zones = [...registeredZones(ctx, lb), ...instanceIds.map((id) => ctx.deps.ec2.instance(id)?.availabilityZone ?? '')];
  if (lb.attributes.get('load_balancing.cross_zone.enabled') === 'true') {
    if (zones.length > MAX_TARGETS_PER_NLB_CROSS_ZONE) {
      throw tooManyTargets(
        `${zones.length} targets on load balancer '${lb.name}' with cross-zone load balancing on (at most ${MAX_TARGETS_PER_NLB_CROSS_ZONE})`,
      );
    }
    return;
  }
  if (zones.length > MAX_TARGETS_PER_NLB)
    throw tooManyTargets(`${zones.length} targets on load balancer '${lb.name}' (at most ${MAX_TARGETS_PER_NLB})`);
  const perZone = new Map<string, number>();
  for (const zone of zones) perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
  for (const [zone, count] of perZone) {
    if (count > MAX_TARGETS_PER_ZONE_PER_NLB) {
      throw tooManyTargets(`${count} targets in ${zone} on load balancer '${lb.name}' (at most ${MAX_TARGETS_PER_ZONE_PER_NLB} per zone)`);
    }
  }
}
