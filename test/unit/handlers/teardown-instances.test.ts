import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { BuildState } from '../../../functions/core/contracts';
import { ResourceConflict } from '../../../functions/core/errors';
import { EXPECTED_SECONDS, MIN_POLL_SECONDS, WAIT_MARGIN_SECONDS } from '../../../functions/core/expected-latency';
import { toTagList } from '../../../functions/core/tags';
import { TEARDOWN_BOUND_SECONDS, type TerminationProgress } from '../../../functions/core/teardown-wait';
import { handler as defaultHandler } from '../../../functions/handlers/teardown-instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';

const { ec2 } = mockAws();
const plan = seoulPlan();
/** The step's clock: NOW, unless a test moves it (`later`). */
const NOW = Date.parse('2026-11-25T10:00:00Z');
let now = NOW;
const later = (seconds: number) => (now = NOW + seconds * 1000);
const handler = defaultHandler.withDependencies({ clock: { now: () => now } });
const iso = (ms: number) => new Date(ms).toISOString();
/** The state the Wait hands the next run: the previous answer at `$.teardownInstances` (its ResultPath). */
const after = (state: Partial<BuildState>, answer: TerminationProgress) => ({ ...state, teardownInstances: answer }) as BuildState;
/** What DeleteLoadBalancer left at `$.teardownLoadBalancer`. */
const deletedBefore = (secondsAgo: number, connections = false) => ({
  teardownLoadBalancer: {
    step: 'teardown-load-balancer',
    deleted: ['arn:lb'],
    loadBalancerDeletedAt: iso(NOW - secondsAgo * 1000),
    ...(connections && { connectionsDeletedAt: iso(NOW - secondsAgo * 1000) }),
  },
});
const instance = (id: string, state: string, tags = plan.nodes[0].tags): Instance => ({
  InstanceId: id,
  State: { Name: state as never },
  Tags: toTagList(tags),
});
const ADDRESS = {
  AllocationId: 'eipalloc-1',
  PublicIp: '198.51.100.7',
  AssociationId: 'eipassoc-1',
  InstanceId: 'i-bastion',
  Tags: toTagList(plan.bastion.addressTags),
};
const sent = () =>
  ec2
    .calls()
    .map((call) => call.args[0].constructor.name)
    .filter((name) => !name.startsWith('Describe'));

