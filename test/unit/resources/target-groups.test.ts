import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, ResourceNotReady } from '../../../functions/core/errors';
import { TAG } from '../../../functions/core/tags';
import { elbTags } from '../../../functions/resources/elb-owned';
import {
  DEREGISTRATION_DELAY_ATTRIBUTE,
  deleteTargetGroups,
  ensureTargetGroups,
  PRESERVE_CLIENT_IP_ATTRIBUTE,
} from '../../../functions/resources/target-groups';
import { awsError, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { elbv2, clients } = mockAws();
const plan = seoulPlan();
const VPC = 'vpc-0a1';
const arnOf = (name: string) => `arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/${name}/0123456789abcdef`;
/** Target group name → plan entry, for the fakes below. */
const byName = new Map(plan.targetGroups.map((tg) => [tg.name, tg]));
const byArn = new Map(plan.targetGroups.map((tg) => [arnOf(tg.name), tg]));
const SETTLED = [
  { Key: PRESERVE_CLIENT_IP_ATTRIBUTE, Value: 'false' },
  { Key: DEREGISTRATION_DELAY_ATTRIBUTE, Value: '30' },
];
/** What AWS gives a new TCP instance target group. */
const AWS_DEFAULTS = [
  { Key: PRESERVE_CLIENT_IP_ATTRIBUTE, Value: 'true' },
  { Key: DEREGISTRATION_DELAY_ATTRIBUTE, Value: '300' },
];

function givenFound({ buildId = BUILD_ID, vpcId = VPC, attributes = SETTLED } = {}): void {
  elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => ({
    TargetGroups: [{ TargetGroupName: Names[0], TargetGroupArn: arnOf(Names[0]), VpcId: vpcId, Port: byName.get(Names[0])?.targetPort }],
  }));
  elbv2.on(DescribeTagsCommand).callsFake(({ ResourceArns }: { ResourceArns: string[] }) => ({
    TagDescriptions: ResourceArns.map((ResourceArn) => ({
      ResourceArn,
      Tags: elbTags({ ...byArn.get(ResourceArn)?.tags, [TAG.buildId]: buildId }),
    })),
  }));
  elbv2.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: attributes });
}
function givenAbsent(): void {
  elbv2.on(DescribeTargetGroupsCommand).rejects(targetGroupNotFound());
  elbv2
    .on(CreateTargetGroupCommand)
    .callsFake(({ Name }: { Name: string }) => ({ TargetGroups: [{ TargetGroupName: Name, TargetGroupArn: arnOf(Name) }] }));
  elbv2.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: AWS_DEFAULTS });
}
const expectedArns = {
  api: arnOf('fin-k8s-dev-tg-6443'),
  'ingress-80': arnOf('fin-k8s-dev-tg-80'),
  'ingress-443': arnOf('fin-k8s-dev-tg-443'),
};

