import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { BuildState, ReadinessResult } from '../../../functions/core/contracts';
import { AwsThrottled, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../../../functions/core/errors';
import { EXPECTED_SECONDS } from '../../../functions/core/expected-latency';
import { MAX_POLL_SECONDS, READINESS_BOUND_SECONDS } from '../../../functions/core/readiness-schedule';
import { handler } from '../../../functions/handlers/wait-until-ready';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulSpec } from '../../fixtures/build';
import { FakeWorld } from '../../fixtures/fake-world';

const { ec2, elbv2 } = mockAws();
let world: FakeWorld;

beforeEach(() => {
  world = new FakeWorld().install(ec2, elbv2);
});

/** Runs one readiness check `seconds` after the nodes were launched (and the NLB created). */
function checkAt(seconds: number, state: BuildState = world.waitState()): Promise<ReadinessResult> {
  return handler.withDependencies({ clock: { now: () => world.launchedAtMs + seconds * 1000 } })(state);
}

/** The next check's input: the state with this check's answer at `$.readiness`, as the Task's ResultPath puts it. */
const after = (readiness: ReadinessResult, state: BuildState = world.waitState()): BuildState => ({ ...state, readiness });

/** Every AWS call a check made, by action name. */
function callNames(): string[] {
  return [...ec2.calls(), ...elbv2.calls()].map((c) =>
    (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''),
  );
}

/** A world just after the Parallel: instances booting, status checks not run yet, the NLB provisioning, the address unassociated. */
function justLaunched(): void {
  world.unassociated();
  for (const i of world.instances) world.initializing(i.name);
  world.loadBalancer!.state = 'provisioning';
}

const READY_AFTER = EXPECTED_SECONDS.instanceReadyAfterLaunch;

