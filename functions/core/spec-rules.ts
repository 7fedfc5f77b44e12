import { isCidr, isRfc1918, overlaps, parseCidr, usableAddresses, type Cidr } from './cidr';
import type { BuildSpec, SpecError } from './spec';
import { AWS_MAX_TAGS, OWN_TAG_COUNT, RESERVED_TAG_PREFIXES, TAG } from './tags';

/** Subnets are carved as 8 equal slots of the VPC: private ones from the first slot up (one per AZ), public ones from the last down. */
export const SUBNET_SLOT_BITS = 3;
export const API_SERVER_PORT = 6443;
/** SSH sources wider than this need the explicit opt-in, like 0.0.0.0/0. */
const MIN_SSH_PREFIX = 8;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Rules that compare fields. Each problem names its field and the fix; all are reported at once. */
export function checkSpecSemantics(spec: BuildSpec): SpecError[] {
  return [
    ...checkNetwork(spec),
    ...checkZones(spec),
    ...checkAccess(spec),
    ...checkSsh(spec),
    ...checkTransitRoutes(spec),
    ...checkLoadBalancer(spec),
    ...checkTags(spec.tags),
  ];
}

/** The endpoints Session Manager needs in a VPC without internet access (AWS Systems Manager User Guide, "Use VPC endpoints"). */
export const SESSION_MANAGER_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages'] as const;

/** How operators reach the nodes: through the bastion (it needs SSH sources), or through Session Manager. */
function checkAccess(spec: BuildSpec): SpecError[] {
  if (spec.bastion.enabled) {
    return spec.bastion.allowedSshCidrs.length
      ? []
      : [
          {
            code: 'REQUIRED',
            field: 'bastion.allowedSshCidrs',
            message:
              'give the CIDR(s) your operators SSH from, e.g. ["203.0.113.0/24"], or set bastion.enabled to false to reach nodes through Session Manager',
          },
        ];
  }
  // Without NAT, Session Manager reaches the nodes only through its interface endpoints.
  const missing = SESSION_MANAGER_ENDPOINTS.filter((service) => !spec.endpoints.includes(service));
  if (spec.egress !== 'none' || !missing.length) return [];
  return [
    {
      code: 'NO_OPERATOR_ACCESS',
      field: 'endpoints',
      message: `without a bastion and with egress "none", nodes are reachable only through Session Manager: add ${missing.map((m) => `"${m}"`).join(', ')} to endpoints (or enable the bastion)`,
    },
  ];
}

/** Routes to the Transit Gateway: valid CIDRs that take nothing from the VPC, the pods, the services or each other. */
function checkTransitRoutes(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  const own: Array<[string, string]> = [
    ['vpcCidr', spec.vpcCidr],
    ['kubernetes.podCidr', spec.kubernetes.podCidr],
    ['kubernetes.serviceCidr', spec.kubernetes.serviceCidr],
  ];
  const seen: Array<[string, Cidr]> = [];
  (spec.transitGateway?.routes ?? []).forEach((text, index) => {
    const field = `transitGateway.routes[${index}]`;
    const route = cidrField(text, field, errors);
    if (!route) return;
    const clash = [...own.filter(([, other]) => isCidr(parseCidr(other))), ...seen.map(([f, c]): [string, string] => [f, c.text])].find(
      ([, other]) => overlaps(route.text, other),
    );
    if (clash) {
      errors.push({
        code: 'CIDR_OVERLAP',
        field,
        message: `${route.text} overlaps ${clash[0]} ${clash[1]}: traffic for it would never reach the gateway; route only on-premises or other VPCs' ranges`,
      });
    }
    seen.push([field, route]);
  });
  return errors;
}

function cidrField(text: string, field: string, errors: SpecError[]): Cidr | undefined {
  const parsed = parseCidr(text);
  if (isCidr(parsed)) return parsed;
  errors.push({
    code: 'INVALID_CIDR',
    field,
    message:
      parsed.problem === 'not-network-address'
        ? `"${text}" has host bits set; use the network address ${parsed.suggestion}`
        : `"${text}" is not an IPv4 CIDR; write it like 10.0.0.0/16`,
  });
  return undefined;
}