describe('ensureTargetGroups', () => {
  it.each([
    { case: 'found and tagged ours', given: () => givenFound(), creates: 0 },
    { case: 'absent', given: givenAbsent, creates: 3 },
  ])('when the target groups are $case, creates $creates and returns key → ARN', async ({ given, creates }) => {
    given();
    await expect(ensureTargetGroups(clients, plan, VPC)).resolves.toEqual(expectedArns);
    expect(elbv2.commandCalls(CreateTargetGroupCommand)).toHaveLength(creates);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input.Names)).toEqual([
      ['fin-k8s-dev-tg-6443'],
      ['fin-k8s-dev-tg-80'],
      ['fin-k8s-dev-tg-443'],
    ]);
  });

  it('creates TCP instance target groups on the target ports with TCP traffic-port health checks and our tags', async () => {
    givenAbsent();
    await ensureTargetGroups(clients, plan, VPC);
    const inputs = elbv2.commandCalls(CreateTargetGroupCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Name, i.Port])).toEqual([
      ['fin-k8s-dev-tg-6443', 6443],
      ['fin-k8s-dev-tg-80', 30080],
      ['fin-k8s-dev-tg-443', 30443],
    ]);
    for (const input of inputs) {
      expect(input).toMatchObject({
        Protocol: 'TCP',
        TargetType: 'instance',
        VpcId: VPC,
        HealthCheckProtocol: 'TCP',
        HealthCheckPort: 'traffic-port',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 3,
      });
      expect(input.Tags).toEqual(
        expect.arrayContaining([
          { Key: TAG.buildId, Value: BUILD_ID },
          { Key: TAG.role, Value: 'target-group' },
          { Key: TAG.name, Value: input.Name },
          { Key: 'team', Value: 'platform' },
        ]),
      );
    }
  });

  it.each([
    { case: 'AWS defaults', attributes: AWS_DEFAULTS, modified: SETTLED },
    { case: 'only the delay off', attributes: [SETTLED[0], AWS_DEFAULTS[1]], modified: [SETTLED[1]] },
    { case: 'already settled', attributes: SETTLED, modified: undefined },
  ])(
    'turns client IP preservation off and sets a 30 s deregistration delay only where different ($case)',
    async ({ attributes, modified }) => {
      givenFound({ attributes });
      await ensureTargetGroups(clients, plan, VPC);
      const calls = elbv2.commandCalls(ModifyTargetGroupAttributesCommand).map((c) => c.args[0].input);
      expect(calls).toEqual(
        modified ? Object.values(expectedArns).map((TargetGroupArn) => ({ TargetGroupArn, Attributes: modified })) : [],
      );
    },
  );

  it('keeps client IP preservation on when the spec asks for it', async () => {
    givenFound({ attributes: AWS_DEFAULTS });
    const preserving = seoulPlan({ loadBalancer: { ...plan.spec.loadBalancer, preserveClientIp: true } });
    await ensureTargetGroups(clients, preserving, VPC);
    const attributes = elbv2.commandCalls(ModifyTargetGroupAttributesCommand).map((c) => c.args[0].input.Attributes);
    expect(attributes).toEqual([[SETTLED[1]], [SETTLED[1]], [SETTLED[1]]]);
  });

  it('refuses a same-named target group that is not tagged with our build id, and creates nothing', async () => {
    givenFound({ buildId: 'someone-elses-build' });
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(ResourceConflict);
    expect(elbv2.commandCalls(CreateTargetGroupCommand)).toHaveLength(0);
  });

  it('refuses a target group of ours that sits in another VPC', async () => {
    givenFound({ vpcId: 'vpc-old' });
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(/is in vpc-old, not vpc-0a1/);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
  ])('throws $errorClass.name when DescribeTargetGroups fails with $code, and creates nothing', async ({ code, errorClass }) => {
    elbv2.on(DescribeTargetGroupsCommand).rejects(awsError(code));
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(errorClass);
    expect(elbv2.commandCalls(CreateTargetGroupCommand)).toHaveLength(0);
  });

  it('relies on CreateTargetGroup idempotency when a repeated ensure still finds nothing: identical calls, same ARNs', async () => {
    givenAbsent();
    const first = await ensureTargetGroups(clients, plan, VPC);
    const second = await ensureTargetGroups(clients, plan, VPC);
    const creates = elbv2.commandCalls(CreateTargetGroupCommand).map((c) => c.args[0].input);
    expect(creates).toHaveLength(6);
    expect(creates.slice(3)).toEqual(creates.slice(0, 3));
    expect(second).toEqual(first);
  });

  it('throws ResourceConflict when AWS reports the name taken with different settings', async () => {
    givenAbsent();
    elbv2.on(CreateTargetGroupCommand).rejects(awsError('DuplicateTargetGroupName'));
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(ResourceConflict);
  });

  it('throws NotYetVisible when CreateTargetGroup returns no target group', async () => {
    givenAbsent();
    elbv2.on(CreateTargetGroupCommand).resolves({ TargetGroups: [] });
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(NotYetVisible);
  });
});

describe('deleteTargetGroups', () => {
  it.each([
    { case: 'absent', given: givenAbsent, deleted: [] },
    { case: 'not ours', given: () => givenFound({ buildId: 'someone-elses-build' }), deleted: [] },
    { case: 'ours', given: () => givenFound(), deleted: Object.values(expectedArns) },
  ])('when the target groups are $case, deletes only ours and succeeds', async ({ given, deleted }) => {
    given();
    await expect(deleteTargetGroups(clients, plan)).resolves.toEqual(deleted);
    expect(elbv2.commandCalls(DeleteTargetGroupCommand).map((c) => c.args[0].input.TargetGroupArn)).toEqual(deleted);
  });

  it('treats a target group gone during delete as success', async () => {
    givenFound();
    elbv2.on(DeleteTargetGroupCommand).rejects(targetGroupNotFound());
    await expect(deleteTargetGroups(clients, plan)).resolves.toEqual([]);
  });

  it('throws ResourceNotReady while a listener still uses the target group', async () => {
    givenFound();
    elbv2.on(DeleteTargetGroupCommand).rejects(awsError('ResourceInUse'));
    await expect(deleteTargetGroups(clients, plan)).rejects.toThrow(ResourceNotReady);
  });

  it('throws AwsThrottled when DescribeTargetGroups is throttled', async () => {
    elbv2.on(DescribeTargetGroupsCommand).rejects(awsError('Throttling'));
    await expect(deleteTargetGroups(clients, plan)).rejects.toThrow(AwsThrottled);
    expect(elbv2.commandCalls(DeleteTargetGroupCommand)).toHaveLength(0);
  });
});
