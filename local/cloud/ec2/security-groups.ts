/** Security groups: unique names per VPC, rule-level ids, and the references that block deletion. */
import { CloudError } from '../contract';
import { QUOTA_CODES } from '../quotas';
import { Actions, Args, invalidValue } from './args';
import { applyFilters, FilterFields, paginate, selectByIds } from './filters';
import { describePeer, parsePermissions, permissionsWire, ruleCount, ruleWire, sameRule } from './sg-rules';
import { Ec2Store, SecurityGroupRec, SgRuleRec } from './store';
import { tagSet, tagSpecifications, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';

const RESERVED_GROUP_NAME_PREFIX = 'sg-';

export const groupNotFound = (ids: string[]) =>
  new CloudError(
    'InvalidGroup.NotFound',
    ids.length === 1 ? `The security group '${ids[0]}' does not exist` : `The security groups '${ids.join(', ')}' do not exist`,
  );

export function getGroup(s: Ec2Store, a: Args): SecurityGroupRec {
  const id = a.str('GroupId');
  const name = a.str('GroupName');
  if (!id && !name) throw new CloudError('MissingParameter', 'The request must contain the parameter groupId or groupName');
  const g = id ? s.groups.get(id) : [...s.groups.values()].find((x) => x.name === name);
  if (!g) throw groupNotFound([id ?? name ?? '']);
  return g;
}

function groupWire(s: Ec2Store, g: SecurityGroupRec) {
  return {
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    vpcId: g.vpcId,
    ownerId: s.accountId,
    securityGroupArn: `arn:aws:ec2:${s.region}:${s.accountId}:security-group/${g.id}`,
    ipPermissions: permissionsWire(s, g, false),
    ipPermissionsEgress: permissionsWire(s, g, true),
    tagSet: tagSet(g.tags),
  };
}

function authorize(s: Ec2Store, a: Args, egress: boolean) {
  const g = getGroup(s, a);
  const specs = parsePermissions(s, a);
  const ruleTags = tagSpecifications(a, ['security-group-rule']).get('security-group-rule') ?? new Map();
  for (const spec of specs) {
    if (g.rules.some((r) => r.egress === egress && sameRule(r, spec))) {
      throw new CloudError('InvalidPermission.Duplicate', `the specified rule "${describePeer(spec, egress)}" already exists`);
    }
  }
  // All of a request's rules or none: the quota is checked before anything is added. The wording is AWS's
  // answer (https://github.com/aws-samples/aws-cloudfront-samples/issues/53); the count, see ruleCount.
  if (ruleCount(g, egress) + specs.length > s.quotas.value(QUOTA_CODES.rulesPerSecurityGroup)) {
    throw new CloudError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
  }
  const added: SgRuleRec[] = specs.map((spec) => ({ id: s.newId('sgr'), tags: new Map(ruleTags), groupId: g.id, egress, ...spec }));
  g.rules.push(...added);
  return { return: true, securityGroupRuleSet: added.map((r) => ruleWire(s, r)) };
}

function revoke(s: Ec2Store, a: Args, egress: boolean) {
  const g = getGroup(s, a);
  const ruleIds = a.strings('SecurityGroupRuleId');
  if (ruleIds.length) {
    const unknown = ruleIds.filter((id) => !g.rules.some((r) => r.id === id && r.egress === egress));
    if (unknown.length)
      throw new CloudError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${unknown[0]}' does not exist`);
    const revoked = g.rules.filter((r) => ruleIds.includes(r.id));
    g.rules = g.rules.filter((r) => !ruleIds.includes(r.id));
    return { return: true, revokedSecurityGroupRuleSet: revoked.map((r) => revokedWire(r)) };
  }
  const specs = parsePermissions(s, a);
  const revoked = g.rules.filter((r) => r.egress === egress && specs.some((spec) => sameRule(r, spec)));
  const unknown = specs.filter((spec) => !revoked.some((r) => sameRule(r, spec)));
  // Current EC2 does not fail on rules that are not there: it revokes the rest and lists the unknown ones.
  g.rules = g.rules.filter((r) => !revoked.includes(r));
  return {
    return: true,
    revokedSecurityGroupRuleSet: revoked.map((r) => revokedWire(r)),
    unknownIpPermissionSet: unknown.length
      ? unknown.map((u) => ({
          ipProtocol: u.protocol,
          fromPort: u.fromPort,
          toPort: u.toPort,
          ipRanges: u.cidr ? [{ cidrIp: u.cidr }] : [],
          groups: u.refGroupId ? [{ groupId: u.refGroupId }] : [],
        }))
      : undefined,
  };
}

function revokedWire(r: SgRuleRec) {
  return {
    securityGroupRuleId: r.id,
    groupId: r.groupId,
    isEgress: r.egress,
    ipProtocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    cidrIpv4: r.cidr,
    referencedGroupId: r.refGroupId,
    description: r.description,
  };
}

export function securityGroupActions(s: Ec2Store): Actions {
  const fields: FilterFields<SecurityGroupRec> = {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    'vpc-id': (g) => g.vpcId,
    description: (g) => g.description,
    'owner-id': () => s.accountId,
    'ip-permission.cidr': (g) => g.rules.filter((r) => !r.egress).map((r) => r.cidr),
    'ip-permission.group-id': (g) => g.rules.filter((r) => !r.egress).map((r) => r.refGroupId),
    'ip-permission.from-port': (g) => g.rules.filter((r) => !r.egress).map((r) => String(r.fromPort ?? -1)),
    'ip-permission.to-port': (g) => g.rules.filter((r) => !r.egress).map((r) => String(r.toPort ?? -1)),
    'egress.ip-permission.cidr': (g) => g.rules.filter((r) => r.egress).map((r) => r.cidr),
  };
  const ruleFields: FilterFields<SgRuleRec> = {
    'group-id': (r) => r.groupId,
    'security-group-rule-id': (r) => r.id,
  };
  return {
    CreateSecurityGroup(a: Args) {
      const name = a.required('GroupName');
      const description = a.str('GroupDescription') ?? a.str('Description');
      if (!description) throw new CloudError('MissingParameter', 'The request must contain the parameter GroupDescription');
      const vpc = getVpc(s, a.required('VpcId'));
      if (name.length > 255 || name === 'default') throw invalidValue(`Invalid value '${name}' for groupName.`);
      // GroupName "Constraints: Up to 255 characters in length. Cannot start with sg-."
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html ; the wording is
      // AWS's answer (https://github.com/kubernetes-sigs/cluster-api-provider-aws/issues/1725).
      if (name.startsWith(RESERVED_GROUP_NAME_PREFIX)) {
        throw invalidValue(
          `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format ${RESERVED_GROUP_NAME_PREFIX}*.`,
        );
      }
      if ([...s.groups.values()].some((g) => g.vpcId === vpc.id && g.name === name)) {
        throw new CloudError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.id}'`);
      }
      const g: SecurityGroupRec = {
        id: s.newId('sg'),
        tags: tagsOnCreate(a, 'security-group'),
        vpcId: vpc.id,
        name,
        description,
        rules: [],
        createdAt: s.now(),
      };
      // Every new group allows all egress until someone revokes it, as on AWS.
      g.rules.push({ id: s.newId('sgr'), tags: new Map(), groupId: g.id, egress: true, protocol: '-1', cidr: '0.0.0.0/0' });
      s.groups.set(g.id, g);
      return { groupId: g.id, securityGroupArn: groupWire(s, g).securityGroupArn, tagSet: tagSet(g.tags) };
    },
    AuthorizeSecurityGroupIngress: (a: Args) => authorize(s, a, false),
    AuthorizeSecurityGroupEgress: (a: Args) => authorize(s, a, true),
    RevokeSecurityGroupIngress: (a: Args) => revoke(s, a, false),
    RevokeSecurityGroupEgress: (a: Args) => revoke(s, a, true),

    DescribeSecurityGroups(a: Args) {
      let selected = selectByIds([...s.groups.values()], a.strings('GroupId'), (g) => g.id, groupNotFound);
      const names = a.strings('GroupName');
      if (names.length) {
        const missingNames = names.filter((n) => !selected.some((g) => g.name === n));
        if (missingNames.length) throw groupNotFound(missingNames);
        selected = selected.filter((g) => names.includes(g.name));
      }
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { securityGroupInfo: page.map((g) => groupWire(s, g)), nextToken };
    },

    DescribeSecurityGroupRules(a: Args) {
      const all = [...s.groups.values()].flatMap((g) => g.rules);
      const ids = a.strings('SecurityGroupRuleId');
      const missingIds = ids.filter((id) => !all.some((r) => r.id === id));
      if (missingIds.length)
        throw new CloudError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missingIds[0]}' does not exist`);
      const selected = ids.length ? all.filter((r) => ids.includes(r.id)) : all;
      const { page, nextToken } = paginate(applyFilters(selected, a, ruleFields), a);
      return { securityGroupRuleSet: page.map((r) => ruleWire(s, r)), nextToken };
    },

    DeleteSecurityGroup(a: Args) {
      const g = getGroup(s, a);
      if (s.vpcs.get(g.vpcId)?.defaultGroupId === g.id) {
        throw new CloudError('CannotDelete', `the specified group: "${g.id}" name: "default" cannot be deleted by a user`);
      }
      const referenced = [...s.groups.values()].some((o) => o.id !== g.id && o.rules.some((r) => r.refGroupId === g.id));
      const inUse = s.liveEnis().some((e) => e.groupIds.includes(g.id));
      if (referenced || inUse) throw new CloudError('DependencyViolation', `resource ${g.id} has a dependent object`);
      s.groups.delete(g.id);
      return { return: true, groupId: g.id };
    },
  };
}
