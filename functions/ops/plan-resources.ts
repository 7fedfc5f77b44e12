import type { Plan, SubnetPlan, TargetGroupPlan } from '../core/plan';
import type { IngressRule, SecurityGroupPlan } from '../core/ports';
import type { Tags } from '../core/tags';
import type { PlannedResource } from './contracts';
import { plannedRuleText } from './rule-text';

/**
 * Every resource a build makes, in the order it makes them (docs/design.md "12.1 Plan"): the step that creates
 * each, its name, zone, CIDR, rules, listeners and tags — read from the same Plan the steps build from, so
 * the list cannot disagree with the build. Parts AWS makes with their parent are shown with it, not apart:
 * an instance's root volume and network interface (tagged by the same RunInstances), a group's rules (each
 * tagged `security-group-rule`), routes (inside their table), target registrations (inside their group).
 */
export function planResources(plan: Plan): PlannedResource[] {
  return [
    ...networkResources(plan),
    ...nodeResources(plan),
    ...loadBalancerResources(plan),
    ...bastionResources(plan),
    ...connectionResources(plan),
  ];
}

/** `type → count` and the total, for the summary line. */
export function planSummary(resources: readonly PlannedResource[]): { create: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return { create: resources.length, byType };
}

const resource = (step: string, type: string, name: string, tags: Tags, extra: Partial<PlannedResource> = {}): PlannedResource => ({
  step,
  type,
  name,
  ...extra,
  tags,
});

function networkResources(plan: Plan): PlannedResource[] {
  const step = 'CreateNetwork';
  const subnet = (s: SubnetPlan, detail: string) => resource(step, 'subnet', s.name, s.tags, { zone: s.az, cidr: s.cidr, detail });
  const natOf = (az: string) => plan.natGateways.find((n) => n.zones.includes(az));
  const transitRoutes = plan.transitGateway?.routes.map((cidr) => `${cidr} → transit gateway ${plan.transitGateway?.id}`) ?? [];
  return [
    resource(step, 'vpc', plan.vpc.name, plan.vpc.tags, { cidr: plan.vpc.cidr, detail: 'DNS support and hostnames on' }),
    ...(plan.internetGateway ? [resource(step, 'internet-gateway', plan.internetGateway.name, plan.internetGateway.tags)] : []),
    ...plan.privateSubnets.map((s) => subnet(s, 'private: no public IPs')),
    ...plan.publicSubnets.map((s) => subnet(s, 'public')),
    ...plan.routeTables.private.map((table) => {
      const nat = natOf(table.zones[0]);
      const routes = [...(nat ? [`0.0.0.0/0 → ${nat.name}`] : []), ...transitRoutes];
      return resource(step, 'route-table', table.name, table.tags, {
        detail: `private subnets in ${table.zones.join(', ')}; ${routes.length ? routes.join(', ') : 'local routes only (no way out)'}`,
      });
    }),
    ...(plan.routeTables.public
      ? [
          resource(step, 'route-table', plan.routeTables.public.name, plan.routeTables.public.tags, {
            detail: ['public subnets; 0.0.0.0/0 → ' + (plan.internetGateway?.name ?? 'internet gateway'), ...transitRoutes].join(', '),
          }),
        ]
      : []),
    ...Object.values(plan.securityGroups)
      .filter((g): g is SecurityGroupPlan => Boolean(g))
      .map((g) =>
        resource(step, 'security-group', g.name, g.tags, { detail: g.description, rules: g.ingress.map((r) => ruleLine(r, plan)) }),
      ),
  ];
}

/** `tcp 6443 from sg fin-k8s-dev-nlb-sg — Kubernetes API server from nlb`, as a person reads a rule. */
export function ruleLine(rule: IngressRule, plan: Plan): string {
  return `${plannedRuleText(rule, plan, (name) => `sg ${name}`)} — ${rule.description}`;
}

