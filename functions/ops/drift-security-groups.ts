import {
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  type SecurityGroup,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan, SecurityGroupKey, SecurityGroupPlan } from '../core/plan';
import type { IngressRule } from '../core/ports';
import { describeAll } from '../resources/owned';
import type { Drift } from './contracts';
import { gone, label, setDrift } from './drift-format';
import { plannedRuleText, ruleText as ruleTextOf } from './rule-text';

/**
 * The build's security groups against the plan's rules (docs/design.md "9.1 Security groups"): every inbound rule
 * missing or added (a `0.0.0.0/0` put on a node group by hand reads `expected: null, actual: "tcp 22 from
 * 0.0.0.0/0"`), and the outbound rules against the one AWS gives every new group, which the build keeps.
 * Group sources read as the group's name when it is one of the build's, else as its id.
 */

/** The egress rule AWS puts on every new group ("allows all outbound traffic"); the build neither adds nor removes any. */
const DEFAULT_EGRESS = 'all to 0.0.0.0/0';

interface BuiltGroup {
  key: SecurityGroupKey;
  plan: SecurityGroupPlan;
  id: string;
}

/** The planned groups the build recorded an id for, in the plan's order. */
function builtGroups(plan: Plan, outputs: BuildOutputs): BuiltGroup[] {
  return (Object.entries(plan.securityGroups) as Array<[SecurityGroupKey, SecurityGroupPlan | undefined]>).flatMap(([key, group]) => {
    const id = outputs.securityGroupIds[key];
    return group && id ? [{ key, plan: group, id }] : [];
  });
}

export async function securityGroupDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const groups = builtGroups(plan, outputs);
  if (groups.length === 0) return [];
  const ids = groups.map((group) => group.id);
  // By filter, not by id: a group id that no longer exists would fail a by-id request as a whole (InvalidGroup.NotFound).
  const filters = [{ Name: 'group-id', Values: ids }];
  const [existing, rules] = await Promise.all([
    describeAll(
      'DescribeSecurityGroups',
      () => paginateDescribeSecurityGroups({ client: clients.ec2 }, { Filters: filters }),
      (page) => page.SecurityGroups,
    ),
    describeAll(
      'DescribeSecurityGroupRules',
      () => paginateDescribeSecurityGroupRules({ client: clients.ec2 }, { Filters: filters }),
      (page) => page.SecurityGroupRules,
    ),
  ]);
  const nameOfId = new Map(groups.map((group) => [group.id, group.plan.name]));
  const peerOfRule = (rule: SecurityGroupRule): string => {
    const groupId = rule.ReferencedGroupInfo?.GroupId;
    return rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? (groupId ? (nameOfId.get(groupId) ?? groupId) : 'unknown peer');
  };
  const ruleText = (rule: SecurityGroupRule): string =>
    ruleTextOf(rule.IpProtocol ?? '-1', rule.FromPort, rule.ToPort, rule.IsEgress ? 'to' : 'from', peerOfRule(rule));
  const plannedText = (rule: IngressRule): string => plannedRuleText(rule, plan);

  const found = new Set(existing.map((group: SecurityGroup) => group.GroupId));
  return groups.flatMap(({ plan: group, id }) => {
    const resource = label('security-group', group.name, id);
    if (!found.has(id)) return [gone(resource)];
    const own = rules.filter((rule) => rule.GroupId === id);
    return [
      ...setDrift(resource, 'ingress', group.ingress.map(plannedText), own.filter((rule) => !rule.IsEgress).map(ruleText)),
      ...setDrift(resource, 'egress', [DEFAULT_EGRESS], own.filter((rule) => rule.IsEgress).map(ruleText)),
    ];
  });
}
