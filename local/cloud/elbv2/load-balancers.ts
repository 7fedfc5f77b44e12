/** CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, SetSecurityGroups (network load balancers only). */
import { CloudError, QueryParams } from '../contract';
import { lbAttributeDefaults } from './attributes';
import { hasList, invalid, paginate, required, str, stringList, structList } from './params';
import {
  arnKind,
  arnPrefix,
  Ctx,
  getLb,
  hex16,
  iso,
  lbNotFound,
  lbState,
  LbSubnet,
  LoadBalancerRec,
  refreshAssociation,
  sameSet,
} from './store';
import { parseTags } from './tags';

export const MAX_NLBS = 50;

/** Route 53 zone ids of NLBs per region (what an alias record needs); unknown regions get a stable placeholder. */
const NLB_HOSTED_ZONES: Record<string, string> = {
  'ap-northeast-2': 'ZIBE1TIR4HY56',
  'ap-northeast-1': 'Z31USIVHYNEOWT',
  'us-east-1': 'Z26RNL4JYFTOTI',
  'us-west-2': 'Z18D5FSROUN65G',
  'eu-west-1': 'Z2IFOLAFXWLO4F',
};

const MAX_DESCRIBE_LB_ARNS = 20;
/**
 * "This name must be unique per region per account, can have a maximum of 32 characters, must contain only
 * alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with
 * 'internal-'." Refused with ValidationError (the generic input error of the query protocol).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
 */
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const RESERVED_NAME_PREFIX = 'internal-';

interface LbRequest {
  name: string;
  scheme: 'internal' | 'internet-facing';
  ipAddressType: string;
  mappings: Array<{ subnetId: string; privateIPv4Address?: string }>;
  securityGroups: string[];
}

function parseRequest(params: QueryParams): LbRequest {
  const name = required(params, 'Name');
  if (!NAME_RE.test(name)) {
    throw invalid(`Load balancer name '${name}' must be 1-32 alphanumeric characters or hyphens, and must not begin or end with a hyphen`);
  }
  if (name.toLowerCase().startsWith(RESERVED_NAME_PREFIX))
    throw invalid(`Load balancer name '${name}' cannot begin with '${RESERVED_NAME_PREFIX}'`);
  // AWS defaults Type to application; only network load balancers are simulated, so a missing Type is an error here.
  const type = str(params, 'Type') ?? 'application';
  if (type !== 'network') throw invalid(`Load balancer type '${type}' is not supported by the local cloud; use 'network'`);
  const scheme = str(params, 'Scheme') ?? 'internet-facing';
  if (scheme !== 'internal' && scheme !== 'internet-facing') throw invalid(`Scheme '${scheme}' must be 'internal' or 'internet-facing'`);
  const ipAddressType = str(params, 'IpAddressType') ?? 'ipv4';
  if (ipAddressType !== 'ipv4') throw invalid(`IP address type '${ipAddressType}' is not supported by the local cloud; use 'ipv4'`);

  const subnets = stringList(params, 'Subnets');
  const mappingParams = structList(params, 'SubnetMappings');
  if (subnets.length > 0 && mappingParams.length > 0) throw invalid('You can specify subnets or subnet mappings, but not both');
  const mappings =
    subnets.length > 0
      ? subnets.map((subnetId) => ({ subnetId }))
      : mappingParams.map((m) => {
          if (!m.SubnetId) throw invalid('A subnet ID must be specified in each subnet mapping');
          if (m.AllocationId && scheme === 'internal') {
            throw new CloudError('InvalidConfigurationRequest', 'Elastic IP addresses cannot be used with an internal load balancer', 400);
          }
          return { subnetId: m.SubnetId, privateIPv4Address: m.PrivateIPv4Address };
        });
  if (mappings.length === 0) throw invalid('At least one subnet must be specified');

  const securityGroups = stringList(params, 'SecurityGroups');
  if (securityGroups.length > 5) throw invalid('A load balancer can have at most 5 security groups');
  return { name, scheme, ipAddressType, mappings, securityGroups };
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipToInt(ip);
  const b = ipToInt(base);
  if (a === undefined || b === undefined) return false;
  const size = 2 ** (32 - Number(bitsText));
  return Math.floor(a / size) === Math.floor(b / size);
}

function configError(message: string): CloudError {
  return new CloudError('InvalidConfigurationRequest', message, 400);
}

