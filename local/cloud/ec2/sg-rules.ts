/**
 * Security-group rules. The API speaks in IpPermissions (protocol + port range + several peers); EC2 stores
 * one rule per peer (each with its own `sgr-` id), and Describe groups them back into IpPermissions.
 */
import { CloudError } from '../contract';
import { Args, invalidValue } from './args';
import { parseBlock } from './cidr';
import { Ec2Store, SecurityGroupRec, SgRuleFields, SgRuleRec } from './store';
import { tagSet } from './tagging';

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

export type RuleSpec = SgRuleFields;

function normaliseProtocol(p: string | undefined): string {
  const v = (p ?? '').toLowerCase();
  const name = PROTOCOL_NUMBERS[v] ?? v;
  if (!['tcp', 'udp', 'icmp', '-1'].includes(name)) throw invalidValue(`Invalid value '${p ?? ''}' for IP protocol. Unknown protocol.`);
  return name;
}

/** The rules an Authorize/Revoke request names, one per peer (CIDR or referenced group). */
export function parsePermissions(s: Ec2Store, a: Args): RuleSpec[] {
  const perms = a.list('IpPermissions');
  // The legacy top-level form (`IpProtocol`, `CidrIp`, …) is still accepted by AWS for ingress.
  if (perms.length === 0 && a.has('IpProtocol')) {
    return [toSpec(normaliseProtocol(a.str('IpProtocol')), a.int('FromPort'), a.int('ToPort'), { cidr: a.str('CidrIp') })];
  }
  const specs: RuleSpec[] = [];
  for (const p of perms) {
    const protocol = normaliseProtocol(p.str('IpProtocol'));
    const from = p.int('FromPort');
    const to = p.int('ToPort');
    for (const r of p.list('IpRanges')) {
      specs.push(toSpec(protocol, from, to, { cidr: r.required('CidrIp'), description: r.str('Description') }));
    }
    for (const g of p.list('Groups')) {
      const refGroupId = g.str('GroupId');
      if (!refGroupId || !s.groups.has(refGroupId)) {
        throw new CloudError('InvalidGroup.NotFound', `The security group '${refGroupId ?? g.str('GroupName') ?? ''}' does not exist`);
      }
      specs.push(toSpec(protocol, from, to, { refGroupId, description: g.str('Description') }));
    }
  }
  if (specs.length === 0) throw new CloudError('MissingParameter', 'No IpPermissions with a CIDR range or a referenced group were given.');
  return specs;
}

function toSpec(
  protocol: string,
  from: number | undefined,
  to: number | undefined,
  peer: { cidr?: string; refGroupId?: string; description?: string },
): RuleSpec {
  if (peer.cidr) parseBlock(peer.cidr, 'cidrIp');
  if (protocol === '-1') return { protocol, ...peer };
  if (from === undefined || to === undefined)
    throw new CloudError('MissingParameter', `FromPort and ToPort are required for protocol ${protocol}.`);
  if (protocol !== 'icmp' && (from < 0 || to > 65535 || from > to)) throw invalidValue(`Invalid port range ${from}-${to}.`);
  return { protocol, fromPort: from, toPort: to, ...peer };
}

export function sameRule(r: SgRuleRec, spec: RuleSpec): boolean {
  return (
    r.protocol === spec.protocol &&
    r.fromPort === spec.fromPort &&
    r.toPort === spec.toPort &&
    r.cidr === spec.cidr &&
    r.refGroupId === spec.refGroupId
  );
}

export function describePeer(spec: RuleSpec, egress: boolean): string {
  const ports = spec.protocol === '-1' ? 'ALL' : `${spec.protocol.toUpperCase()}, from port: ${spec.fromPort}, to port: ${spec.toPort}`;
  return `peer: ${spec.cidr ?? spec.refGroupId}, ${ports}, ALLOW${egress ? ' (egress)' : ''}`;
}

export function ruleWire(s: Ec2Store, r: SgRuleRec) {
  return {
    securityGroupRuleId: r.id,
    securityGroupRuleArn: `arn:aws:ec2:${s.region}:${s.accountId}:security-group-rule/${r.id}`,
    groupId: r.groupId,
    groupOwnerId: s.accountId,
    isEgress: r.egress,
    ipProtocol: r.protocol,
    fromPort: r.fromPort ?? -1,
    toPort: r.toPort ?? -1,
    cidrIpv4: r.cidr,
    referencedGroupInfo: r.refGroupId ? { groupId: r.refGroupId, userId: s.accountId } : undefined,
    description: r.description,
    tagSet: tagSet(r.tags),
  };
}

/** Rules regrouped as IpPermissions (one per protocol + port range), the shape DescribeSecurityGroups returns. */
export function permissionsWire(s: Ec2Store, g: SecurityGroupRec, egress: boolean) {
  const byKey = new Map<
    string,
    {
      ipProtocol: string;
      fromPort?: number;
      toPort?: number;
      ipRanges: unknown[];
      groups: unknown[];
      ipv6Ranges: unknown[];
      prefixListIds: unknown[];
    }
  >();
  for (const r of g.rules.filter((x) => x.egress === egress)) {
    const key = `${r.protocol}:${r.fromPort}:${r.toPort}`;
    let perm = byKey.get(key);
    if (!perm) {
      perm = {
        ipProtocol: r.protocol,
        fromPort: r.fromPort,
        toPort: r.toPort,
        ipRanges: [],
        groups: [],
        ipv6Ranges: [],
        prefixListIds: [],
      };
      byKey.set(key, perm);
    }
    if (r.cidr) perm.ipRanges.push({ cidrIp: r.cidr, description: r.description });
    if (r.refGroupId) perm.groups.push({ groupId: r.refGroupId, userId: s.accountId, description: r.description });
  }
  return [...byKey.values()];
}

/**
 * How AWS counts toward "Inbound or outbound rules per security group" (60 by default): separately for
 * inbound and outbound, and separately for IPv4 and IPv6; a rule naming a CIDR counts as one, a rule naming
 * another security group counts as one (in both the IPv4 and the IPv6 count), whatever that group holds.
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-size
 * Rules here are IPv4 CIDRs or group references, so the IPv4 count (the larger) is every rule of the direction.
 */
export function ruleCount(g: SecurityGroupRec, egress: boolean): number {
  return g.rules.filter((r) => r.egress === egress && (r.cidr !== undefined || r.refGroupId !== undefined)).length;
}
