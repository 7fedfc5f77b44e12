import { deploymentOf, type Machines } from '../api/executions';
import type { AwsClients } from '../core/clients';
import { plan, type Plan } from '../core/plan';
import type { BuildSpec, BuildSpecInput, EgressMode } from '../core/spec';
import { API_SERVER_PORT } from '../core/spec-rules';
import { parseSpecShape } from '../core/spec';
import { findTaggedResources, type FoundResource } from './inventory';
import { judgedHere } from './orphans';
import { readBuildFacts, type BuildFacts } from './sweep-spec-facts';

/**
 * The teardown workflow's input for a build known only by its tags (docs/design.md "12.4 Orphans and the
 * sweep"): its execution history may be gone, so the spec is rebuilt from what the tagged resources say. The
 * teardown finds almost everything by tag (instances, addresses, NAT gateways, endpoints, the attachment,
 * route tables, groups, subnets, the VPC); what it needs from the spec is
 * - the names it deletes by: the NLB (`<name>-nlb`), the target groups (`<name>-tg-<port>`, so the ingress
 *   ports), the nodes' instance profile (`<name>-ssm-<hash of the build id>`, only with `bastion.enabled: false`);
 * - which connections to look for at all: NAT gateways (`egress` not `none`), endpoints (`endpoints` not
 *   empty), the attachment and the routes to remove first (`transitGateway`).
 * Every other field is its default, or what AWS says where it is cheap to read (zones, VPC CIDR, NodePorts,
 * the bastion's SSH sources); the teardown never reads those.
 */

/**
 * Why no teardown can be started from the tags (409 CANNOT_SWEEP): resources the rebuilt spec's teardown would not
 * delete (found by a name the plan does not give, or of a kind it never deletes), or a rebuilt spec the spec's
 * shape refuses.
 */
export class SweepBlocked extends Error {
  constructor(
    readonly uncovered: FoundResource[],
    reason = cannotRemove(uncovered),
  ) {
    super(reason);
    this.name = 'SweepBlocked';
  }
}

/**
 * Kinds the teardown removes only by terminating the instance they are attached to (DeleteOnTermination): the
 * inventory lists them only once detached (functions/ops/inventory.ts), and the teardown never deletes those.
 */
const DELETED_WITH_INSTANCE: ReadonlySet<string> = new Set(['volume', 'network-interface']);

function cannotRemove(uncovered: FoundResource[]): string {
  const detached = uncovered.filter((r) => DELETED_WITH_INSTANCE.has(r.type));
  const other = uncovered.filter((r) => !DELETED_WITH_INSTANCE.has(r.type));
  const why = [
    ...(detached.length
      ? [
          `the teardown cannot remove the detached ${detached.map((r) => `${r.type} ${r.id}${r.name ? ` (${r.name})` : ''}`).join(', ')}: ` +
            'it deletes volumes and network interfaces only with the instance they are attached to (snapshot a volume first if its data matters)',
        ]
      : []),
    ...(other.length
      ? [
          `the teardown cannot remove ${other.map((r) => `${r.type} ${r.name ?? r.id}`).join(', ')}: ` +
            'their names or kinds are not those a build makes',
        ]
      : []),
  ];
  return `${why.join('; ')}; delete them by hand, then sweep again`;
}

/** Kinds the teardown deletes by tag (docs/design.md "8. Teardown order"). */
const DELETED_BY_TAG: ReadonlySet<string> = new Set([
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'elastic-ip',
  'natgateway',
  'vpc-endpoint',
  'transit-gateway-attachment',
]);

/**
 * Routes to remove before the attachment goes when the build's tables route nothing to the gateway any more: the
 * spec needs at least one, and DeleteRoute deletes by destination whatever its target, so it must be one no table
 * of the build has. These are the documentation ranges (RFC 5737): no network routes them.
 */
const UNROUTED = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];