/** Checks the request against EC2 (subnets, AZs, VPC, security groups) and returns the VPC and the subnets. */
function resolveNetwork(ctx: Ctx, req: LbRequest): { vpcId: string; subnets: Array<Omit<LbSubnet, 'eniId'>> } {
  const subnets: Array<Omit<LbSubnet, 'eniId'>> = [];
  let vpcId: string | undefined;
  const zones = new Set<string>();
  for (const m of req.mappings) {
    const s = ctx.deps.ec2.subnet(m.subnetId);
    if (!s) throw new CloudError('SubnetNotFound', `The subnet ID '${m.subnetId}' is not valid`, 400);
    if (vpcId !== undefined && s.vpcId !== vpcId) throw configError('All subnets of a load balancer must belong to the same VPC');
    vpcId = s.vpcId;
    if (zones.has(s.availabilityZone)) {
      throw configError(`A load balancer cannot be attached to multiple subnets in the same Availability Zone (${s.availabilityZone})`);
    }
    zones.add(s.availabilityZone);
    if (m.privateIPv4Address !== undefined) {
      if (req.scheme !== 'internal') throw configError('A private IPv4 address can be specified only for an internal load balancer');
      if (!inCidr(m.privateIPv4Address, s.cidrBlock)) {
        throw configError(`The private IPv4 address '${m.privateIPv4Address}' is not in the CIDR block of subnet '${s.subnetId}'`);
      }
    }
    subnets.push({ subnetId: s.subnetId, zoneName: s.availabilityZone, privateIPv4Address: m.privateIPv4Address });
  }
  for (const id of req.securityGroups) {
    const g = ctx.deps.ec2.securityGroup(id);
    if (!g || g.vpcId !== vpcId)
      throw new CloudError('InvalidSecurityGroup', `Security group '${id}' does not exist in VPC '${vpcId}'`, 400);
  }
  return { vpcId: vpcId as string, subnets };
}

/** The settings AWS compares when the same name is created again (same → idempotent, else a duplicate). */
function sameConfig(lb: LoadBalancerRec, req: LbRequest): boolean {
  return (
    lb.scheme === req.scheme &&
    lb.ipAddressType === req.ipAddressType &&
    sameSet(
      lb.subnets.map((s) => s.subnetId),
      req.mappings.map((m) => m.subnetId),
    ) &&
    sameSet(lb.securityGroups, req.securityGroups)
  );
}

export function toWire(ctx: Ctx, lb: LoadBalancerRec): object {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: NLB_HOSTED_ZONES[ctx.deps.region] ?? 'Z0000000LOCALNLB',
    CreatedTime: iso(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lbState(ctx, lb) },
    Type: lb.type,
    AvailabilityZones: lb.subnets.map((s) => ({
      ZoneName: s.zoneName,
      SubnetId: s.subnetId,
      LoadBalancerAddresses: s.privateIPv4Address ? [{ PrivateIPv4Address: s.privateIPv4Address }] : [],
    })),
    ...(lb.securityGroups.length > 0
      ? { SecurityGroups: [...lb.securityGroups], EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'on' }
      : {}),
    IpAddressType: lb.ipAddressType,
  };
}

export function createLoadBalancer(ctx: Ctx, params: QueryParams): object {
  const req = parseRequest(params);
  const tags = parseTags(params);
  const existing = [...ctx.state.loadBalancers.values()].find((lb) => lb.name === req.name);
  if (existing) {
    if (!sameConfig(existing, req)) {
      throw new CloudError(
        'DuplicateLoadBalancerName',
        `A load balancer with the name '${req.name}' already exists with different settings`,
        400,
      );
    }
    return { LoadBalancers: [toWire(ctx, existing)] };
  }
  if (ctx.state.loadBalancers.size >= MAX_NLBS) {
    throw new CloudError('TooManyLoadBalancers', `You have reached the limit of ${MAX_NLBS} network load balancers`, 400);
  }
  const { vpcId, subnets } = resolveNetwork(ctx, req);

  const id = hex16();
  const now = ctx.now();
  // One requester-managed ENI per enabled subnet, as AWS does; if one fails, the ones made so far go at once.
  const created: LbSubnet[] = [];
  try {
    for (const s of subnets) {
      const eniId = ctx.deps.ec2.createLoadBalancerInterface({
        subnetId: s.subnetId,
        groupIds: [...req.securityGroups],
        description: `ELB net/${req.name}/${id}`,
      });
      created.push({ ...s, eniId });
    }
  } catch (err) {
    for (const s of created) ctx.deps.ec2.releaseLoadBalancerInterface(s.eniId, now);
    throw err;
  }

  const prefix = req.scheme === 'internal' ? 'internal-' : '';
  const lb: LoadBalancerRec = {
    arn: `${arnPrefix(ctx)}:loadbalancer/net/${req.name}/${id}`,
    name: req.name,
    id,
    dnsName: `${prefix}${req.name}-${id}.elb.${ctx.deps.region}.amazonaws.com`,
    scheme: req.scheme,
    type: 'network',
    ipAddressType: req.ipAddressType,
    vpcId,
    subnets: created,
    securityGroups: [...req.securityGroups],
    createdAt: now,
    activeAt: now + ctx.deps.latency.nlbProvisioningToActive * 1000,
    attributes: lbAttributeDefaults(),
    tags,
  };
  ctx.state.loadBalancers.set(lb.arn, lb);
  return { LoadBalancers: [toWire(ctx, lb)] };
}