beforeEach(() => {
  now = NOW;
  ec2.on(DisassociateAddressCommand).resolves({});
  ec2.on(ReleaseAddressCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
});
describe('teardown-instances handler', () => {
  it('releases the Elastic IP, terminates every instance in one call and returns at once, asking to wait and look again', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [ADDRESS] });
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-cp1', 'running'), instance('i-bastion', 'running', plan.bastion.tags)] }] });
    await expect(handler(seoulState())).resolves.toEqual({
      step: 'teardown-instances',
      deleted: ['eipalloc-1', 'i-cp1', 'i-bastion'],
      complete: false,
      waitSeconds: EXPECTED_SECONDS.instanceTerminatedAfterTerminate + WAIT_MARGIN_SECONDS,
      startedAt: iso(NOW),
      instancesTerminatingAt: iso(NOW),
    });
    expect(sent()).toEqual(['DisassociateAddressCommand', 'ReleaseAddressCommand', 'TerminateInstancesCommand']);
    expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input.InstanceIds).toEqual(['i-cp1', 'i-bastion']);
    // One read of each: no polling here.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(1);
  });

  it.each([
    [
      'the NLB was deleted 2 s ago: its interfaces outlast the instances',
      deletedBefore(2),
      EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 2,
    ],
    ['the NLB was deleted long ago: only the instances', deletedBefore(600), EXPECTED_SECONDS.instanceTerminatedAfterTerminate],
    ['the NLB and the connections were deleted 1 s ago', deletedBefore(1, true), EXPECTED_SECONDS.connectionGoneAfterDelete - 1],
  ])('waits until the last thing holding the network is expected gone when %s', async (_case, earlier, seconds) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-cp1', 'running')] }] });
    await expect(handler({ ...seoulState(), ...earlier })).resolves.toMatchObject({ waitSeconds: seconds + WAIT_MARGIN_SECONDS });
  });

  it('waits for instances still shutting down (a repeated teardown) without terminating them again', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-cp1', 'shutting-down')] }] });
    await expect(handler(seoulState())).resolves.toMatchObject({
      deleted: [],
      complete: false,
      waitSeconds: EXPECTED_SECONDS.instanceTerminatedAfterTerminate + WAIT_MARGIN_SECONDS,
    });
    expect(sent()).toEqual([]);
  });

  it.each([
    ['nothing was ever created (a rollback after CreateNetwork failed)', [], [], {}],
    [
      'the address is still allocated but the instances are gone',
      [{ ...ADDRESS, AssociationId: undefined, InstanceId: undefined }],
      ['eipalloc-1'],
      {},
    ],
    ['the NLB was deleted long ago and only terminated instances are listed', [], [], deletedBefore(600)],
  ])('goes on at once, without a wait, when %s', async (_case, addresses, deleted, earlier) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-old', 'terminated')] }] });
    await expect(handler({ ...seoulState(), ...earlier })).resolves.toEqual({
      step: 'teardown-instances',
      deleted,
      complete: true,
      startedAt: iso(NOW),
    });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('in a rollback, also releases and terminates what the state carries, even while a Describe by tag lists none of it', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-cp1', 'i-bastion'] }).resolves({
      Reservations: [{ Instances: [instance('i-cp1', 'pending'), instance('i-bastion', 'pending', plan.bastion.tags)] }],
    });
    // A LaunchNodes branch that failed after its first run: its progress stays in the Parallel's outputs.
    const rollback = seoulState({
      provisioned: [
        {
          nodeLaunch: {
            complete: false,
            nodes: [
              { name: 'fin-k8s-dev-cp-1', role: 'control-plane', az: 'ap-northeast-2a', instanceId: 'i-cp1', instanceType: 'm6i.large' },
            ],
            generations: {},
            unnamed: [],
          },
        },
        {},
        { bastion: { instanceId: 'i-bastion', allocationId: 'eipalloc-1', publicIp: '198.51.100.7' } },
      ],
    });
    await expect(handler(rollback)).resolves.toMatchObject({ deleted: ['eipalloc-1', 'i-cp1', 'i-bastion'] });
    expect(ec2.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-cp1', 'i-bastion']]);
  });

  it('stops at a permission problem without terminating anything', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [ADDRESS] });
    ec2.on(DisassociateAddressCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler(seoulState())).rejects.toMatchObject({ name: 'PermissionDenied' });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });
});

