import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { toTagList } from '../../../functions/core/tags';
import { handler } from '../../../functions/handlers/teardown-instances';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulState } from '../../fixtures/build';
import { match } from '../../fixtures/matchers';

const { ec2 } = mockAws();
const plan = seoulPlan();
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
  it('releases the Elastic IP before terminating, then waits (ResourceNotReady) while instances remain', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [ADDRESS] });
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('i-cp1', 'running'), instance('i-bastion', 'running', plan.bastion.tags)] }] });
    const error = await handler(seoulState()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResourceNotReady', message: match.stringContaining('i-cp1, i-bastion') });
    expect(sent()).toEqual(['DisassociateAddressCommand', 'ReleaseAddressCommand', 'TerminateInstancesCommand']);
    expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input.InstanceIds).toEqual(['i-cp1', 'i-bastion']);
  });

  it('keeps waiting without terminating again while instances are shutting down', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-cp1', 'shutting-down')] }] });
    await expect(handler(seoulState())).rejects.toMatchObject({ name: 'ResourceNotReady' });
    expect(sent()).toEqual([]);
  });

  it.each([
    ['nothing was ever created', [], []],
    [
      'the address is still allocated but the instances are gone',
      [{ ...ADDRESS, AssociationId: undefined, InstanceId: undefined }],
      ['eipalloc-1'],
    ],
  ])('finishes when %s', async (_case, addresses, deleted) => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-instances', deleted });
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
    await expect(handler(rollback)).rejects.toMatchObject({
      name: 'ResourceNotReady',
      message: match.stringContaining('i-cp1, i-bastion'),
    });
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
