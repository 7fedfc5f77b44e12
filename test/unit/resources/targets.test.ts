import { DescribeInstancesCommand, type InstanceStateName } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
  WorkflowContractError,
} from '../../../functions/core/errors';
import { describeTargets, registerTargets } from '../../../functions/resources/targets';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { NODES, tgArn } from '../../fixtures/ids';

const { ec2, elbv2, clients } = mockAws();
const plan = seoulPlan();
const targetGroupArns = { api: tgArn('api'), 'ingress-80': tgArn('ingress-80'), 'ingress-443': tgArn('ingress-443') };
const nodes = NODES;
const controlPlanes = ['i-cp1', 'i-cp2', 'i-cp3'];
const workers = ['i-wk1', 'i-wk2', 'i-wk3'];

function givenInstances(states: Record<string, InstanceStateName> = {}): void {
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: nodes.map((n) => ({ InstanceId: n.instanceId, State: { Name: states[n.instanceId] ?? 'running' } })) }],
  });
}
function givenRegistered(registered: Record<string, TargetHealthDescription[]> = {}): void {
  elbv2.on(DescribeTargetHealthCommand).callsFake(({ TargetGroupArn }: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions: registered[TargetGroupArn] ?? [],
  }));
}
const health = (ids: string[], Port: number, State: 'initial' | 'healthy' | 'draining' = 'healthy'): TargetHealthDescription[] =>
  ids.map((Id) => ({ Target: { Id, Port }, TargetHealth: { State } }));
const registrations = () =>
  elbv2.commandCalls(RegisterTargetsCommand).map((c) => [c.args[0].input.TargetGroupArn, c.args[0].input.Targets]);

