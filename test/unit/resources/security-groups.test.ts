import {
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandInput,
  type CreateSecurityGroupCommandInput,
  type SecurityGroup,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import type { SecurityGroupKey, SecurityGroupPlan } from '../../../functions/core/plan';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import {
  deleteSecurityGroups,
  ensureSecurityGroups,
  permission,
  type SecurityGroupIds,
} from '../../../functions/resources/security-groups';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const VPC_ID = 'vpc-0123456789abcdef0';
/** The Seoul plan's groups in the order the build makes them: it has a bastion and no interface endpoints. */
const KEYS: readonly SecurityGroupKey[] = ['bastion', 'nlb', 'controlPlane', 'workers'];
const IDS: SecurityGroupIds = { bastion: 'sg-bastion', nlb: 'sg-nlb', controlPlane: 'sg-cp', workers: 'sg-workers' };
function planned(key: SecurityGroupKey, from = plan): SecurityGroupPlan {
  const found = from.securityGroups[key];
  if (!found) throw new Error(`the plan has no ${key} group`);
  return found;
}
const keyByName = Object.fromEntries(KEYS.map((k) => [planned(k).name, k])) as Record<string, SecurityGroupKey>;
const group = (key: SecurityGroupKey): SecurityGroup => ({
  GroupId: IDS[key],
  GroupName: planned(key).name,
  VpcId: VPC_ID,
  Tags: toTagList(planned(key).tags),
});
const ALL_GROUPS = KEYS.map(group);
/** Every planned rule as DescribeSecurityGroupRules would return it once authorized. */
const PLANNED_RULES: SecurityGroupRule[] = KEYS.flatMap((key) =>
  planned(key).ingress.map((rule, i) => ({
    SecurityGroupRuleId: `sgr-${key}-${i}`,
    GroupId: IDS[key],
    IsEgress: false,
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort,
    ToPort: rule.toPort,
    ...('cidr' in rule.source ? { CidrIpv4: rule.source.cidr } : { ReferencedGroupInfo: { GroupId: IDS[rule.source.group] } }),
  })),
);
const DEFAULT_EGRESS: SecurityGroupRule[] = KEYS.map((key) => ({
  SecurityGroupRuleId: `sgr-egress-${key}`,
  GroupId: IDS[key],
  IsEgress: true,
  IpProtocol: '-1',
  CidrIpv4: '0.0.0.0/0',
}));
const authorizedFor = (key: SecurityGroupKey) =>
  ec2.commandCalls(AuthorizeSecurityGroupIngressCommand, { GroupId: IDS[key] }).flatMap((c) => c.args[0].input.IpPermissions ?? []);

beforeEach(() => {
  ec2
    .on(CreateSecurityGroupCommand)
    .callsFake((input: CreateSecurityGroupCommandInput) => ({ GroupId: IDS[keyByName[input.GroupName as string]] }));
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
});

describe('ensureSecurityGroups', () => {
  it.each([
    { state: 'found with all their rules', groups: ALL_GROUPS, rules: [...PLANNED_RULES, ...DEFAULT_EGRESS], creates: 0, authorizes: 0 },
    { state: 'found without rules', groups: ALL_GROUPS, rules: DEFAULT_EGRESS, creates: 0, authorizes: 4 },
    { state: 'absent', groups: [], rules: [], creates: 4, authorizes: 4 },
  ])(
    'makes $creates create and $authorizes authorize call(s) when the groups are $state',
    async ({ groups, rules, creates, authorizes }) => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
      ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: rules });
      await expect(ensureSecurityGroups(clients, plan, VPC_ID)).resolves.toEqual(IDS);
      expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(creates);
      expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(authorizes);
      expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0].args[0].input).toEqual({ Filters: ownedFilters(BUILD_ID) });
      // A group it has just created has no inbound rules: only the groups it found are read.
      expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand).map((c) => c.args[0].input)).toEqual(
        creates ? [] : [{ Filters: [{ Name: 'group-id', Values: Object.values(IDS) }] }],
      );
    },
  );

  it('reads the rules of the groups it found only, not of those it has just created', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group('bastion'), group('workers')] });
    await expect(ensureSecurityGroups(clients, plan, VPC_ID)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(CreateSecurityGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([
      planned('nlb').name,
      planned('controlPlane').name,
    ]);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'group-id', Values: [IDS.bastion, IDS.workers] }] },
    ]);
  });

  it('skips the lookup by tag when the caller knows no group exists yet, and still authorizes every rule', async () => {
    await expect(ensureSecurityGroups(clients, plan, VPC_ID, {}, true)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(4);
    for (const key of KEYS) expect(authorizedFor(key)).toEqual(planned(key).ingress.map((rule) => permission(rule, IDS)));
  });

  it.each(KEYS.map((key) => [key]))('creates the %s group in the VPC, tagged on create', async (key) => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await ensureSecurityGroups(clients, plan, VPC_ID);
    const input = ec2.commandCalls(CreateSecurityGroupCommand, { GroupName: planned(key).name })[0].args[0].input;
    expect(input).toMatchObject({ VpcId: VPC_ID, Description: planned(key).description });
    expect(input.TagSpecifications).toEqual(ownedTagSpecifications('security-group', planned(key).name, planned(key).tags['k8s-ec2:role']));
  });

  it('authorizes every planned rule with group sources resolved to the created ids, and tags the rules', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await ensureSecurityGroups(clients, plan, VPC_ID);
    for (const key of KEYS) {
      expect(authorizedFor(key)).toEqual(planned(key).ingress.map((rule) => permission(rule, IDS)));
      const [call] = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand, { GroupId: IDS[key] });
      const specifications = call.args[0].input.TagSpecifications;
      expect(specifications?.map((s) => s.ResourceType)).toEqual(['security-group-rule']);
      expect(specifications?.[0].Tags).toContainEqual({ Key: 'k8s-ec2:build-id', Value: BUILD_ID });
    }
    expect(authorizedFor('bastion')).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'SSH from 203.0.113.0/24' }] },
    ]);
    expect(authorizedFor('workers')).toContainEqual({
      IpProtocol: 'tcp',
      FromPort: 30080,
      ToPort: 30080,
      UserIdGroupPairs: [{ GroupId: 'sg-nlb', Description: 'NodePort 30080 for NLB listener 80' }],
    });
    expect(JSON.stringify(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input))).not.toContain('0.0.0.0/0');
  });

  it('adds only the rules that are missing', async () => {
    const missing = PLANNED_RULES.find((r) => r.GroupId === 'sg-workers' && r.FromPort === 30443);
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: ALL_GROUPS });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: PLANNED_RULES.filter((r) => r !== missing) });
    await ensureSecurityGroups(clients, plan, VPC_ID);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input.IpPermissions)).toEqual([
      [
        {
          IpProtocol: 'tcp',
          FromPort: 30443,
          ToPort: 30443,
          UserIdGroupPairs: [{ GroupId: 'sg-nlb', Description: 'NodePort 30443 for NLB listener 443' }],
        },
      ],
    ]);
  });

  it('replays a batch that met InvalidPermission.Duplicate rule by rule, counting duplicates as done', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: ALL_GROUPS });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: PLANNED_RULES.filter((r) => r.GroupId !== 'sg-nlb') });
    ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake((input: AuthorizeSecurityGroupIngressCommandInput) => {
      const permissions = input.IpPermissions ?? [];
      if (permissions.length > 1 || permissions[0].FromPort === 6443) throw awsError('InvalidPermission.Duplicate');
      return { Return: true };
    });
    await expect(ensureSecurityGroups(clients, plan, VPC_ID)).resolves.toEqual(IDS);
    const nlbRules = plan.securityGroups.nlb.ingress.length;
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(1 + nlbRules);
  });

  it.each([
    ['DescribeSecurityGroups', 'RequestLimitExceeded', AwsThrottled, DescribeSecurityGroupsCommand],
    ['DescribeSecurityGroups', 'UnauthorizedOperation', PermissionDenied, DescribeSecurityGroupsCommand],
    ['AuthorizeSecurityGroupIngress', 'RulesPerSecurityGroupLimitExceeded', QuotaExceeded, AuthorizeSecurityGroupIngressCommand],
    ['CreateSecurityGroup', 'SecurityGroupLimitExceeded', QuotaExceeded, CreateSecurityGroupCommand],
  ])('classifies %s failing with %s', async (_operation, code, expected, command) => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(command as typeof DescribeSecurityGroupsCommand).rejects(awsError(code));
    await expect(ensureSecurityGroups(clients, plan, VPC_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies DescribeSecurityGroupRules failing with RequestLimitExceeded', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: ALL_GROUPS });
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(ensureSecurityGroups(clients, plan, VPC_ID)).rejects.toBeInstanceOf(AwsThrottled);
  });

  it('never makes a group twice when a repeat (nothing in memory, nothing in the state) finds nothing because Describe is not consistent yet', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await ensureSecurityGroups(clients, plan, VPC_ID);
    // What AWS answers for a group name that is taken in the VPC: the repeat's creates make nothing.
    ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate'));
    await expect(ensureSecurityGroups(clients, plan, VPC_ID)).rejects.toBeInstanceOf(NotYetVisible);
  });

  it('uses group ids carried in state once visible by id', async () => {
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
      const ids = input.GroupIds;
      return { SecurityGroups: ids ? ALL_GROUPS.filter((g) => g.GroupId !== undefined && ids.includes(g.GroupId)) : [] };
    });
    await expect(ensureSecurityGroups(clients, plan, VPC_ID, IDS)).resolves.toEqual(IDS);
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
  });

  it('refuses a carried group id tagged for another build', async () => {
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => ({
      SecurityGroups: input.GroupIds ? [{ GroupId: input.GroupIds[0], Tags: [] }] : [],
    }));
    await expect(ensureSecurityGroups(clients, plan, VPC_ID, IDS)).rejects.toBeInstanceOf(ResourceConflict);
  });

  describe('when CreateSecurityGroup answers InvalidGroup.Duplicate', () => {
    const byName = {
      Filters: [
        { Name: 'vpc-id', Values: [VPC_ID] },
        { Name: 'group-name', Values: [plan.securityGroups.nlb.name] },
      ],
    };
    beforeEach(() => {
      ec2.on(CreateSecurityGroupCommand, { GroupName: plan.securityGroups.nlb.name }).rejects(awsError('InvalidGroup.Duplicate'));
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    });

    it.each([
      { state: 'ours (not yet visible by tag)', match: [group('nlb')], outcome: 'resolves' },
      { state: 'not visible at all yet', match: [], outcome: NotYetVisible },
      { state: "someone else's", match: [{ ...group('nlb'), Tags: [] }], outcome: ResourceConflict },
    ])('looks the name up in the VPC and the group is $state', async ({ match, outcome }) => {
      ec2.on(DescribeSecurityGroupsCommand, byName).resolves({ SecurityGroups: match });
      const result = ensureSecurityGroups(clients, plan, VPC_ID);
      if (outcome === 'resolves') {
        await expect(result).resolves.toEqual(IDS);
        // It existed before this call (an earlier attempt made it), so its rules are read, not assumed absent.
        expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand).map((c) => c.args[0].input)).toEqual([
          { Filters: [{ Name: 'group-id', Values: [IDS.nlb] }] },
        ]);
      } else await expect(result).rejects.toBeInstanceOf(outcome);
      expect(ec2.commandCalls(CreateSecurityGroupCommand, { GroupName: plan.securityGroups.nlb.name })).toHaveLength(1);
    });
  });
});