describe('teardown-instances, run again after its wait', () => {
  /** Each Describe by tag answers the next of `lists` (the last one repeating). */
  function listed(...lists: Instance[][]): void {
    let run = 0;
    ec2.on(DescribeInstancesCommand).callsFake(() => ({ Reservations: [{ Instances: lists[Math.min(run++, lists.length - 1)] }] }));
  }
  const calls = () => ec2.calls().map((call) => call.args[0].constructor.name);

  it('goes on to DeleteNetwork once everything is terminated and the NLB interfaces are past their time, in two reads', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    listed([instance('i-cp1', 'running')], [instance('i-cp1', 'terminated')]);
    const state = { ...seoulState(), ...deletedBefore(2) };
    const first = await handler(state);
    expect(first).toMatchObject({
      complete: false,
      waitSeconds: EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 2 + WAIT_MARGIN_SECONDS,
    });
    ec2.resetHistory();
    later(first.waitSeconds!);
    await expect(handler(after(state, first))).resolves.toEqual({
      step: 'teardown-instances',
      deleted: ['i-cp1'],
      complete: true,
      startedAt: iso(NOW),
    });
    expect(calls()).toEqual(['DescribeAddressesCommand', 'DescribeInstancesCommand']);
  });

  it('terminates an instance a Describe by tag did not list the first time (launched by a LaunchNodes that timed out) and waits for it', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    listed(
      [instance('i-cp1', 'running')],
      [instance('i-cp1', 'terminated'), instance('i-late', 'running')],
      [instance('i-cp1', 'terminated'), instance('i-late', 'terminated')],
    );
    const first = await handler(seoulState());
    later(first.waitSeconds!);
    const second = await handler(after(seoulState(), first));
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-cp1'], ['i-late']]);
    // Its own 45 s from now: the loop's start stays the first run's.
    expect(second).toEqual({
      step: 'teardown-instances',
      deleted: ['i-cp1', 'i-late'],
      complete: false,
      waitSeconds: EXPECTED_SECONDS.instanceTerminatedAfterTerminate + WAIT_MARGIN_SECONDS,
      startedAt: iso(NOW),
      instancesTerminatingAt: iso(now),
    });
    later(first.waitSeconds! + second.waitSeconds!);
    await expect(handler(after(seoulState(), second))).resolves.toMatchObject({ complete: true, deleted: ['i-cp1', 'i-late'] });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(2);
  });

  it('polls, growing, an instance slower to terminate than expected, counting from when it was asked', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    listed([instance('i-cp1', 'running')], [instance('i-cp1', 'shutting-down')]);
    const first = await handler(seoulState());
    later(first.waitSeconds!);
    const second = await handler(after(seoulState(), first));
    expect(second).toMatchObject({ complete: false, waitSeconds: MIN_POLL_SECONDS, instancesTerminatingAt: iso(NOW) });
    later(EXPECTED_SECONDS.instanceTerminatedAfterTerminate + 60);
    await expect(handler(after(seoulState(), second))).resolves.toMatchObject({ complete: false, waitSeconds: 30 });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it(`fails for good (ResourceConflict, not retried) with an instance still not terminated ${TEARDOWN_BOUND_SECONDS / 60} minutes after the first run`, async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    listed([instance('i-cp1', 'running')], [instance('i-stuck', 'shutting-down')]);
    const first = await handler(seoulState());
    later(TEARDOWN_BOUND_SECONDS - 1);
    // Just before the bound: a last, short sleep up to it.
    await expect(handler(after(seoulState(), first))).resolves.toMatchObject({ complete: false, waitSeconds: 1 });
    later(TEARDOWN_BOUND_SECONDS);
    const failed = handler(after(seoulState(), first));
    await expect(failed).rejects.toBeInstanceOf(ResourceConflict);
    await expect(handler(after(seoulState(), first))).rejects.toThrow(/i-stuck .*still not terminated 20 minutes/);
  });

  it('starts a new loop, with its own bound, when the answer it finds is not a loop in progress (a stale or finished one)', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    listed([instance('i-cp1', 'shutting-down')]);
    const finished: TerminationProgress = { step: 'teardown-instances', deleted: ['i-x'], complete: true, startedAt: iso(NOW - 3_600_000) };
    await expect(handler(after(seoulState(), finished))).resolves.toMatchObject({ complete: false, startedAt: iso(NOW), deleted: [] });
  });

  it('in a rollback, releases the carried address on the first run only, and does not describe terminated carried ids again', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    // The bastion is not listed by tag yet on the first run (described by its carried id), and terminated on the next.
    listed([instance('i-cp1', 'running')], [instance('i-cp1', 'terminated'), instance('i-bastion', 'terminated', plan.bastion.tags)]);
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-bastion'] }).resolves({
      Reservations: [{ Instances: [instance('i-bastion', 'pending', plan.bastion.tags)] }],
    });
    const rollback = seoulState({
      nodes: [{ name: 'fin-k8s-dev-cp-1', role: 'control-plane', az: 'ap-northeast-2a', instanceId: 'i-cp1', instanceType: 'm6i.large' }],
      bastion: { instanceId: 'i-bastion', allocationId: 'eipalloc-1', publicIp: '198.51.100.7' },
    });
    const first = await handler(rollback);
    expect(ec2.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input)).toEqual([{ AllocationId: 'eipalloc-1' }]);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-cp1', 'i-bastion']]);
    ec2.resetHistory();
    later(first.waitSeconds!);
    await expect(handler(after(rollback, first))).resolves.toMatchObject({
      complete: true,
      deleted: ['eipalloc-1', 'i-cp1', 'i-bastion'],
    });
    expect(calls()).toEqual(['DescribeAddressesCommand', 'DescribeInstancesCommand']);
  });
});
