import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, WorkflowContractError } from '../../../functions/core/errors';
import type { Plan } from '../../../functions/core/plan';
import { TAG } from '../../../functions/core/tags';
import { elbTags, ownedArns } from '../../../functions/resources/elb-owned';
import {
  CROSS_ZONE_ATTRIBUTE,
  deleteLoadBalancer,
  describeLoadBalancer,
  ensureLoadBalancer,
} from '../../../functions/resources/load-balancer';
import { awsError, loadBalancerNotFound, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';
import { LB_ARN, NETWORK, tgArn } from '../../fixtures/ids';

const { elbv2, clients } = mockAws();
const plan = seoulPlan();
const nlb = {
  LoadBalancerArn: LB_ARN,
  LoadBalancerName: 'fin-k8s-dev-nlb',
  DNSName: 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com',
  State: { Code: 'provisioning' as const },
};

function givenFound(buildId = BUILD_ID, crossZone = 'true'): void {
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [nlb] });
  elbv2
    .on(DescribeTagsCommand)
    .resolves({ TagDescriptions: [{ ResourceArn: LB_ARN, Tags: elbTags(seoulPlan({}, buildId).loadBalancer.tags) }] });
  elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: CROSS_ZONE_ATTRIBUTE, Value: crossZone }] });
}
function givenAbsent(): void {
  elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
  elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [nlb] });
  elbv2.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: CROSS_ZONE_ATTRIBUTE, Value: 'false' }] });
}
function withCrossZone(crossZone: boolean): Plan {
  return seoulPlan({ loadBalancer: { ...plan.spec.loadBalancer, crossZone } });
}