function nodesPerZone(spec: BuildSpec): number {
  const zones = spec.availabilityZones.length;
  return Math.ceil(spec.controlPlane.count / zones) + Math.ceil(spec.workers.count / zones);
}

function checkNetwork(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  const vpc = cidrField(spec.vpcCidr, 'vpcCidr', errors);
  if (vpc) {
    if (!isRfc1918(vpc)) {
      errors.push({
        code: 'CIDR_NOT_PRIVATE',
        field: 'vpcCidr',
        message: `${vpc.text} is not in an RFC 1918 range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 space, e.g. 10.0.0.0/16`,
      });
    }
    const subnetPrefix = vpc.prefix + SUBNET_SLOT_BITS;
    // Every private subnet holds its zone's nodes plus one NLB interface; AWS reserves 5 addresses.
    const needed = nodesPerZone(spec) + 1;
    const slots = spec.availabilityZones.length + publicSubnetCount(spec);
    if (slots > 2 ** SUBNET_SLOT_BITS) {
      errors.push({
        code: 'CIDR_NO_ROOM',
        field: 'egress',
        message: `"nat-per-az" needs a public subnet per zone: ${slots} subnets do not fit the ${2 ** SUBNET_SLOT_BITS} slots of ${vpc.text}; use at most ${2 ** (SUBNET_SLOT_BITS - 1)} zones, or egress "nat-single"`,
      });
    }
    if (vpc.prefix < 16 || subnetPrefix > 28 || usableAddresses(subnetPrefix) < needed) {
      errors.push({
        code: 'CIDR_TOO_SMALL',
        field: 'vpcCidr',
        message: `${vpc.text} cannot be carved into ${spec.availabilityZones.length} private subnets of ${needed}+ addresses and a public one; use a prefix between /16 and /24 (e.g. /16)`,
      });
    }
  }
  const pod = cidrField(spec.kubernetes.podCidr, 'kubernetes.podCidr', errors);
  const service = cidrField(spec.kubernetes.serviceCidr, 'kubernetes.serviceCidr', errors);
  const named: Array<[string, Cidr | undefined]> = [
    ['vpcCidr', vpc],
    ['kubernetes.podCidr', pod],
    ['kubernetes.serviceCidr', service],
  ];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [fieldA, a] = named[i];
      const [fieldB, b] = named[j];
      if (a && b && overlaps(a.text, b.text)) {
        errors.push({ code: 'CIDR_OVERLAP', field: fieldB, message: `${b.text} overlaps ${fieldA} ${a.text}; pick a range that does not` });
      }
    }
  }
  return errors;
}

function checkZones(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  const seen = new Set<string>();
  spec.availabilityZones.forEach((zone, index) => {
    const field = `availabilityZones[${index}]`;
    if (!new RegExp(`^${spec.region}[a-z]$`).test(zone)) {
      errors.push({ code: 'AZ_NOT_IN_REGION', field, message: `"${zone}" is not a zone of ${spec.region}; use e.g. ${spec.region}a` });
    } else if (seen.has(zone)) {
      errors.push({ code: 'AZ_DUPLICATE', field, message: `"${zone}" is listed twice; each zone once` });
    }
    seen.add(zone);
  });
  return errors;
}