/** NodePorts are 30000–32767 in the spec's shape; the teardown never reads one. */
const NODE_PORT_RANGE = [30000, 32767] as const;

/**
 * The spec to tear a build down with, from its tags; undefined when nothing tagged with the build id is left here.
 * `machines` name this deployment: a build another deployment made is refused (SweepBlocked), and IAM resources
 * (global) of a build in another region are not this region's to remove (functions/ops/orphans.ts judgedHere).
 */
export async function sweepSpecFor(
  clients: AwsClients,
  buildId: string,
  region: string,
  machines: Machines,
): Promise<BuildSpec | undefined> {
  const everywhere = await findTaggedResources(clients, buildId);
  const foreign = everywhere.find((r) => r.deployment && r.deployment !== deploymentOf(machines));
  if (foreign)
    throw new SweepBlocked(
      [],
      `${foreign.type} ${foreign.name ?? foreign.id} was made by deployment "${foreign.deployment}": sweep it from there`,
    );
  const found = everywhere.filter((r) => judgedHere(r, machines));
  if (!found.length) return undefined;
  const name = clusterNameOf(buildId, found);
  const facts = await readBuildFacts(clients, buildId, found);
  const spec = normalised(specInput(name, region, found, facts));
  const uncovered = notCoveredBy(plan(spec, buildId), found);
  if (uncovered.length) throw new SweepBlocked(uncovered);
  return spec;
}

/** The `k8s-ec2:cluster` tag most of the resources carry; without one, the name the build id begins with. */
function clusterNameOf(buildId: string, found: FoundResource[]): string {
  const counts = new Map<string, number>();
  for (const { clusterName } of found) if (clusterName) counts.set(clusterName, (counts.get(clusterName) ?? 0) + 1);
  const [mostCommon] = [...counts].sort((a, b) => b[1] - a[1]);
  // Build ids are `<name>-<yyyymmdd>-<hhmmss>-<4 base36>` or `<name>-k<16 hex>` (functions/api/ids.ts).
  return mostCommon?.[0] ?? buildId.replace(/-(\d{8}-\d{6}-[a-z0-9]{4}|k[0-9a-f]{16})$/, '');
}

function specInput(name: string, region: string, found: FoundResource[], facts: BuildFacts): BuildSpecInput {
  const zones = facts.privateZones.length ? facts.privateZones : facts.publicZones;
  const withoutBastion = found.some((r) => r.role === 'node-instance-profile');
  const transitGateway = facts.transitGatewayId && {
    id: facts.transitGatewayId,
    // Beyond the spec's 20, the rest go with their tables.
    routes: (facts.transitRoutes.length ? facts.transitRoutes : [unrouted(facts.routeDestinations)]).slice(0, 20),
  };
  return {
    name,
    region,
    ...(facts.vpcCidr && { vpcCidr: facts.vpcCidr }),
    ...(zones.length > 0 && { availabilityZones: zones.slice(0, 6) }),
    // The SSH sources are read for a truthful spec; the teardown never reads them.
    bastion: { enabled: !withoutBastion, allowedSshCidrs: withoutBastion ? [] : facts.sshCidrs.slice(0, 20) },
    loadBalancer: { ingress: ingressOf(name, facts.targetGroupPorts) },
    egress: egressOf(found),
    endpoints: [...new Set(facts.endpointServiceNames.map((serviceName) => shortServiceName(serviceName, region)))],
    ...(transitGateway && { transitGateway }),
  };
}

/** Each `<name>-tg-<port>` group but the API server's is an ingress listener; the group's port is its NodePort. */
function ingressOf(name: string, ports: Map<string, number>): Array<{ port: number; nodePort: number }> {
  const pattern = new RegExp(`^${name}-tg-(\\d+)$`);
  const ingress = [...ports].flatMap(([groupName, targetPort]) => {
    const port = Number(pattern.exec(groupName)?.[1]);
    if (!port || port === API_SERVER_PORT) return [];
    const [low, high] = NODE_PORT_RANGE;
    return [{ port, nodePort: Math.min(Math.max(targetPort, low), high) }];
  });
  return ingress.sort((a, b) => a.port - b.port);
}

