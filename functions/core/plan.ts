import { createHash } from 'node:crypto';
import { carve } from './cidr';
import type { BuildSpec } from './spec';
import { API_SERVER_PORT, publicSubnetCount, SUBNET_SLOT_BITS, subnetPrefixFor } from './spec-rules';
import { resourceTags, TAG, type Owner, type Role, type Tags } from './tags';
import { securityGroupPlans, type BySecurityGroup, type SecurityGroupKey, type SecurityGroupPlan } from './ports';

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
export interface Named {
  name: string;
  tags: Tags;
}
/** A private route table and the zones whose subnets it serves (one per zone when each zone has its own NAT gateway). */
export interface PrivateRouteTablePlan extends Named {
  zones: string[];
}
/** A NAT gateway in the public subnet of `az`, with its Elastic IP; `zones` are the private zones that route through it. */
export interface NatGatewayPlan extends Named {
  az: string;
  zones: string[];
  addressTags: Tags;
}
export interface EndpointPlan extends Named {
  /** As the spec names it: `ssm`, `ecr.dkr`, `s3`. */
  service: string;
  /** `com.amazonaws.<region>.<service>`, what EC2 calls it. */
  serviceName: string;
  /** s3 is a gateway endpoint (route-table entries, no charge); every other service an interface endpoint (an ENI per zone). */
  type: 'Interface' | 'Gateway';
}
export interface TransitGatewayPlan {
  id: string;
  routes: string[];
  attachment: Named;
}
/** The nodes' IAM role and instance profile (one name for both) when Session Manager replaces the bastion. */
export interface InstanceProfilePlan extends Named {
  /** Every role and profile the tool makes lives under this path: the IAM grants are scoped to it. */
  path: string;
  description: string;
}
export const IAM_PATH = '/k8s-ec2-builder/';

export interface Plan {
  buildId: string;
  spec: BuildSpec;
  owner: Owner;
  vpc: { name: string; cidr: string; tags: Tags };
  privateSubnets: SubnetPlan[];
  /** From the last slot down: the bastion's (and a single NAT gateway's) first; one per zone for "nat-per-az"; none for a closed network without bastion. */
  publicSubnets: SubnetPlan[];
  /** Only where there are public subnets: nothing else needs the internet. */
  internetGateway?: Named;
  routeTables: { private: PrivateRouteTablePlan[]; public?: Named };
  natGateways: NatGatewayPlan[];
  endpoints: EndpointPlan[];
  transitGateway?: TransitGatewayPlan;
  /** Only without a bastion: nodes are then reached through Session Manager, which needs this profile. */
  instanceProfile?: InstanceProfilePlan;
  securityGroups: BySecurityGroup<SecurityGroupPlan>;
  nodes: NodePlan[];
  bastion: { name: string; az: string; instanceType: string; tags: Tags; addressTags: Tags };
  loadBalancer: { name: string; crossZone: boolean; tags: Tags };
  targetGroups: TargetGroupPlan[];
}

/** `deployment`: the stack that makes the build, tagged on everything (TAG.deployment) when known. */
export function plan(spec: BuildSpec, buildId: string, deployment?: string): Plan {
  const owner: Owner = { buildId, clusterName: spec.name, userTags: spec.tags, ...(deployment && { deployment }) };
  const named = (role: Role, name: string, extra?: Tags) => ({ name, tags: resourceTags(owner, role, name, extra) });
  const subnetPrefix = subnetPrefixFor(spec.vpcCidr);
  const zones = spec.availabilityZones;
  const clusterTag = { [`kubernetes.io/cluster/${spec.name}`]: 'owned' };

  const privateSubnets = zones.map((az, slot) => ({
    az,
    cidr: carve(spec.vpcCidr, subnetPrefix, slot),
    ...named('private-subnet', `${spec.name}-private-${az.slice(-1)}`, { 'kubernetes.io/role/internal-elb': '1' }),
  }));
  const publicSubnets = zones.slice(0, publicSubnetCount(spec)).map((az, i) => ({
    az,
    cidr: carve(spec.vpcCidr, subnetPrefix, 2 ** SUBNET_SLOT_BITS - 1 - i),
    ...named('public-subnet', `${spec.name}-public-${az.slice(-1)}`, { 'kubernetes.io/role/elb': '1' }),
  }));
  const perZone = spec.egress === 'nat-per-az';
  const privateRouteTables: PrivateRouteTablePlan[] = perZone
    ? zones.map((az) => ({ zones: [az], ...named('private-route-table', `${spec.name}-private-rt-${az.slice(-1)}`) }))
    : [{ zones, ...named('private-route-table', `${spec.name}-private-rt`) }];
  const natZones = spec.egress === 'none' ? [] : perZone ? zones : [zones[0]];
  const natGateways: NatGatewayPlan[] = natZones.map((az) => {
    const name = `${spec.name}-nat-${az.slice(-1)}`;
    return {
      az,
      zones: perZone ? [az] : zones,
      ...named('nat-gateway', name),
      addressTags: resourceTags(owner, 'nat-eip', `${name}-eip`),
    };
  });
  const endpoints: EndpointPlan[] = spec.endpoints.map((service) => ({
    service,
    serviceName: endpointServiceName(spec.region, service),
    type: service === S3_GATEWAY_SERVICE ? 'Gateway' : 'Interface',
    ...named('vpc-endpoint', `${spec.name}-vpce-${service}`),
  }));

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
    publicSubnets,
    ...(publicSubnets.length > 0 && { internetGateway: named('internet-gateway', `${spec.name}-igw`) }),
    routeTables: {
      private: privateRouteTables,
      ...(publicSubnets.length > 0 && { public: named('public-route-table', `${spec.name}-public-rt`) }),
    },
    natGateways,
    endpoints,
    ...(!spec.bastion.enabled && { instanceProfile: instanceProfilePlan(spec, owner) }),
    ...(spec.transitGateway && {
      transitGateway: {
        ...spec.transitGateway,
        attachment: named('transit-gateway-attachment', `${spec.name}-tgw-attachment`),
      },
    }),
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

/**
 * IAM names are unique in the whole account (not per region, not per VPC), so the name carries a hash of the
 * build id: two builds of one cluster name never meet. At most 20 + 4 + 8 characters (IAM allows 64).
 */
function instanceProfilePlan(spec: BuildSpec, owner: Owner): InstanceProfilePlan {
  const name = `${spec.name}-ssm-${createHash('sha256').update(owner.buildId).digest('hex').slice(0, 8)}`;
  return {
    name,
    path: IAM_PATH,
    description: `Session Manager access to the nodes of ${spec.name} (build ${owner.buildId}), made by k8s-ec2-builder`,
    tags: resourceTags(owner, 'node-instance-profile', name, { [TAG.region]: spec.region }),
  };
}

/** The one service offered as a gateway endpoint that a cluster needs (RHEL repositories and ECR layers live in S3). */
export const S3_GATEWAY_SERVICE = 's3';

/** EC2's name of an AWS service's endpoint in a region (DescribeVpcEndpointServices lists them so). */
export function endpointServiceName(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
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
