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
import {
  DEREGISTRATION_DELAY_ATTRIBUTE,
  deleteTargetGroups,
  ensureTargetGroups,
  namedTargetGroupArns,
  PRESERVE_CLIENT_IP_ATTRIBUTE,
} from '../../../functions/resources/target-groups';
import { awsError, mockAws, targetGroupNotFound } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { elbv2, clients } = mockAws();
const plan = seoulPlan();
const VPC = 'vpc-0a1';
const arnOf = (name: string) => `arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/${name}/0123456789abcdef`;
const SETTLED = [
  { Key: PRESERVE_CLIENT_IP_ATTRIBUTE, Value: 'false' },
  { Key: DEREGISTRATION_DELAY_ATTRIBUTE, Value: '30' },
];
const expectedArns = {
  api: arnOf('fin-k8s-dev-tg-6443'),
  'ingress-80': arnOf('fin-k8s-dev-tg-80'),
  'ingress-443': arnOf('fin-k8s-dev-tg-443'),
};

describe('ensureTargetGroups', () => {
  beforeEach(() => {
    elbv2
      .on(CreateTargetGroupCommand)
      .callsFake(({ Name }: { Name: string }) => ({ TargetGroups: [{ TargetGroupName: Name, TargetGroupArn: arnOf(Name) }] }));
    elbv2.on(ModifyTargetGroupAttributesCommand).resolves({});
  });

  it('creates (or gets back) each planned group with one CreateTargetGroup and no lookup, and returns key → ARN', async () => {
    await expect(ensureTargetGroups(clients, plan, VPC)).resolves.toEqual(expectedArns);
    expect(elbv2.commandCalls(CreateTargetGroupCommand).map((c) => c.args[0].input.Name)).toEqual([
      'fin-k8s-dev-tg-6443',
      'fin-k8s-dev-tg-80',
      'fin-k8s-dev-tg-443',
    ]);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it('creates TCP instance target groups on the target ports with TCP traffic-port health checks and our tags', async () => {
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

  it('turns client IP preservation off and sets a 30 s deregistration delay on every group, without reading them first', async () => {
    await ensureTargetGroups(clients, plan, VPC);
    expect(elbv2.commandCalls(ModifyTargetGroupAttributesCommand).map((c) => c.args[0].input)).toEqual(
      Object.values(expectedArns).map((TargetGroupArn) => ({ TargetGroupArn, Attributes: SETTLED })),
    );
    expect(elbv2.commandCalls(DescribeTargetGroupAttributesCommand)).toHaveLength(0);
  });

  it('keeps client IP preservation on when the spec asks for it', async () => {
    const preserving = seoulPlan({ loadBalancer: { ...plan.spec.loadBalancer, preserveClientIp: true } });
    await ensureTargetGroups(clients, preserving, VPC);
    const attributes = elbv2.commandCalls(ModifyTargetGroupAttributesCommand).map((c) => c.args[0].input.Attributes);
    expect(attributes).toEqual(Array(3).fill([{ Key: PRESERVE_CLIENT_IP_ATTRIBUTE, Value: 'true' }, SETTLED[1]]));
  });

  it('relies on CreateTargetGroup idempotency on a repeat: identical calls, same ARNs', async () => {
    const first = await ensureTargetGroups(clients, plan, VPC);
    const second = await ensureTargetGroups(clients, plan, VPC);
    const creates = elbv2.commandCalls(CreateTargetGroupCommand).map((c) => c.args[0].input);
    expect(creates).toHaveLength(6);
    expect(creates.slice(3)).toEqual(creates.slice(0, 3));
    expect(second).toEqual(first);
  });

  it("refuses a same-named target group with other settings (another build's, or one in another VPC), and sets nothing", async () => {
    elbv2.on(CreateTargetGroupCommand).rejects(awsError('DuplicateTargetGroupName'));
    const error = await ensureTargetGroups(clients, plan, VPC).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toMatch(
      /^targetGroups\.api: the name fin-k8s-dev-tg-6443 is used by a target group with other settings/,
    );
    expect(elbv2.commandCalls(ModifyTargetGroupAttributesCommand)).toHaveLength(0);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
  ])('throws $errorClass.name when CreateTargetGroup fails with $code', async ({ code, errorClass }) => {
    elbv2.on(CreateTargetGroupCommand).rejects(awsError(code));
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(errorClass);
  });

  it('throws NotYetVisible when the attributes of a just-created group are not visible yet', async () => {
    elbv2.on(ModifyTargetGroupAttributesCommand).rejects(targetGroupNotFound());
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(NotYetVisible);
  });

  it('throws NotYetVisible when CreateTargetGroup returns no target group', async () => {
    elbv2.on(CreateTargetGroupCommand).resolves({ TargetGroups: [] });
    await expect(ensureTargetGroups(clients, plan, VPC)).rejects.toThrow(NotYetVisible);
  });
});

describe('namedTargetGroupArns', () => {
  const names = plan.targetGroups.map((tg) => tg.name);

  it('finds every planned target group with one DescribeTargetGroups by all the names', async () => {
    elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => ({
      TargetGroups: Names.map((name) => ({ TargetGroupName: name, TargetGroupArn: arnOf(name) })),
    }));
    await expect(namedTargetGroupArns(clients, plan)).resolves.toEqual(Object.values(expectedArns));
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input.Names)).toEqual([names]);
  });

  it('leaves out one that does not exist (ELBv2 then fails the whole call) and still finds the others', async () => {
    elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names: string[] }) => {
      if (Names.includes(names[1])) throw targetGroupNotFound();
      return { TargetGroups: Names.map((name) => ({ TargetGroupName: name, TargetGroupArn: arnOf(name) })) };
    });
    await expect(namedTargetGroupArns(clients, plan)).resolves.toEqual([arnOf(names[0]), arnOf(names[2])]);
  });

  it('throws AwsThrottled when DescribeTargetGroups is throttled', async () => {
    elbv2.on(DescribeTargetGroupsCommand).rejects(awsError('Throttling'));
    await expect(namedTargetGroupArns(clients, plan)).rejects.toThrow(AwsThrottled);
  });
});

describe('deleteTargetGroups', () => {
  const arns = Object.values(expectedArns);

  it('deletes the given (owned) target groups by ARN and returns them', async () => {
    elbv2.on(DeleteTargetGroupCommand).resolves({});
    await expect(deleteTargetGroups(clients, arns)).resolves.toEqual(arns);
    expect(elbv2.commandCalls(DeleteTargetGroupCommand).map((c) => c.args[0].input.TargetGroupArn)).toEqual(arns);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(0);
  });

  it('treats a target group gone during delete as success', async () => {
    elbv2.on(DeleteTargetGroupCommand).rejects(targetGroupNotFound());
    await expect(deleteTargetGroups(clients, arns)).resolves.toEqual([]);
  });

  it('throws ResourceNotReady while a listener still uses the target group', async () => {
    elbv2.on(DeleteTargetGroupCommand).rejects(awsError('ResourceInUse'));
    await expect(deleteTargetGroups(clients, arns)).rejects.toThrow(ResourceNotReady);
  });

  it('throws PermissionDenied when DeleteTargetGroup is denied', async () => {
    elbv2.on(DeleteTargetGroupCommand).rejects(awsError('AccessDenied'));
    await expect(deleteTargetGroups(clients, arns)).rejects.toThrow(PermissionDenied);
  });
});
