import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { BastionProgress } from '../../../functions/core/contracts';
import { handler } from '../../../functions/handlers/launch-bastion';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulSpec, seoulState } from '../../fixtures/build';
import { NETWORK, PREFLIGHT } from '../../fixtures/ids';
import { itRejectsALaunchStateWithoutItsInputs } from '../../fixtures/steps';

const { ec2 } = mockAws();

describe('launch-bastion handler', () => {
  it('launches the bastion, allocates its address and returns before association while the bastion is pending', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' }, PrivateIpAddress: '10.0.255.10' }] });
    ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' });
    const first = await handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }));
    expect(first).toEqual({ allocationId: 'eipalloc-1', publicIp: '198.51.100.7', complete: false });
    if ('disabled' in first) throw new Error('expected a bastion');
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK, bastion: first }))).resolves.toEqual({
      instanceId: 'i-bastion',
      allocationId: 'eipalloc-1',
      publicIp: '198.51.100.7',
      privateIp: '10.0.255.10',
      complete: true,
    });
    expect(ec2.commandCalls(RunInstancesCommand)[0].args[0].input.NetworkInterfaces?.[0]).toMatchObject({
      SubnetId: 'subnet-public',
      AssociatePublicIpAddress: false,
    });
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('reads state.bastion as known ids: the run after the allocation, in a new container, allocates no second address', async () => {
    const first: BastionProgress = { allocationId: 'eipalloc-1', publicIp: '198.51.100.7', complete: false };
    // An earlier attempt of this run launched the bastion: RunInstances' ClientToken answers with it again.
    ec2
      .on(RunInstancesCommand)
      .resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' }, PrivateIpAddress: '10.0.255.10' }] });
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK, bastion: first }))).resolves.toEqual({
      ...first,
      instanceId: 'i-bastion',
      privateIp: '10.0.255.10',
      complete: true,
    });
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(0);
    // The carried ids are not described again: the run is one RunInstances.
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['RunInstancesCommand']);
  });

  itRejectsALaunchStateWithoutItsInputs(handler, ec2);

  it('launches nothing and allocates no address when the spec turns the bastion off', async () => {
    const spec = seoulSpec({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    await expect(handler(seoulState({ spec, preflight: PREFLIGHT, network: NETWORK }))).resolves.toEqual({
      complete: true,
      disabled: true,
    });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('surfaces an exhausted Elastic IP quota as QuotaExceeded before launching anything (no instance id to lose)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' } }] });
    ec2.on(AllocateAddressCommand).rejects(awsError('AddressLimitExceeded'));
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }))).rejects.toMatchObject({ name: 'QuotaExceeded' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});