/** Only whether there is NAT egress matters to the teardown: one gateway (or its address) or more. */
function egressOf(found: FoundResource[]): EgressMode {
  const gateways = found.filter((r) => r.type === 'natgateway').length;
  const addresses = found.filter((r) => r.role === 'nat-eip').length;
  const count = Math.max(gateways, addresses);
  return count === 0 ? 'none' : count === 1 ? 'nat-single' : 'nat-per-az';
}

/** `com.amazonaws.<region>.ecr.dkr` → `ecr.dkr`, as the spec names it. */
function shortServiceName(serviceName: string, region: string): string {
  const prefix = `com.amazonaws.${region}.`;
  return serviceName.startsWith(prefix) ? serviceName.slice(prefix.length) : (serviceName.split('.').pop() ?? serviceName);
}

function unrouted(destinations: string[]): string {
  return UNROUTED.find((cidr) => !destinations.includes(cidr)) ?? UNROUTED[0];
}

/** Where each rebuilt field comes from (by its first segment), so that a refusal says what to fix by hand. */
const REBUILT_FROM: Record<string, string> = {
  name: 'the k8s-ec2:cluster tag',
  endpoints: 'the service names of the VPC endpoints tagged with the build id',
  loadBalancer: 'the target groups tagged with the build id and named <name>-tg-<port>',
  bastion: "the bastion security group's SSH rules",
  transitGateway: "the attachment and the build's routes to the gateway",
};

/** The rebuilt value a shape error names: a string or number as it is, a list by its length. */
function rebuiltValue(input: BuildSpecInput, field: string): string {
  const keys = field.split(/\.|\[(\d+)\]/).filter(Boolean);
  const value = keys.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], input);
  if (Array.isArray(value)) return ` (${value.length} of them)`;
  return typeof value === 'string' || typeof value === 'number' ? ` ${JSON.stringify(value)}` : '';
}

/**
 * The defaults filled in by the spec's shape, which is how a teardown step reads a stored spec (it reads this one
 * back unchanged). What the tags say can exceed the shape (more than 20 endpoints, more than 10 `<name>-tg-*`
 * groups, an endpoint service whose short name the shape refuses): no teardown can start from that spec, so the
 * sweep is refused (SweepBlocked) naming the field, what was rebuilt into it and where that came from.
 */
function normalised(input: BuildSpecInput): BuildSpec {
  const shaped = parseSpecShape(input);
  if (shaped.ok) return shaped.spec;
  const errors = shaped.errors.map((e) => {
    const from = REBUILT_FROM[e.field.split(/[.[]/)[0]] ?? 'the tagged resources';
    return `${e.field}${rebuiltValue(input, e.field)}: ${e.message} (rebuilt from ${from})`;
  });
  throw new SweepBlocked(
    [],
    `the spec rebuilt from the tags is not one a teardown accepts: ${errors.join('; ')}; ` +
      'delete the resources that make it so by hand, then sweep again',
  );
}

/** What the teardown of `buildPlan` would leave: resources found by a name it does not plan, or of a kind it never deletes. */
function notCoveredBy(buildPlan: Plan, found: FoundResource[]): FoundResource[] {
  const byName: Record<string, string[]> = {
    loadbalancer: [buildPlan.loadBalancer.name],
    targetgroup: buildPlan.targetGroups.map((tg) => tg.name),
    role: buildPlan.instanceProfile ? [buildPlan.instanceProfile.name] : [],
    'instance-profile': buildPlan.instanceProfile ? [buildPlan.instanceProfile.name] : [],
  };
  return found.filter((r) => (byName[r.type] ? !byName[r.type].includes(r.name ?? '') : !DELETED_BY_TAG.has(r.type)));
}
