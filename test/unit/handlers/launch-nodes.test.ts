import { DescribeInstancesCommand, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { handler } from '../../../functions/handlers/launch-nodes';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulState } from '../../fixtures/build';
import { NETWORK, PREFLIGHT } from '../../fixtures/ids';
import { itRejectsALaunchStateWithoutItsInputs } from '../../fixtures/steps';

const { ec2 } = mockAws();

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

  itRejectsALaunchStateWithoutItsInputs(handler, ec2);

  it('lets a capacity failure surface as InsufficientCapacity (terminal: the build rolls back)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity', 500));
    await expect(handler(seoulState({ preflight: PREFLIGHT, network: NETWORK }))).rejects.toMatchObject({ name: 'InsufficientCapacity' });
  });
});