describe('ensureSecurityGroups without a bastion, with interface endpoints', () => {
  const bastionless = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages', 's3'] });
  const ENDPOINT_IDS: SecurityGroupIds = { nlb: 'sg-nlb', controlPlane: 'sg-cp', workers: 'sg-workers', endpoints: 'sg-endpoints' };
  const byName: Record<string, string> = Object.fromEntries(
    (['nlb', 'controlPlane', 'workers', 'endpoints'] as const).map((key) => [planned(key, bastionless).name, ENDPOINT_IDS[key] as string]),
  );

  it('makes the endpoint group (HTTPS from the VPC only) and no bastion group, and opens no SSH on the nodes', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2
      .on(CreateSecurityGroupCommand)
      .callsFake((input: CreateSecurityGroupCommandInput) => ({ GroupId: byName[input.GroupName as string] }));
    await expect(ensureSecurityGroups(clients, bastionless, VPC_ID)).resolves.toEqual(ENDPOINT_IDS);
    expect(ec2.commandCalls(CreateSecurityGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([
      'fin-k8s-dev-nlb-sg',
      'fin-k8s-dev-control-plane-sg',
      'fin-k8s-dev-worker-sg',
      'fin-k8s-dev-endpoint-sg',
    ]);
    const authorized = (groupId: string) =>
      ec2.commandCalls(AuthorizeSecurityGroupIngressCommand, { GroupId: groupId }).flatMap((c) => c.args[0].input.IpPermissions ?? []);
    expect(authorized('sg-endpoints')).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'HTTPS from 10.0.0.0/16' }] },
    ]);
    for (const node of ['sg-cp', 'sg-workers']) expect(authorized(node).filter((p) => p.FromPort === 22)).toEqual([]);
  });
});