export function describeLoadBalancers(ctx: Ctx, params: QueryParams): object {
  const arns = stringList(params, 'LoadBalancerArns');
  const names = stringList(params, 'Names');
  if (arns.length > 0 && names.length > 0) throw invalid('Load balancer names and load balancer ARNs cannot be specified at the same time');
  // "You can specify up to 20 load balancers in a single call" is documented for LoadBalancerArns only (Names
  // has no stated limit): https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancers.html
  if (arns.length > MAX_DESCRIBE_LB_ARNS) throw invalid(`You can specify up to ${MAX_DESCRIBE_LB_ARNS} load balancers`);
  let found: LoadBalancerRec[];
  if (arns.length > 0) {
    found = arns.map((arn) => getLb(ctx, arn));
  } else if (names.length > 0) {
    const all = [...ctx.state.loadBalancers.values()];
    found = names.map((n) => {
      const lb = all.find((x) => x.name === n);
      if (!lb) throw lbNotFound(`Load balancers '[${n}]' not found`);
      return lb;
    });
  } else {
    found = [...ctx.state.loadBalancers.values()];
  }
  const { page, nextMarker } = paginate(found, params);
  return { LoadBalancers: page.map((lb) => toWire(ctx, lb)), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

export function deleteLoadBalancer(ctx: Ctx, params: QueryParams): object {
  const arn = required(params, 'LoadBalancerArn');
  arnKind(arn, 'loadbalancer');
  const lb = ctx.state.loadBalancers.get(arn);
  // AWS: deleting a load balancer that does not exist (or is already deleted) succeeds.
  if (!lb) return {};
  if (lb.attributes.get('deletion_protection.enabled') === 'true') {
    throw new CloudError('OperationNotPermitted', `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`, 400);
  }
  // The ENIs outlive the load balancer for a while, which is what makes subnet/SG deletes fail right after.
  const releaseAt = ctx.now() + ctx.deps.latency.nlbEniLingerAfterDelete * 1000;
  for (const s of lb.subnets) ctx.deps.ec2.releaseLoadBalancerInterface(s.eniId, releaseAt);
  // Deleting a load balancer deletes its listeners; its target groups stay (and become unused).
  const touched = new Set<string>();
  for (const [larn, l] of ctx.state.listeners) {
    if (l.loadBalancerArn !== arn) continue;
    ctx.state.listeners.delete(larn);
    touched.add(l.targetGroupArn);
  }
  ctx.state.loadBalancers.delete(arn);
  for (const tgArn of touched) {
    const tg = ctx.state.targetGroups.get(tgArn);
    if (tg) refreshAssociation(ctx, tg);
  }
  return {};
}

/** NLB security groups can be changed only if the NLB was created with some, and never emptied (an AWS rule). */
export function setSecurityGroups(ctx: Ctx, params: QueryParams): object {
  const lb = getLb(ctx, required(params, 'LoadBalancerArn'));
  if (!hasList(params, 'SecurityGroups'))
    throw invalid("1 validation error detected: Value null at 'securityGroups' failed to satisfy constraint: Member must not be null");
  const groups = stringList(params, 'SecurityGroups');
  if (lb.securityGroups.length === 0) {
    throw configError('You cannot set security groups on a Network Load Balancer which was created without any security groups');
  }
  if (groups.length === 0) {
    throw configError('You cannot remove all security groups from a Network Load Balancer which was created with security groups');
  }
  if (groups.length > 5) throw invalid('A load balancer can have at most 5 security groups');
  for (const id of groups) {
    const g = ctx.deps.ec2.securityGroup(id);
    if (!g || g.vpcId !== lb.vpcId)
      throw new CloudError('InvalidSecurityGroup', `Security group '${id}' does not exist in VPC '${lb.vpcId}'`, 400);
  }
  lb.securityGroups = [...groups];
  return { SecurityGroupIds: [...groups], EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'on' };
}
