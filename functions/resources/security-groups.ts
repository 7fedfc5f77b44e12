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
import { carriedUnseen, describeAll, ignoringGone, requireCarried } from './owned';

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

/**
 * `noneYet`: the caller knows that no group of the build exists (ensureNetwork: this very call created every
 * subnet), so the lookup by tag is skipped; a duplicate name would still be caught (InvalidGroup.Duplicate).
 * Rules are read only for the groups that existed before this call: a group CreateSecurityGroup has just made
 * has no inbound rules yet, only the default outbound one ("Security group basics",
 * https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html), so every planned rule is missing.
 */
export async function ensureSecurityGroups(
  clients: AwsClients,
  plan: Plan,
  vpcId: string,
  known: Partial<SecurityGroupIds> = {},
  noneYet = false,
): Promise<SecurityGroupIds> {
  const owned = noneYet ? [] : await findOwnedGroups(clients, plan.buildId);
  const ids = {} as SecurityGroupIds;
  const created = new Set<string>();
  for (const [key, group] of plannedGroups(plan)) {
    const foundId =
      owned.find((g) => g.GroupName === group.name && g.VpcId === vpcId)?.GroupId ??
      (await carriedGroupId(clients, plan.buildId, known[key]));
    const ensured = foundId ? { id: foundId, created: false } : await createGroup(clients, plan.buildId, group, vpcId);
    ids[key] = ensured.id;
    if (ensured.created) created.add(ensured.id);
  }
  const preexisting = Object.values(ids).filter((id) => !created.has(id));
  const existing = preexisting.length > 0 ? await describeRules(clients, preexisting) : [];
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
 * Deletes the build's security groups (by tag, and the ids the state carries). A group that another group's rule
 * references cannot be deleted (DependencyViolation), but a group's own rules, naming itself or others, never keep
 * it alive (https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html). So the groups go in
 * an order where nothing left references them, and only a cycle (control plane ⇄ workers) costs a revoke: one
 * group's references to the others, in one call, read from the DescribeSecurityGroups that found them (no
 * DescribeSecurityGroupRules). A group still used by an interface answers DependencyViolation, classified
 * ResourceNotReady: the teardown retries (DeleteNetwork checks for interfaces first, so this is a race). Already
 * gone is success. Returns every group id it deleted or found gone.
 */
export async function deleteSecurityGroups(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly (string | undefined)[] = [],
): Promise<string[]> {
  const groups = await findOwnedGroups(clients, buildId);
  groups.push(
    ...(await carriedUnseen(
      groups.map((g) => g.GroupId),
      carriedIds,
      async (id) => (await describeGroups(clients, { GroupIds: [id] }))[0],
      (GroupId): SecurityGroup => ({ GroupId }),
    )),
  );
  const ours = new Set(groups.map((g) => g.GroupId as string));
  // group id → the ingress permissions by which it references the other groups still here
  const remaining = new Map(groups.map((g) => [g.GroupId as string, referencesToOthers(g, ours)]));
  const deleted: string[] = [];
  while (remaining.size > 0) {
    const free = [...remaining.keys()].filter((id) => ![...remaining].some(([other, refs]) => other !== id && refersTo(refs, id)));
    if (free.length === 0) {
      // A cycle: revoke every reference of the group that holds the most, and the others come free.
      const [groupId, refs] = [...remaining].reduce((most, entry) => (pairsIn(entry[1]) > pairsIn(most[1]) ? entry : most));
      await ignoringGone('RevokeSecurityGroupIngress', () =>
        clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: refs })),
      );
      remaining.set(groupId, []);
      continue;
    }
    for (const groupId of free) {
      await ignoringGone('DeleteSecurityGroup', () => clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
      remaining.delete(groupId);
      deleted.push(groupId);
    }
  }
  return deleted;
}

/**
 * A group's ingress permissions that name other groups of `ours`, as RevokeSecurityGroupIngress takes them back:
 * protocol and ports as described, each referenced group by id alone (a revoke matches on protocol, ports and
 * source; descriptions play no part).
 */
function referencesToOthers(group: SecurityGroup, ours: ReadonlySet<string>): IpPermission[] {
  return (group.IpPermissions ?? []).flatMap((permission) => {
    const pairs = (permission.UserIdGroupPairs ?? [])
      .filter((pair) => pair.GroupId && pair.GroupId !== group.GroupId && ours.has(pair.GroupId))
      .map((pair) => ({ GroupId: pair.GroupId }));
    return pairs.length
      ? [{ IpProtocol: permission.IpProtocol, FromPort: permission.FromPort, ToPort: permission.ToPort, UserIdGroupPairs: pairs }]
      : [];
  });
}

const refersTo = (refs: readonly IpPermission[], groupId: string) =>
  refs.some((permission) => permission.UserIdGroupPairs?.some((pair) => pair.GroupId === groupId));
const pairsIn = (refs: readonly IpPermission[]) => refs.reduce((n, permission) => n + (permission.UserIdGroupPairs?.length ?? 0), 0);

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

/** `created: false` when the name turned out taken by a group of ours that the lookup by tag did not show. */
async function createGroup(
  clients: AwsClients,
  buildId: string,
  group: SecurityGroupPlan,
  vpcId: string,
): Promise<{ id: string; created: boolean }> {
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
    return { id: await duplicateGroupId(clients, buildId, group, vpcId, error), created: false };
  }
  if (!groupId) throw new NotYetVisible(`CreateSecurityGroup returned no group id for ${group.name}`);
  return { id: groupId, created: true };
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