function checkSsh(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  spec.bastion.allowedSshCidrs.forEach((text, index) => {
    const field = `bastion.allowedSshCidrs[${index}]`;
    const cidr = cidrField(text, field, errors);
    if (cidr && cidr.prefix === 0 && !spec.bastion.allowSshFromAnywhere) {
      errors.push({
        code: 'SSH_OPEN_TO_WORLD',
        field,
        message:
          'SSH from 0.0.0.0/0 exposes the bastion to the internet; give your office CIDR, or set bastion.allowSshFromAnywhere to true',
      });
    } else if (cidr && cidr.prefix < MIN_SSH_PREFIX && !spec.bastion.allowSshFromAnywhere) {
      // Wider than a /8, halves of the internet (0.0.0.0/1 + 128.0.0.0/1) would be "anywhere" by another name.
      errors.push({
        code: 'SSH_OPEN_TO_WORLD',
        field,
        message: `${cidr.text} admits ${2 ** (32 - cidr.prefix)} addresses; give a CIDR of /${MIN_SSH_PREFIX} or narrower, or set bastion.allowSshFromAnywhere to true`,
      });
    }
  });
  return errors;
}

function checkLoadBalancer(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  spec.loadBalancer.allowedClientCidrs.forEach((text, index) => cidrField(text, `loadBalancer.allowedClientCidrs[${index}]`, errors));
  const ports = new Set<number>([API_SERVER_PORT]);
  const nodePorts = new Set<number>();
  spec.loadBalancer.ingress.forEach(({ port, nodePort }, index) => {
    if (ports.has(port)) {
      const why = port === API_SERVER_PORT ? 'is the Kubernetes API listener' : 'is used by another ingress entry';
      errors.push({ code: 'DUPLICATE_PORT', field: `loadBalancer.ingress[${index}].port`, message: `port ${port} ${why}; pick another` });
    }
    if (nodePorts.has(nodePort)) {
      errors.push({
        code: 'DUPLICATE_PORT',
        field: `loadBalancer.ingress[${index}].nodePort`,
        message: `NodePort ${nodePort} is used by another ingress entry; pick another`,
      });
    }
    ports.add(port);
    nodePorts.add(nodePort);
  });
  return errors;
}

function checkTags(tags: Record<string, string>): SpecError[] {
  const errors: SpecError[] = [];
  const limit = AWS_MAX_TAGS - OWN_TAG_COUNT;
  if (Object.keys(tags).length > limit) {
    errors.push({
      code: 'TAG_LIMIT',
      field: 'tags',
      message: `at most ${limit} tags (AWS allows ${AWS_MAX_TAGS} per resource and we add ${OWN_TAG_COUNT})`,
    });
  }
  for (const [key, value] of Object.entries(tags)) {
    const field = `tags.${key}`;
    const reserved = RESERVED_TAG_PREFIXES.find((prefix) => key.toLowerCase().startsWith(prefix));
    if (reserved)
      errors.push({ code: 'TAG_RESERVED', field, message: `tag keys starting with "${reserved}" are reserved; rename the key` });
    else if (key === TAG.name)
      errors.push({
        code: 'TAG_RESERVED',
        field,
        message: 'the Name tag is set by k8s-ec2-builder on every resource; remove it (names derive from the cluster name)',
      });
    else if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) {
      errors.push({ code: 'TAG_INVALID', field, message: 'tag keys are 1–128 letters, digits, spaces or _ . : / = + - @' });
    }
    if (value.length > 256 || !TAG_CHARS.test(value)) {
      errors.push({ code: 'TAG_INVALID', field, message: 'tag values are at most 256 letters, digits, spaces or _ . : / = + - @' });
    }
  }
  return errors;
}

/**
 * Public subnets: one per zone for "nat-per-az" (no NAT crosses a zone), one for a bastion or a single NAT
 * gateway, none for a closed network without a bastion (no internet exposure at all).
 */
export function publicSubnetCount(spec: Pick<BuildSpec, 'egress' | 'bastion' | 'availabilityZones'>): number {
  if (spec.egress === 'nat-per-az') return spec.availabilityZones.length;
  return spec.egress === 'nat-single' || spec.bastion.enabled ? 1 : 0;
}

/** Exported for the plan: the private and public subnet CIDRs follow the same slot rule. */
export function subnetPrefixFor(vpcCidr: string): number {
  return Number(vpcCidr.split('/')[1]) + SUBNET_SLOT_BITS;
}
