import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  RevokeSecurityGroupIngressCommand,
  type DescribeSecurityGroupsCommandInput,
  type IpPermission,
  type SecurityGroup,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { codeOf, NotYetVisible, ResourceConflict, translateAwsError } from '../core/errors';
import type { BySecurityGroup } from '../core/ports';
import type { Plan, SecurityGroupKey, SecurityGroupPlan } from '../core/plan';
import type { IngressRule } from '../core/ports';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications, type Tags } from '../core/tags';
import { describeAll, ignoringGone, requireCarried, withCarried } from './owned';

/**
 * The four security groups (bastion, NLB, control plane, workers) and their ingress rules from the plan
 * (least privilege, docs/design.md "9.1 Security groups"). The default egress rule stays. A group name is unique in a VPC, so
 * `InvalidGroup.Duplicate` means "ours, not visible yet"; CreateSecurityGroup takes no ClientToken, so we
 * look by tag, then for the id carried in state, then create.
 */
export type SecurityGroupIds = BySecurityGroup<string>;

/** The planned groups, in a fixed order (`endpoints` only where planned). */
function plannedGroups(plan: Plan): Array<[SecurityGroupKey, SecurityGroupPlan]> {
  return (Object.entries(plan.securityGroups) as Array<[SecurityGroupKey, SecurityGroupPlan | undefined]>).filter(
    (entry): entry is [SecurityGroupKey, SecurityGroupPlan] => entry[1] !== undefined,
  );
}

export async function ensureSecurityGroups(
  clients: AwsClients,
  plan: Plan,
  vpcId: string,
  known: Partial<SecurityGroupIds> = {},
): Promise<SecurityGroupIds> {
  const owned = await findOwnedGroups(clients, plan.buildId);
  const ids = {} as SecurityGroupIds;
  for (const [key, group] of plannedGroups(plan)) {
    const found = owned.find((g) => g.GroupName === group.name && g.VpcId === vpcId);
    ids[key] =
      found?.GroupId ??
      (await carriedGroupId(clients, plan.buildId, known[key])) ??
      (await createGroup(clients, plan.buildId, group, vpcId));
  }
  const existing = await describeRules(clients, Object.values(ids));
  for (const [key, group] of plannedGroups(plan)) {
    const groupId = ids[key] as string;
    const missing = group.ingress.filter((rule) => !existing.some((r) => r.GroupId === groupId && !r.IsEgress && matches(r, rule, ids)));
    if (missing.length > 0)
      await authorize(
        clients,
        groupId,
        missing.map((rule) => permission(rule, ids)),
        group.tags,
      );
  }
  return ids;
}

/**
 * Deletes the build's security groups. A group referenced by another group's rule cannot be deleted
 * (DependencyViolation), so the rules that reference our groups are revoked first. A group still used by
 * an ENI (a terminating instance, a lingering NLB interface) answers DependencyViolation, classified
 * ResourceNotReady: the teardown retries. Already gone is success.
 */
export async function deleteSecurityGroups(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly (string | undefined)[] = [],
): Promise<string[]> {
  const groupIds = withCarried(
    (await findOwnedGroups(clients, buildId)).map((g) => g.GroupId),
    carriedIds,
  );
  if (groupIds.length === 0) return [];
  const rules = await describeRules(clients, groupIds);
  for (const groupId of groupIds) {
    const references = rules
      .filter((r) => r.GroupId === groupId && !r.IsEgress && groupIds.includes(r.ReferencedGroupInfo?.GroupId ?? ''))
      .map((r) => r.SecurityGroupRuleId as string);
    if (references.length === 0) continue;
    await ignoringGone('RevokeSecurityGroupIngress', () =>
      clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: references })),
    );
  }
  for (const groupId of groupIds) {
    await ignoringGone('DeleteSecurityGroup', () => clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
  }
  return groupIds;
}

/** The IpPermission AWS expects for one planned rule, with group sources resolved to the created ids. */
export function permission(rule: IngressRule, ids: SecurityGroupIds): IpPermission {
  const base = { IpProtocol: rule.protocol, FromPort: rule.fromPort, ToPort: rule.toPort };
  return 'cidr' in rule.source
    ? { ...base, IpRanges: [{ CidrIp: rule.source.cidr, Description: rule.description }] }
    : { ...base, UserIdGroupPairs: [{ GroupId: ids[rule.source.group], Description: rule.description }] };
}