function nodeResources(plan: Plan): PlannedResource[] {
  const step = 'LaunchNodes';
  const profile = plan.instanceProfile;
  return [
    // The role and its instance profile share one name; the profile is what the instances carry.
    ...(profile
      ? [
          resource(step, 'role', profile.name, profile.tags, { detail: `IAM path ${profile.path}; AmazonSSMManagedInstanceCore attached` }),
          resource(step, 'instance-profile', profile.name, profile.tags, {
            detail: `IAM path ${profile.path}; holds role ${profile.name}`,
          }),
        ]
      : []),
    ...plan.nodes.map((node) =>
      resource(step, 'instance', node.name, node.tags, {
        zone: node.az,
        instanceType: node.instanceTypes[0],
        detail: [
          `${node.role}, RHEL 8, IMDSv2 required, no public IP`,
          node.instanceTypes.length > 1 ? `falls back to ${node.instanceTypes.slice(1).join(', ')} on InsufficientInstanceCapacity` : '',
          profile ? `instance profile ${profile.name}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      }),
    ),
  ];
}

function loadBalancerResources(plan: Plan): PlannedResource[] {
  const step = 'CreateLoadBalancer';
  const lb = plan.loadBalancer;
  const listener = (tg: TargetGroupPlan) => `TCP ${tg.listenerPort} → ${tg.targetRole} nodes :${tg.targetPort} (${tg.name})`;
  return [
    resource(step, 'loadbalancer', lb.name, lb.tags, {
      detail: `network, internal, cross-zone ${lb.crossZone ? 'on' : 'off'}, subnets in ${plan.privateSubnets.map((s) => s.az).join(', ')}`,
      listeners: plan.targetGroups.map(listener),
    }),
    ...plan.targetGroups.map((tg) =>
      resource(step, 'targetgroup', tg.name, tg.tags, {
        detail: `TCP :${tg.targetPort}, instance targets: the ${tg.targetRole} nodes (registered by RegisterTargets); client IP preservation ${tg.preserveClientIp ? 'on' : 'off'}`,
      }),
    ),
    // Listeners carry the load balancer's tags (so IAM conditions on our tags cover them too).
    ...plan.targetGroups.map((tg) => resource(step, 'listener', `${lb.name}:${tg.listenerPort}`, lb.tags, { detail: listener(tg) })),
  ];
}

function bastionResources(plan: Plan): PlannedResource[] {
  if (!plan.spec.bastion.enabled) return [];
  const step = 'LaunchBastion';
  const b = plan.bastion;
  return [
    resource(step, 'elastic-ip', b.addressTags.Name ?? `${b.name}-eip`, b.addressTags, { zone: b.az, detail: `public IPv4 of ${b.name}` }),
    resource(step, 'instance', b.name, b.tags, {
      zone: b.az,
      instanceType: b.instanceType,
      detail: `SSH bastion, RHEL 8, IMDSv2 required; SSH from ${plan.spec.bastion.allowedSshCidrs.join(', ')}`,
    }),
  ];
}

function connectionResources(plan: Plan): PlannedResource[] {
  const step = 'ConnectNetwork';
  return [
    ...plan.natGateways.flatMap((nat) => [
      resource(step, 'elastic-ip', nat.addressTags.Name ?? `${nat.name}-eip`, nat.addressTags, {
        zone: nat.az,
        detail: `public IPv4 of ${nat.name}`,
      }),
      resource(step, 'natgateway', nat.name, nat.tags, { zone: nat.az, detail: `egress for private subnets in ${nat.zones.join(', ')}` }),
    ]),
    ...plan.endpoints.map((e) =>
      resource(step, 'vpc-endpoint', e.name, e.tags, {
        detail:
          e.type === 'Gateway'
            ? `${e.serviceName}, gateway endpoint on the private route tables`
            : `${e.serviceName}, interface endpoint in ${plan.privateSubnets.map((s) => s.az).join(', ')}, private DNS on`,
      }),
    ),
    ...(plan.transitGateway
      ? [
          resource(step, 'transit-gateway-attachment', plan.transitGateway.attachment.name, plan.transitGateway.attachment.tags, {
            detail: `VPC attachment to ${plan.transitGateway.id}, one private subnet per zone; routes ${plan.transitGateway.routes.join(', ')}`,
          }),
        ]
      : []),
  ];
}