describe('ensureLoadBalancer', () => {
  beforeEach(() => {
    elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [nlb] });
    elbv2.on(ModifyLoadBalancerAttributesCommand).resolves({});
  });

  it('creates the NLB when a lookup by name finds none, and returns its ARN, DNS name and state', async () => {
    elbv2.on(DescribeLoadBalancersCommand).rejects(loadBalancerNotFound());
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).resolves.toEqual({
      loadBalancerArn: LB_ARN,
      dnsName: nlb.DNSName,
      state: 'provisioning',
    });
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input)).toEqual([{ Names: ['fin-k8s-dev-nlb'] }]);
    expect(elbv2.commandCalls(CreateLoadBalancerCommand)).toHaveLength(1);
    expect(elbv2.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it('gets back the NLB an earlier attempt made in this build’s VPC without spending a CreateLoadBalancer token on it', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ ...nlb, VpcId: NETWORK.vpcId, State: { Code: 'active' } }] });
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).resolves.toEqual({
      loadBalancerArn: LB_ARN,
      dnsName: nlb.DNSName,
      state: 'active',
    });
    expect(elbv2.commandCalls(CreateLoadBalancerCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand)).toHaveLength(1);
  });

  it('does not take a same-named NLB in another VPC for its own: it creates, and AWS answers DuplicateLoadBalancerName', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ ...nlb, VpcId: 'vpc-someone-else' }] });
    elbv2.on(CreateLoadBalancerCommand).rejects(awsError('DuplicateLoadBalancerName'));
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(ResourceConflict);
  });

  it('creates an internal NLB with one subnet mapping per private subnet, the NLB security group and our tags', async () => {
    await ensureLoadBalancer(clients, plan, NETWORK);
    const input = elbv2.commandCalls(CreateLoadBalancerCommand)[0].args[0].input;
    expect(input).toMatchObject({
      Name: 'fin-k8s-dev-nlb',
      Type: 'network',
      Scheme: 'internal',
      IpAddressType: 'ipv4',
      SubnetMappings: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }, { SubnetId: 'subnet-c' }],
      SecurityGroups: ['sg-nlb'],
    });
    expect(input.Subnets).toBeUndefined();
    expect(input.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG.buildId, Value: BUILD_ID },
        { Key: TAG.name, Value: 'fin-k8s-dev-nlb' },
        { Key: TAG.role, Value: 'load-balancer' },
        { Key: TAG.managedBy, Value: 'k8s-ec2-builder' },
        { Key: 'kubernetes.io/cluster/fin-k8s-dev', Value: 'owned' },
        { Key: 'team', Value: 'platform' },
      ]),
    );
  });

  it.each([true, false])('sets cross-zone %s without reading it first', async (crossZone) => {
    await ensureLoadBalancer(clients, withCrossZone(crossZone), NETWORK);
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { LoadBalancerArn: LB_ARN, Attributes: [{ Key: CROSS_ZONE_ATTRIBUTE, Value: String(crossZone) }] },
    ]);
    expect(elbv2.commandCalls(DescribeLoadBalancerAttributesCommand)).toHaveLength(0);
  });

  it("refuses a same-named NLB with other settings (another build's), naming the name, and sets nothing", async () => {
    elbv2.on(CreateLoadBalancerCommand).rejects(awsError('DuplicateLoadBalancerName'));
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(ResourceConflict);
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(/name fin-k8s-dev-nlb is used/);
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand)).toHaveLength(0);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
  ])('throws $errorClass.name when CreateLoadBalancer fails with $code', async ({ code, errorClass }) => {
    elbv2.on(CreateLoadBalancerCommand).rejects(awsError(code));
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(errorClass);
    expect(elbv2.commandCalls(ModifyLoadBalancerAttributesCommand)).toHaveLength(0);
  });

  it('relies on CreateLoadBalancer idempotency on a repeat: identical calls, one NLB', async () => {
    const first = await ensureLoadBalancer(clients, plan, NETWORK);
    const second = await ensureLoadBalancer(clients, plan, NETWORK);
    const creates = elbv2.commandCalls(CreateLoadBalancerCommand);
    expect(creates).toHaveLength(2);
    expect(creates[1].args[0].input).toEqual(creates[0].args[0].input);
    expect(second.loadBalancerArn).toBe(first.loadBalancerArn);
  });

  it.each(['SubnetNotFound', 'InvalidSecurityGroup', 'InvalidSubnet'])(
    'throws NotYetVisible when CreateLoadBalancer answers %s for the subnets and group CreateNetwork just made',
    async (code) => {
      elbv2.on(CreateLoadBalancerCommand).rejects(awsError(code));
      await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(NotYetVisible);
      await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(`CreateLoadBalancer: ${code}`);
    },
  );

  it('throws NotYetVisible when the attributes of a just-created NLB are not visible yet', async () => {
    elbv2.on(ModifyLoadBalancerAttributesCommand).rejects(loadBalancerNotFound());
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(NotYetVisible);
  });

  it('throws NotYetVisible when CreateLoadBalancer returns no load balancer', async () => {
    elbv2.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [] });
    await expect(ensureLoadBalancer(clients, plan, NETWORK)).rejects.toThrow(NotYetVisible);
  });

  it.each([
    { missing: 'a private subnet', ids: { ...NETWORK, privateSubnetIds: { 'ap-northeast-2a': 'subnet-a' } }, field: /privateSubnetIds/ },
    {
      missing: 'the NLB security group',
      ids: { ...NETWORK, securityGroupIds: { ...NETWORK.securityGroupIds, nlb: '' } },
      field: /securityGroupIds\.nlb/,
    },
  ])('throws WorkflowContractError naming the field when the network lacks $missing', async ({ ids, field }) => {
    await expect(ensureLoadBalancer(clients, plan, ids)).rejects.toThrow(WorkflowContractError);
    await expect(ensureLoadBalancer(clients, plan, ids)).rejects.toThrow(field);
    expect(elbv2.commandCalls(CreateLoadBalancerCommand)).toHaveLength(0);
  });
});

describe('describeLoadBalancer', () => {
  it.each([
    { case: 'ours', given: () => givenFound(), expected: { loadBalancerArn: LB_ARN, dnsName: nlb.DNSName, state: 'provisioning' } },
    { case: 'absent', given: givenAbsent, expected: undefined },
    { case: 'not ours', given: () => givenFound('someone-elses-build'), expected: undefined },
  ])('returns the state of the NLB when it is $case', async ({ given, expected }) => {
    given();
    await expect(describeLoadBalancer(clients, plan)).resolves.toEqual(expected);
  });
});

