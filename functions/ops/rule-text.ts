import type { Plan } from '../core/plan';
import type { IngressRule } from '../core/ports';

/**
 * A security-group rule as text, one rendering for the plan (plan-resources.ts) and the drift check
 * (drift-security-groups.ts): drift compares the planned rules with AWS's as these strings, so the two must not
 * drift apart in wording.
 */

/** `tcp 6443`, `tcp 2379-2380`, `udp 4789`, `all` (protocol -1), `icmp` (every type). */
export function portsText(protocol: string, fromPort?: number, toPort?: number): string {
  if (protocol === '-1') return 'all';
  if (fromPort === undefined || fromPort === -1) return protocol;
  return fromPort === toPort ? `${protocol} ${fromPort}` : `${protocol} ${fromPort}-${toPort}`;
}

/** `tcp 22 from 0.0.0.0/0`, `all to 0.0.0.0/0`: protocol, ports, direction and peer. */
export function ruleText(
  protocol: string,
  fromPort: number | undefined,
  toPort: number | undefined,
  direction: 'from' | 'to',
  peer: string,
) {
  return `${portsText(protocol, fromPort, toPort)} ${direction} ${peer}`;
}

/**
 * A planned inbound rule, `tcp 6443 from fin-k8s-dev-nlb-sg`: a group source by its planned name, which `groupPeer`
 * may dress (the plan writes `sg <name>`).
 */
export function plannedRuleText(rule: IngressRule, plan: Plan, groupPeer = (name: string) => name): string {
  const peer = 'cidr' in rule.source ? rule.source.cidr : groupPeer(plan.securityGroups[rule.source.group]?.name ?? rule.source.group);
  return ruleText(rule.protocol, rule.fromPort, rule.toPort, 'from', peer);
}