function matches(existing: SecurityGroupRule, rule: IngressRule, ids: SecurityGroupIds): boolean {
  if (existing.IpProtocol !== rule.protocol || existing.FromPort !== rule.fromPort || existing.ToPort !== rule.toPort) return false;
  return 'cidr' in rule.source ? existing.CidrIpv4 === rule.source.cidr : existing.ReferencedGroupInfo?.GroupId === ids[rule.source.group];
}

/**
 * AWS adds all of a request's permissions or none: one duplicate fails the whole batch. So a batch that
 * meets InvalidPermission.Duplicate (added by an earlier attempt after our Describe) is replayed rule by
 * rule, each duplicate counting as done.
 */
async function authorize(clients: AwsClients, groupId: string, permissions: IpPermission[], tags: Tags): Promise<void> {
  try {
    await clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: permissions,
        TagSpecifications: tagSpecifications('security-group-rule', tags),
      }),
    );
  } catch (error) {
    if (codeOf(error) !== 'InvalidPermission.Duplicate') throw translateAwsError(error, 'AuthorizeSecurityGroupIngress');
    if (permissions.length > 1) for (const one of permissions) await authorize(clients, groupId, [one], tags);
  }
}

async function createGroup(clients: AwsClients, buildId: string, group: SecurityGroupPlan, vpcId: string): Promise<string> {
  let groupId: string | undefined;
  try {
    const out = await clients.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: group.name,
        Description: group.description,
        VpcId: vpcId,
        TagSpecifications: tagSpecifications('security-group', group.tags),
      }),
    );
    groupId = out.GroupId;
  } catch (error) {
    if (codeOf(error) !== 'InvalidGroup.Duplicate') throw translateAwsError(error, 'CreateSecurityGroup');
    return duplicateGroupId(clients, buildId, group, vpcId, error);
  }
  if (!groupId) throw new NotYetVisible(`CreateSecurityGroup returned no group id for ${group.name}`);
  return groupId;
}

/** The name is taken in the VPC: ours (an earlier attempt) is used; someone else's is a conflict. */
async function duplicateGroupId(
  clients: AwsClients,
  buildId: string,
  group: SecurityGroupPlan,
  vpcId: string,
  cause: unknown,
): Promise<string> {
  const [match] = await describeGroups(clients, {
    Filters: [
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'group-name', Values: [group.name] },
    ],
  });
  if (!match?.GroupId)
    throw new NotYetVisible(`security group ${group.name} exists in ${vpcId} (InvalidGroup.Duplicate) but is not visible yet`, { cause });
  if (!isOwnedBy(fromTagList(match.Tags), buildId)) {
    throw new ResourceConflict(
      `security group name ${group.name} in ${vpcId} is taken by ${match.GroupId}, which is not tagged as belonging to build ${buildId}`,
      { cause },
    );
  }
  return match.GroupId;
}

/** A group id we hold that Describe-by-tag did not show: not found by id means "not visible yet". */
async function carriedGroupId(clients: AwsClients, buildId: string, groupId?: string): Promise<string | undefined> {
  if (!groupId) return undefined;
  requireCarried('security group', groupId, buildId, (await describeGroups(clients, { GroupIds: [groupId] }))[0]);
  return groupId;
}

async function findOwnedGroups(clients: AwsClients, buildId: string): Promise<SecurityGroup[]> {
  const groups = await describeGroups(clients, { Filters: ownedFilters(buildId) });
  return groups.filter((g) => g.GroupId && isOwnedBy(fromTagList(g.Tags), buildId));
}

async function describeGroups(clients: AwsClients, input: DescribeSecurityGroupsCommandInput): Promise<SecurityGroup[]> {
  return describeAll(
    'DescribeSecurityGroups',
    () => paginateDescribeSecurityGroups({ client: clients.ec2 }, input),
    (page) => page.SecurityGroups,
  );
}

async function describeRules(clients: AwsClients, groupIds: string[]): Promise<SecurityGroupRule[]> {
  const input = { Filters: [{ Name: 'group-id', Values: groupIds }] };
  return describeAll(
    'DescribeSecurityGroupRules',
    () => paginateDescribeSecurityGroupRules({ client: clients.ec2 }, input),
    (page) => page.SecurityGroupRules,
  );
}
