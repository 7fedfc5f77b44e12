import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { EXPECTED_SECONDS, MIN_POLL_SECONDS, WAIT_MARGIN_SECONDS } from '../../../functions/core/expected-latency';
import { toTagList } from '../../../functions/core/tags';
import { handler as defaultHandler } from '../../../functions/handlers/teardown-instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';

const { ec2 } = mockAws();
const plan = seoulPlan();
/** The step's clock. */
const NOW = Date.parse('2026-11-25T10:00:00Z');
const handler = defaultHandler.withDependencies({ clock: { now: () => NOW } });
const iso = (ms: number) => new Date(ms).toISOString();
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
  ec2.on(DisassociateAddressCommand).resolves({});
  ec2.on(ReleaseAddressCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
});
describe('teardown-instances handler', () => {
  it('releases the Elastic IP, terminates every instance in one call and returns at once, asking for one wait', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [ADDRESS] });
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-cp1', 'running'), instance('i-bastion', 'running', plan.bastion.tags)] }] });
    await expect(handler(seoulState())).resolves.toEqual({
      step: 'teardown-instances',
      deleted: ['eipalloc-1', 'i-cp1', 'i-bastion'],
      waitSeconds: EXPECTED_SECONDS.instanceTerminatedAfterTerminate + WAIT_MARGIN_SECONDS,
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

  it('waits for instances still shutting down (a repeat) without terminating them again', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-cp1', 'shutting-down')] }] });
    await expect(handler(seoulState())).resolves.toEqual({
      step: 'teardown-instances',
      deleted: [],
      waitSeconds: EXPECTED_SECONDS.instanceTerminatedAfterTerminate + WAIT_MARGIN_SECONDS,
    });
    expect(sent()).toEqual([]);
  });

  it.each([
    ['nothing was ever created', [], []],
    [
      'the address is still allocated but the instances are gone',
      [{ ...ADDRESS, AssociationId: undefined, InstanceId: undefined }],
      ['eipalloc-1'],
    ],
  ])('asks for the shortest wait when %s and no NLB was deleted', async (_case, addresses, deleted) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-instances', deleted, waitSeconds: MIN_POLL_SECONDS });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('asks only for instances that are not terminated yet', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await handler(seoulState());
    const states = ec2
      .commandCalls(DescribeInstancesCommand)[0]
      .args[0].input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
    expect(states).toEqual(['pending', 'running', 'stopping', 'stopped', 'shutting-down']);
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