describe('deleteSecurityGroups', () => {
  /** A group as DescribeSecurityGroups answers once its planned rules are in: referenced groups in UserIdGroupPairs. */
  const described = (key: SecurityGroupKey): SecurityGroup => ({
    ...group(key),
    IpPermissions: planned(key).ingress.map((rule) => permission(rule, IDS)),
  });
  /**
   * EC2's rule for DeleteSecurityGroup: refused (DependencyViolation) while another group still holding a rule
   * names it; a group's own rules, naming itself or not, go with it. Revokes remove the pairs they name.
   */
  function givenReferences(groups: SecurityGroup[] = KEYS.map(described)): void {
    const live = new Map(groups.map((g) => [g.GroupId as string, structuredClone(g.IpPermissions ?? [])]));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    ec2.on(RevokeSecurityGroupIngressCommand).callsFake(({ GroupId, IpPermissions }: RevokeSecurityGroupIngressCommandInput) => {
      const gone = (IpPermissions ?? []).flatMap((p) =>
        (p.UserIdGroupPairs ?? []).map((pair) => `${p.IpProtocol}:${p.FromPort}:${pair.GroupId}`),
      );
      for (const p of live.get(GroupId as string) ?? [])
        p.UserIdGroupPairs = p.UserIdGroupPairs?.filter((pair) => !gone.includes(`${p.IpProtocol}:${p.FromPort}:${pair.GroupId}`));
      return { Return: true };
    });
    ec2.on(DeleteSecurityGroupCommand).callsFake(({ GroupId }: { GroupId: string }) => {
      const holders = [...live].filter(
        ([id, perms]) => id !== GroupId && perms.some((p) => p.UserIdGroupPairs?.some((pair) => pair.GroupId === GroupId)),
      );
      if (holders.length) throw awsError('DependencyViolation');
      live.delete(GroupId);
      return {};
    });
  }

  it('deletes every group in an order that needs one revoke, for the control plane ⇄ workers cycle, and no rule listing', async () => {
    givenReferences();
    const deleted = await deleteSecurityGroups(clients, BUILD_ID);
    expect([...deleted].sort()).toEqual(Object.values(IDS).sort());
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(4);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1);
  });

  it('revokes only references to our other groups, by group id alone, leaving CIDR rules and self-references alone', async () => {
    givenReferences();
    await deleteSecurityGroups(clients, BUILD_ID);
    const [{ GroupId, IpPermissions }] = ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input);
    expect([IDS.controlPlane, IDS.workers]).toContain(GroupId);
    const pairs = (IpPermissions ?? []).flatMap((p) => {
      expect(p.IpRanges).toBeUndefined();
      return p.UserIdGroupPairs ?? [];
    });
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      expect(Object.keys(pair)).toEqual(['GroupId']);
      expect(Object.values(IDS).filter((id) => id !== GroupId)).toContain(pair.GroupId);
    }
  });

  it('needs no revoke when no two groups reference each other', async () => {
    givenReferences([described('bastion'), described('nlb')]);
    await expect(deleteSecurityGroups(clients, BUILD_ID)).resolves.toEqual([IDS.bastion, IDS.nlb]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('succeeds and touches nothing when no group is left', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await expect(deleteSecurityGroups(clients, BUILD_ID)).resolves.toEqual([]);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it.each([
    ['InvalidGroup.NotFound', DeleteSecurityGroupCommand],
    ['InvalidPermission.NotFound', RevokeSecurityGroupIngressCommand],
  ])('treats %s as already gone', async (code, command) => {
    givenReferences();
    ec2.on(command).rejects(awsError(code));
    if (command === RevokeSecurityGroupIngressCommand) ec2.on(DeleteSecurityGroupCommand).resolves({});
    await expect(deleteSecurityGroups(clients, BUILD_ID)).resolves.toHaveLength(4);
  });

  it.each([
    ['DependencyViolation (an ENI still uses it)', 'DependencyViolation', ResourceNotReady],
    ['UnauthorizedOperation', 'UnauthorizedOperation', PermissionDenied],
  ])('classifies DeleteSecurityGroup failing with %s', async (_case, code, expected) => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group('nlb')] });
    ec2.on(DeleteSecurityGroupCommand).rejects(awsError(code));
    await expect(deleteSecurityGroups(clients, BUILD_ID)).rejects.toBeInstanceOf(expected);
  });

  it('classifies a throttled DescribeSecurityGroups and deletes nothing', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(deleteSecurityGroups(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  });

  it('deletes the groups the state carries (created moments ago, not visible by tag yet), described by id', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [IDS.nlb] }).resolves({ SecurityGroups: [described('nlb')] });
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    await expect(deleteSecurityGroups(clients, BUILD_ID, Object.values(IDS))).resolves.toEqual(expect.arrayContaining(Object.values(IDS)));
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(4);
    await expect(deleteSecurityGroups(clients, BUILD_ID)).resolves.toEqual([]);
  });
});
