import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { NetworkIds } from '../../../functions/core/contracts';
import { clearLedger } from '../../../functions/core/ledger';
import { handler } from '../../../functions/handlers/launch-nodes';
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

describe('launch-nodes handler', () => {
  it('launches the six nodes from the preflight image into the network and returns their records', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => ({
      Instances: [{ InstanceId: `i-${input.ClientToken?.slice(0, 12)}`, InstanceType: input.InstanceType, PrivateIpAddress: '10.0.0.5' }],
    }));
    const nodes = await handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }));
    expect(nodes).toHaveLength(6);
    expect(nodes.map((node) => node.name)).toEqual([
      'fin-k8s-dev-cp-1', 'fin-k8s-dev-cp-2', 'fin-k8s-dev-cp-3', 'fin-k8s-dev-worker-1', 'fin-k8s-dev-worker-2', 'fin-k8s-dev-worker-3',
    ]);
    expect(ec2.commandCalls(RunInstancesCommand).every((call) => call.args[0].input.ImageId === PREFLIGHT.imageId)).toBe(true);
  });

  it.each([
    ['the preflight result', { network: NETWORK }],
    ['the network', { preflight: PREFLIGHT }],
  ])('rejects a state without %s before calling AWS', async (_missing, extra) => {
    await expect(handler(seoulState(extra))).rejects.toMatchObject({ name: 'InvalidSpec' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('lets a capacity failure surface as InsufficientCapacity (terminal: the build rolls back)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).rejects(sdkError('InsufficientInstanceCapacity', 500));
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }))).rejects.toMatchObject({ name: 'InsufficientCapacity' });
  });
});
