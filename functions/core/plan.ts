import { carve } from './cidr';
import type { BuildSpec } from './spec';
import { API_SERVER_PORT, SUBNET_SLOT_BITS, subnetPrefixFor } from './spec-rules';
import { resourceTags, type Owner, type Role, type Tags } from './tags';
import { securityGroupPlans, type SecurityGroupKey, type SecurityGroupPlan } from './ports';

/**
 * Everything about a build that follows from the spec alone (docs/design.md "4.1 Plan"): CIDRs, names, placement, tags,
 * target groups, listeners and security-group rules. Pure and deterministic: every step recomputes it
 * from the spec and build id instead of carrying it through the state machine.
 */
export interface SubnetPlan {
  name: string;
  az: string;
  cidr: string;
  tags: Tags;
}
export type NodeRole = 'control-plane' | 'worker';
export interface NodePlan {
  name: string;
  role: NodeRole;
  index: number;
  az: string;
  instanceTypes: string[];
  tags: Tags;
}
export interface TargetGroupPlan {
  /** Stable key used in state and tests: `api`, or `ingress-<port>`. */
  key: string;
  name: string;
  listenerPort: number;
  targetPort: number;
  targetRole: NodeRole;
  preserveClientIp: boolean;
  tags: Tags;
}
export interface Plan {
  buildId: string;
  spec: BuildSpec;
  owner: Owner;
  vpc: { name: string; cidr: string; tags: Tags };
  privateSubnets: SubnetPlan[];
  publicSubnet: SubnetPlan;
  internetGateway: { name: string; tags: Tags };
  routeTables: { private: { name: string; tags: Tags }; public: { name: string; tags: Tags } };
  securityGroups: Record<SecurityGroupKey, SecurityGroupPlan>;
  nodes: NodePlan[];
  bastion: { name: string; az: string; instanceType: string; tags: Tags; addressTags: Tags };
  loadBalancer: { name: string; crossZone: boolean; tags: Tags };
  targetGroups: TargetGroupPlan[];
}

export function plan(spec: BuildSpec, buildId: string): Plan {
  const owner: Owner = { buildId, clusterName: spec.name, userTags: spec.tags };
  const named = (role: Role, name: string, extra?: Tags) => ({ name, tags: resourceTags(owner, role, name, extra) });
  const subnetPrefix = subnetPrefixFor(spec.vpcCidr);
  const zones = spec.availabilityZones;
  const clusterTag = { [`kubernetes.io/cluster/${spec.name}`]: 'owned' };

  const privateSubnets = zones.map((az, slot) => ({
    az,
    cidr: carve(spec.vpcCidr, subnetPrefix, slot),
    ...named('private-subnet', `${spec.name}-private-${az.slice(-1)}`, { 'kubernetes.io/role/internal-elb': '1' }),
  }));
  const publicSubnet = {
    az: zones[0],
    cidr: carve(spec.vpcCidr, subnetPrefix, 2 ** SUBNET_SLOT_BITS - 1),
    ...named('public-subnet', `${spec.name}-public-${zones[0].slice(-1)}`, { 'kubernetes.io/role/elb': '1' }),
  };

  const nodes = [
    ...nodePlans(spec, owner, 'control-plane', 'cp', spec.controlPlane.count, spec.controlPlane.instanceTypes),
    ...nodePlans(spec, owner, 'worker', 'worker', spec.workers.count, spec.workers.instanceTypes),
  ];

  const targetGroups: TargetGroupPlan[] = [
    targetGroup(spec, owner, 'api', API_SERVER_PORT, API_SERVER_PORT, 'control-plane'),
    ...spec.loadBalancer.ingress.map(({ port, nodePort }) => targetGroup(spec, owner, `ingress-${port}`, port, nodePort, 'worker')),
  ];

  return {
    buildId,
    spec,
    owner,
    vpc: { cidr: spec.vpcCidr, ...named('vpc', `${spec.name}-vpc`) },
    privateSubnets,
    publicSubnet,
    internetGateway: named('internet-gateway', `${spec.name}-igw`),
    routeTables: {
      private: named('private-route-table', `${spec.name}-private-rt`),
      public: named('public-route-table', `${spec.name}-public-rt`),
    },
    securityGroups: securityGroupPlans(spec, owner),
    nodes,
    bastion: {
      az: zones[0],
      instanceType: spec.bastion.instanceType,
      ...named('bastion', `${spec.name}-bastion`),
      addressTags: resourceTags(owner, 'bastion-eip', `${spec.name}-bastion-eip`),
    },
    loadBalancer: { crossZone: spec.loadBalancer.crossZone, ...named('load-balancer', loadBalancerName(spec.name), clusterTag) },
    targetGroups,
  };
}

/** The NLB's name (AWS: at most 32 characters, not beginning with `internal-`; spec-limits.ts checks it). */
export function loadBalancerName(clusterName: string): string {
  return `${clusterName}-nlb`;
}

/** A target group's name (AWS: at most 32 characters; spec-limits.ts checks it). */
export function targetGroupName(clusterName: string, listenerPort: number): string {
  return `${clusterName}-tg-${listenerPort}`;
}

/** Round-robin placement: the i-th node (from 0) of a role goes to zone i mod n, so counts stay balanced. */
export function zoneOfNode(zones: readonly string[], i: number): string {
  return zones[i % zones.length];
}

function nodePlans(spec: BuildSpec, owner: Owner, role: NodeRole, short: string, count: number, instanceTypes: string[]): NodePlan[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    const name = `${spec.name}-${short}-${index}`;
    return { name, role, index, az: zoneOfNode(spec.availabilityZones, i), instanceTypes, tags: resourceTags(owner, role, name) };
  });
}

function targetGroup(
  spec: BuildSpec,
  owner: Owner,
  key: string,
  listenerPort: number,
  targetPort: number,
  targetRole: NodeRole,
): TargetGroupPlan {
  const name = targetGroupName(spec.name, listenerPort);
  return {
    key,
    name,
    listenerPort,
    targetPort,
    targetRole,
    preserveClientIp: spec.loadBalancer.preserveClientIp,
    tags: resourceTags(owner, 'target-group', name),
  };
}

export type { SecurityGroupKey, SecurityGroupPlan };