describe('registerTargets', () => {
  it('registers control planes with the api group on 6443 and workers with each ingress group on its NodePort', async () => {
    givenInstances();
    givenRegistered();
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).resolves.toEqual({
      registered: { api: controlPlanes, 'ingress-80': workers, 'ingress-443': workers },
    });
    expect(registrations()).toEqual([
      [tgArn('api'), controlPlanes.map((Id) => ({ Id, Port: 6443 }))],
      [tgArn('ingress-80'), workers.map((Id) => ({ Id, Port: 30080 }))],
      [tgArn('ingress-443'), workers.map((Id) => ({ Id, Port: 30443 }))],
    ]);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.InstanceIds).toEqual([...controlPlanes, ...workers]);
  });

  it.each([
    {
      case: 'all are registered',
      registered: {
        [tgArn('api')]: health(controlPlanes, 6443),
        [tgArn('ingress-80')]: health(workers, 30080, 'initial'),
        [tgArn('ingress-443')]: health(workers, 30443),
      },
      expected: [],
    },
    {
      case: 'one control plane is missing',
      registered: {
        [tgArn('api')]: health(['i-cp1', 'i-cp3'], 6443),
        [tgArn('ingress-80')]: health(workers, 30080),
        [tgArn('ingress-443')]: health(workers, 30443),
      },
      expected: [[tgArn('api'), [{ Id: 'i-cp2', Port: 6443 }]]],
    },
    {
      case: 'a worker is draining or registered on the wrong port',
      registered: {
        [tgArn('api')]: health(controlPlanes, 6443),
        [tgArn('ingress-80')]: [...health(['i-wk1', 'i-wk2'], 30080), ...health(['i-wk3'], 30080, 'draining')],
        [tgArn('ingress-443')]: [...health(['i-wk1', 'i-wk2'], 30443), ...health(['i-wk3'], 31000)],
      },
      expected: [
        [tgArn('ingress-80'), [{ Id: 'i-wk3', Port: 30080 }]],
        [tgArn('ingress-443'), [{ Id: 'i-wk3', Port: 30443 }]],
      ],
    },
  ])('when $case, registers only what is not registered', async ({ registered, expected }) => {
    givenInstances();
    givenRegistered(registered);
    await registerTargets(clients, plan, targetGroupArns, nodes);
    expect(registrations()).toEqual(expected);
  });

  it('throws ResourceNotReady naming the pending nodes, and registers nothing', async () => {
    givenInstances({ 'i-wk2': 'pending' });
    givenRegistered();
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(ResourceNotReady);
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(/fin-k8s-dev-worker-2 \(i-wk2\)/);
    expect(elbv2.commandCalls(RegisterTargetsCommand)).toHaveLength(0);
  });

  it.each(['stopped', 'terminated', 'shutting-down'] as InstanceStateName[])(
    'throws ResourceConflict for a %s node (waiting will not help), and registers nothing',
    async (state) => {
      givenInstances({ 'i-cp1': state });
      givenRegistered();
      await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(ResourceConflict);
      expect(elbv2.commandCalls(RegisterTargetsCommand)).toHaveLength(0);
    },
  );

  it('throws NotYetVisible when DescribeInstances does not return a node yet', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-cp1', State: { Name: 'running' } }] }] });
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(NotYetVisible);
    expect(elbv2.commandCalls(RegisterTargetsCommand)).toHaveLength(0);
  });

  it.each([
    { code: 'RequestLimitExceeded', errorClass: AwsThrottled },
    { code: 'UnauthorizedOperation', errorClass: PermissionDenied },
    { code: 'InvalidInstanceID.NotFound', errorClass: NotYetVisible },
  ])('throws $errorClass.name when DescribeInstances fails with $code', async ({ code, errorClass }) => {
    ec2.on(DescribeInstancesCommand).rejects(awsError(code));
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(errorClass);
    expect(elbv2.commandCalls(RegisterTargetsCommand)).toHaveLength(0);
  });

  it.each([
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
  ])('throws $errorClass.name when DescribeTargetHealth fails with $code', async ({ code, errorClass }) => {
    givenInstances();
    elbv2.on(DescribeTargetHealthCommand).rejects(awsError(code));
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(errorClass);
  });

  it.each([
    { code: 'InvalidTarget', errorClass: NotYetVisible },
    { code: 'TooManyTargets', errorClass: QuotaExceeded },
  ])('throws $errorClass.name when RegisterTargets answers $code for nodes EC2 reports running', async ({ code, errorClass }) => {
    // InvalidTarget after requireRunning saw every node running in our VPC: ELBv2 has not caught up with EC2.
    givenInstances();
    givenRegistered();
    elbv2.on(RegisterTargetsCommand).rejects(awsError(code));
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(errorClass);
  });

  it('throws WorkflowContractError when a planned target group has no ARN', async () => {
    givenInstances();
    givenRegistered();
    await expect(registerTargets(clients, plan, { api: tgArn('api') }, nodes)).rejects.toThrow(WorkflowContractError);
  });

  it('makes no EC2 call when there are no nodes', async () => {
    givenRegistered();
    await expect(registerTargets(clients, plan, targetGroupArns, [])).resolves.toEqual({
      registered: { api: [], 'ingress-80': [], 'ingress-443': [] },
    });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });
});

describe('describeTargets', () => {
  it('reports each registered target with its port and health state, per target group key', async () => {
    givenRegistered({
      [tgArn('api')]: [
        { Target: { Id: 'i-cp1', Port: 6443 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-cp2', Port: 6443 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' } },
      ],
    });
    await expect(describeTargets(clients, { api: tgArn('api'), 'ingress-80': tgArn('ingress-80') })).resolves.toEqual({
      api: [
        { instanceId: 'i-cp1', port: 6443, state: 'healthy' },
        { instanceId: 'i-cp2', port: 6443, state: 'unhealthy', reason: 'Target.FailedHealthChecks' },
      ],
      'ingress-80': [],
    });
  });

  it('throws AwsThrottled when DescribeTargetHealth is throttled', async () => {
    elbv2.on(DescribeTargetHealthCommand).rejects(awsError('Throttling'));
    await expect(describeTargets(clients, targetGroupArns)).rejects.toThrow(AwsThrottled);
  });
});