describe('deleteLoadBalancer', () => {
  const tgArns = plan.targetGroups.map((tg) => tgArn(tg.name));
  /** The NLB as `given` leaves it, and the build's target groups, all tagged for `groupsOf`. */
  function withTargetGroups(groupsOf = BUILD_ID): void {
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: tgArns.map((TargetGroupArn) => ({ TargetGroupArn })) });
    elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
      TagDescriptions: ResourceArns.map((ResourceArn) => ({
        ResourceArn,
        Tags: elbTags(seoulPlan({}, ResourceArn === LB_ARN ? BUILD_ID : groupsOf).loadBalancer.tags),
      })),
    }));
    elbv2.on(DeleteTargetGroupCommand).resolves({});
  }

  it.each([
    { case: 'absent', given: givenAbsent, deletes: 0 },
    { case: 'not ours', given: () => givenFound('someone-elses-build'), deletes: 0 },
    { case: 'ours', given: () => givenFound(), deletes: 1 },
  ])('when the NLB is $case, deletes it $deletes time(s) and succeeds', async ({ given, deletes }) => {
    given();
    elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({
      deleted: deletes ? [LB_ARN] : [],
      loadBalancerDeleted: deletes > 0,
    });
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(deletes);
    if (deletes) expect(elbv2.commandCalls(DeleteLoadBalancerCommand)[0].args[0].input).toEqual({ LoadBalancerArn: LB_ARN });
  });

  it('deletes the load balancer, then its target groups, judging them all with one DescribeTags and never listing listeners', async () => {
    givenFound();
    withTargetGroups();
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({ deleted: [LB_ARN, ...tgArns], loadBalancerDeleted: true });
    const order = elbv2
      .calls()
      .map((c) => (c.args[0] as object).constructor.name)
      .filter((n) => n.startsWith('Delete'));
    expect(order).toEqual(['DeleteLoadBalancerCommand', ...tgArns.map(() => 'DeleteTargetGroupCommand')]);
    expect(elbv2.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns)).toEqual([[LB_ARN, ...tgArns]]);
    expect(elbv2.commandCalls(DescribeListenersCommand)).toHaveLength(0);
  });

  it('leaves same-named target groups of another build alone', async () => {
    givenFound();
    withTargetGroups('someone-elses-build');
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({ deleted: [LB_ARN], loadBalancerDeleted: true });
    expect(elbv2.commandCalls(DeleteTargetGroupCommand)).toHaveLength(0);
  });

  it('answers loadBalancerDeleted when only target groups of ours are left: an earlier attempt deleted the NLB and met ResourceInUse', async () => {
    givenAbsent();
    withTargetGroups();
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({ deleted: tgArns, loadBalancerDeleted: true });
    expect(elbv2.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
  });

  it('does not answer loadBalancerDeleted for target groups of another build without an NLB', async () => {
    givenAbsent();
    withTargetGroups('someone-elses-build');
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({ deleted: [], loadBalancerDeleted: false });
  });

  it('treats a load balancer gone during delete as success', async () => {
    givenFound();
    elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
    elbv2.on(DeleteLoadBalancerCommand).rejects(loadBalancerNotFound());
    await expect(deleteLoadBalancer(clients, plan)).resolves.toEqual({ deleted: [], loadBalancerDeleted: false });
  });

  it('throws PermissionDenied when DeleteLoadBalancer is denied', async () => {
    givenFound();
    elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
    elbv2.on(DeleteLoadBalancerCommand).rejects(awsError('AccessDenied'));
    await expect(deleteLoadBalancer(clients, plan)).rejects.toThrow(PermissionDenied);
  });
});

describe('ownedArns', () => {
  it('asks DescribeTags at most 20 ARNs at a time and keeps only those tagged with our build id', async () => {
    const arns = Array.from({ length: 45 }, (_, i) => `${LB_ARN}-${i}`);
    elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
      TagDescriptions: ResourceArns.map((ResourceArn, i) => ({
        ResourceArn,
        Tags: elbTags(seoulPlan({}, i % 2 ? 'other' : BUILD_ID).loadBalancer.tags),
      })),
    }));
    const owned = await ownedArns(clients, arns, BUILD_ID);
    expect(elbv2.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns?.length)).toEqual([20, 20, 5]);
    expect(owned.size).toBe(23);
  });

  it('leaves out a target group deleted after it was listed, and still judges the others of its batch', async () => {
    const arns = Array.from({ length: 3 }, (_, i) => `${LB_ARN}-${i}`);
    const deleted = arns[1];
    elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => {
      // ELBv2 fails the whole call when one ARN is gone.
      if (ResourceArns.includes(deleted)) throw targetGroupNotFound();
      return { TagDescriptions: ResourceArns.map((ResourceArn) => ({ ResourceArn, Tags: elbTags(plan.loadBalancer.tags) })) };
    });
    expect([...(await ownedArns(clients, arns, BUILD_ID))]).toEqual([arns[0], arns[2]]);
  });
});