describe('wait-until-ready handler', () => {
  it('reports a finished build ready: nodes with private IPs, the bastion with its public IP, the NLB active', async () => {
    const result = await checkAt(READY_AFTER + 2);
    expect(result).toEqual({
      ready: true,
      waitSeconds: 0,
      pending: [],
      nodes: world.outputs.nodes,
      bastion: {
        instanceId: world.outputs.bastion.instanceId,
        allocationId: 'eipalloc-0bastion',
        publicIp: world.outputs.bastion.publicIp,
        associationId: 'eipassoc-0bastion',
        privateIp: world.outputs.bastion.privateIp,
      },
      loadBalancerState: 'active',
      loadBalancerCreatedAt: world.loadBalancer!.createdAt,
      checkingSince: new Date(world.launchedAtMs + (READY_AFTER + 2) * 1000).toISOString(),
    });
    expect(result.nodes.every((n) => n.privateIp?.startsWith('10.0.') && !('launchedAt' in n))).toBe(true);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('asks AWS only what the state does not know: one status call for all seven instances, the NLB by ARN, the address by id', async () => {
    await checkAt(READY_AFTER + 2);
    expect(callNames().sort()).toEqual(['DescribeAddresses', 'DescribeInstanceStatus', 'DescribeLoadBalancers']);
    const [status] = ec2.commandCalls(DescribeInstanceStatusCommand);
    expect(status.args[0].input).toMatchObject({ IncludeAllInstances: true });
    expect(status.args[0].input.InstanceIds).toEqual([...world.outputs.nodes.map((n) => n.instanceId), world.outputs.bastion.instanceId]);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)[0].args[0].input).toEqual({
      LoadBalancerArns: [world.outputs.loadBalancer.arn],
    });
    expect(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input).toEqual({ AllocationIds: ['eipalloc-0bastion'] });
    for (const command of [DescribeInstancesCommand, DescribeVolumesCommand]) expect(ec2.commandCalls(command)).toHaveLength(0);
    expect(elbv2.commandCalls(DescribeTagsCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(0);
  });

  it('returns nodes in name order whatever order the state lists them in', async () => {
    const state = world.waitState();
    const { nodes } = await checkAt(READY_AFTER + 2, { ...state, nodes: [...state.nodes!].reverse() });
    expect(nodes.map((n) => n.name)).toEqual([
      'fin-k8s-dev-cp-1',
      'fin-k8s-dev-cp-2',
      'fin-k8s-dev-cp-3',
      'fin-k8s-dev-worker-1',
      'fin-k8s-dev-worker-2',
      'fin-k8s-dev-worker-3',
    ]);
  });

  describe('the wait: once until AWS is expected to be done, then a short growing poll', () => {
    it('right after the launch, asks to wait until the status checks are expected to pass, and associates the running bastion’s address', async () => {
      justLaunched();
      const first = await checkAt(20);
      expect(first).toMatchObject({ ready: false, waitSeconds: READY_AFTER - 20 + 2, loadBalancerState: 'provisioning' });
      expect(first.pending).toEqual([
        ...world.outputs.nodes.map((n) => `${n.name} (${n.instanceId}): running, system initializing, instance initializing`),
        'fin-k8s-dev-bastion (i-0bastion000000000): running, system initializing, instance initializing',
        'load balancer fin-k8s-dev-nlb is provisioning',
      ]);
      expect(first.bastion).toMatchObject({ associationId: 'eipassoc-0bastion' });
      expect(world.associateCount).toBe(1);
    });

    it('waits for the later of the nodes and the NLB: an NLB created after the last launch sets the wait', async () => {
      justLaunched();
      world.loadBalancer!.createdAt = new Date(world.launchedAtMs + 30_000).toISOString();
      const first = await checkAt(20);
      expect(first.waitSeconds).toBe(30 + EXPECTED_SECONDS.loadBalancerActiveAfterCreate - 20 + 2);
    });

    it('at the second check carries what the first learnt: the association, and no NLB call once it was seen active', async () => {
      world.unassociated();
      for (const i of world.instances) world.initializing(i.name);
      const first = await checkAt(20);
      expect(first.loadBalancerState).toBe('active');
      ec2.resetHistory();
      elbv2.resetHistory();
      for (const i of world.instances) Object.assign(i, { system: 'ok', instanceStatus: 'ok' });

      const second = await checkAt(20 + first.waitSeconds, after(first));
      expect(second).toMatchObject({ ready: true, waitSeconds: 0, bastion: { associationId: 'eipassoc-0bastion' } });
      expect(callNames()).toEqual(['DescribeInstanceStatus']);
      expect(second.checkingSince).toBe(first.checkingSince);
      expect(world.associateCount).toBe(1);
    });

    it('once the expected time has passed, polls after MIN_POLL_SECONDS, then ×1.5, up to MAX_POLL_SECONDS', async () => {
      world.initializing('fin-k8s-dev-worker-2');
      const overdue = [2, 12, 20, 40, 80, 300];
      const waits = [];
      for (const seconds of overdue) waits.push((await checkAt(READY_AFTER + seconds)).waitSeconds);
      expect(waits).toEqual([5, 6, 10, 20, MAX_POLL_SECONDS, MAX_POLL_SECONDS]);
    });

    it('reckons from the first check for nodes that carry no launch time (launched by an earlier release)', async () => {
      world.initializing('fin-k8s-dev-cp-1');
      const state = world.waitState();
      const noTimes = { ...state, nodes: state.nodes!.map((node) => ({ ...node, launchedAt: undefined })) };
      const first = await checkAt(600, noTimes);
      expect(first.waitSeconds).toBe(READY_AFTER + 2);
      const second = await checkAt(700, after(first, noTimes));
      expect(second.waitSeconds).toBe(READY_AFTER - 100 + 2);
    });

    it(`gives up ${READINESS_BOUND_SECONDS / 60} minutes after the launch with ResourceNotReady naming what is not ready`, async () => {
      world.initializing('fin-k8s-dev-worker-3');
      const last = await checkAt(READINESS_BOUND_SECONDS - 10);
      expect(last.waitSeconds).toBe(10);
      const error = await checkAt(READINESS_BOUND_SECONDS, after(last)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotReady);
      expect((error as ResourceNotReady).message).toMatch(
        /^still not ready 20 minutes after the launch \(1 thing\(s\)\): fin-k8s-dev-worker-3 \(i-0wk2\)/,
      );
      expect((error as ResourceNotReady).details).toEqual({ pending: [expect.stringContaining('i-0wk2): running, system initializing')] });
    });

    it('reports a build ready at the bound rather than failing it', async () => {
      await expect(checkAt(READINESS_BOUND_SECONDS + 60)).resolves.toMatchObject({ ready: true });
    });
  });

  it.each<[string, (w: FakeWorld) => void, RegExp]>([
    ['a node still pending', (w) => w.launching('fin-k8s-dev-worker-2'), /^fin-k8s-dev-worker-2 \(i-0wk1\): pending/],
    [
      'a node whose status checks are initializing',
      (w) => w.initializing('fin-k8s-dev-cp-1'),
      /^fin-k8s-dev-cp-1 \(i-0cp0\): running, system initializing, instance initializing$/,
    ],
    [
      'a node whose instance check is impaired',
      (w) => (w.instance('fin-k8s-dev-cp-3').instanceStatus = 'impaired'),
      /i-0cp2\): running, system ok, instance impaired/,
    ],
    ['a node EC2 lists no status for yet', (w) => (w.instance('fin-k8s-dev-worker-3').noStatusYet = true), /i-0wk2\): no status yet/],
    [
      'the bastion whose status checks are initializing',
      (w) => w.initializing('fin-k8s-dev-bastion'),
      /^fin-k8s-dev-bastion \(i-0bastion000000000\): running, system initializing/,
    ],
    ['the NLB still provisioning', (w) => (w.loadBalancer!.state = 'provisioning'), /^load balancer fin-k8s-dev-nlb is provisioning$/],
  ])('answers ready: false naming %s, and nothing else', async (_what, perturb, named) => {
    perturb(world);
    const result = await checkAt(READY_AFTER + 2);
    expect(result.ready).toBe(false);
    expect(result.pending).toEqual([expect.stringMatching(named)]);
  });

  it.each(['stopped', 'terminated', 'shutting-down'] as const)(
    'fails for good (ResourceConflict) when a node is %s: waiting cannot make it ready',
    async (gone) => {
      world.instance('fin-k8s-dev-worker-1').state = gone;
      await expect(checkAt(60)).rejects.toThrow(ResourceConflict);
      await expect(checkAt(60)).rejects.toThrow(`fin-k8s-dev-worker-1 (i-0wk0) is ${gone}`);
    },
  );

  it('fails for good when the NLB failed to provision', async () => {
    world.loadBalancer!.state = 'failed';
    await expect(checkAt(60)).rejects.toThrow(/load balancer fin-k8s-dev-nlb failed/);
  });

  describe('the bastion’s Elastic IP', () => {
    it('is associated exactly once when the bastion runs; the association is carried to the next check', async () => {
      world.unassociated();
      world.initializing('fin-k8s-dev-cp-1');
      const first = await checkAt(30);
      expect(ec2.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
        { AllocationId: 'eipalloc-0bastion', InstanceId: world.outputs.bastion.instanceId },
      ]);
      expect(first.bastion).toMatchObject({ associationId: 'eipassoc-0bastion', publicIp: world.outputs.bastion.publicIp });

      await checkAt(30 + first.waitSeconds, after(first));
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(1);
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(1);
    });

    it('is not associated while the bastion is pending, and is once it runs', async () => {
      world.unassociated();
      world.launching('fin-k8s-dev-bastion');
      const first = await checkAt(5);
      expect(first.pending).toContain('bastion Elastic IP eipalloc-0bastion: associated once the bastion runs');
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);

      Object.assign(world.bastion, { state: 'running', system: 'ok', instanceStatus: 'ok' });
      await expect(checkAt(READY_AFTER + 2, after(first))).resolves.toMatchObject({
        ready: true,
        bastion: { associationId: 'eipassoc-0bastion' },
      });
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    });

    it('is skipped when LaunchBastion associated it already', async () => {
      const state = world.waitState();
      await checkAt(READY_AFTER + 2, { ...state, bastion: { ...state.bastion, associationId: 'eipassoc-0bastion' } });
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);
    });

    it('keeps waiting when AssociateAddress still sees the bastion in the wrong state (IncorrectInstanceState)', async () => {
      world.unassociated();
      world.fail('AssociateAddress', awsError('IncorrectInstanceState'));
      const result = await checkAt(READY_AFTER + 2);
      expect(result).toMatchObject({ ready: false, waitSeconds: 5 });
      expect(result.pending).toEqual([
        expect.stringMatching(/^bastion Elastic IP eipalloc-0bastion: AssociateAddress: IncorrectInstanceState/),
      ]);
    });

    it('fails for good when our Elastic IP was moved to another instance by hand', async () => {
      Object.assign(world.address!, { associationId: 'eipassoc-0other', instanceId: 'i-0someoneelse' });
      await expect(checkAt(READY_AFTER + 2)).rejects.toThrow(ResourceConflict);
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    });
  });

  it.each([
    ['$.loadBalancer', (s: BuildState) => ({ ...s, loadBalancer: undefined })],
    ['$.nodes', (s: BuildState) => ({ ...s, nodes: undefined })],
    ['$.bastion.instanceId', (s: BuildState) => ({ ...s, bastion: undefined })],
  ])(
    'throws WorkflowContractError (our bug, not the spec) naming %s when the state lacks it, before calling AWS',
    async (missing, strip) => {
      const error = await checkAt(60, strip(world.waitState())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowContractError);
      expect((error as Error).message).toContain(missing);
      expect(callNames()).toEqual([]);
    },
  );

  it.each([
    ['DescribeInstanceStatus', 'RequestLimitExceeded'],
    ['DescribeAddresses', 'RequestLimitExceeded'],
    ['DescribeLoadBalancers', 'Throttling'],
  ])('surfaces a throttled %s as AwsThrottled (the state machine backs off), never as "not ready"', async (action, code) => {
    world.unassociated();
    world.fail(action, awsError(code));
    const error = await checkAt(READY_AFTER + 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toContain(`${action}: ${code}`);
  });

  it('rethrows an error it cannot classify unchanged', async () => {
    const odd = awsError('SomethingNew');
    world.fail('DescribeInstanceStatus', odd);
    await expect(checkAt(READY_AFTER + 2)).rejects.toBe(odd);
  });

  describe('without a bastion (the spec turned it off)', () => {
    const noBastion = (): BuildState => ({
      ...world.waitState(),
      bastion: undefined,
      spec: seoulSpec({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] }),
    });
    beforeEach(() => {
      world.instances = world.instances.filter((i) => i.role !== 'bastion');
      world.address = undefined;
    });

    it('reports the build ready with the nodes and the NLB alone, looking for no bastion and no Elastic IP', async () => {
      await expect(checkAt(READY_AFTER + 2, noBastion())).resolves.toMatchObject({
        ready: true,
        nodes: world.outputs.nodes,
        loadBalancerState: 'active',
      });
      expect((await checkAt(READY_AFTER + 2, noBastion())).bastion).toBeUndefined();
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
      expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0].args[0].input.InstanceIds).toHaveLength(6);
    });

    it('still waits for the nodes', async () => {
      world.initializing('fin-k8s-dev-worker-2');
      await expect(checkAt(READY_AFTER + 2, noBastion())).resolves.toMatchObject({
        ready: false,
        pending: [expect.stringMatching(/worker-2/)],
      });
    });
  });
});
