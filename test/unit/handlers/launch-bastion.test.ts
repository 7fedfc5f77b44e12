import { AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { NetworkIds } from '../../../functions/core/contracts';
import { clearLedger } from '../../../functions/core/ledger';
import { handler } from '../../../functions/handlers/launch-bastion';
import { seoulState } from '../../fixtures/build';

const ec2 = mockClient(EC2Client);
const sdkError = (name: string, status = 400) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const NETWORK: NetworkIds = {
  vpcId: 'vpc-1',
  privateSubnetIds: { 'ap-northeast-2a': 'subnet-a', 'ap-northeast-2b': 'subnet-b', 'ap-northeast-2c': 'subnet-c' },
  publicSubnetId: 'subnet-public',
  internetGatewayId: 'igw-1',
  privateRouteTableId: 'rtb-private',
  publicRouteTableId: 'rtb-public',
  securityGroupIds: { bastion: 'sg-bastion', nlb: 'sg-nlb', controlPlane: 'sg-cp', workers: 'sg-workers' },
};
const PREFLIGHT = { imageId: 'ami-0123456789abcdef0', imageName: 'RHEL-8.10.0_HVM-20240703-x86_64-0-Hourly2-GP3', checks: [] };

afterEach(() => {
  ec2.reset();
  clearLedger();
});

describe('launch-bastion handler', () => {
  it('launches the bastion, allocates its address and returns before association while the bastion is pending', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' }, PrivateIpAddress: '10.0.255.10' }] });
    ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' });
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }))).resolves.toEqual({
      instanceId: 'i-bastion', allocationId: 'eipalloc-1', publicIp: '198.51.100.7', privateIp: '10.0.255.10',
    });
    expect(ec2.commandCalls(RunInstancesCommand)[0].args[0].input.NetworkInterfaces?.[0]).toMatchObject({ SubnetId: 'subnet-public', AssociatePublicIpAddress: false });
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it.each([
    ['the preflight result', { network: NETWORK }],
    ['the network', { preflight: PREFLIGHT }],
  ])('rejects a state without %s before calling AWS', async (_missing, extra) => {
    await expect(handler(seoulState(extra))).rejects.toMatchObject({ name: 'InvalidSpec' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('surfaces an exhausted Elastic IP quota as QuotaExceeded', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' } }] });
    ec2.on(AllocateAddressCommand).rejects(sdkError('AddressLimitExceeded'));
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }))).rejects.toMatchObject({ name: 'QuotaExceeded' });
  });
});
