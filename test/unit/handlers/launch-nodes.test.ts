import { RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { NodesProgress } from '../../../functions/core/contracts';
import { handler } from '../../../functions/handlers/launch-nodes';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulState } from '../../fixtures/build';
import { NETWORK, PREFLIGHT } from '../../fixtures/ids';
import { itRejectsALaunchStateWithoutItsInputs } from '../../fixtures/steps';

const { ec2 } = mockAws();
const state = (nodeLaunch?: NodesProgress) => seoulState({ preflight: PREFLIGHT, network: NETWORK, ...(nodeLaunch && { nodeLaunch }) });

describe('launch-nodes handler', () => {
  it('launches the six nodes from the preflight image into the network and returns them, complete', async () => {
    ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) =>
      Promise.resolve({
        Instances: [
          {
            InstanceId: `i-${input.ClientToken?.slice(0, 12)}`,
            InstanceType: input.InstanceType,
            PrivateIpAddress: '10.0.0.5',
            AmiLaunchIndex: 0,
          },
        ],
      }),
    );
    const progress = await handler(state());
    expect(progress.complete).toBe(true);
    expect(progress.nodes.map((node) => node.name)).toEqual([
      'fin-k8s-dev-cp-1',
      'fin-k8s-dev-cp-2',
      'fin-k8s-dev-cp-3',
      'fin-k8s-dev-worker-1',
      'fin-k8s-dev-worker-2',
      'fin-k8s-dev-worker-3',
    ]);
    expect(ec2.commandCalls(RunInstancesCommand).every((call) => call.args[0].input.ImageId === PREFLIGHT.imageId)).toBe(true);
  });

  itRejectsALaunchStateWithoutItsInputs(handler, ec2);

  it('reads its progress back from $.nodeLaunch: capacity moves the workers to their next type, then the last type runs out (terminal: the build rolls back)', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity', 500));
    const first = await handler(state());
    expect(first).toMatchObject({ complete: false, generations: { 'worker/ap-northeast-2a': 1, 'control-plane/ap-northeast-2a': 1 } });
    const second = await handler(state(first));
    expect(second.generations).toMatchObject({ 'worker/ap-northeast-2a': 2, 'control-plane/ap-northeast-2a': 1 });
    await expect(handler(state(second))).rejects.toMatchObject({ name: 'InsufficientCapacity' });
  });
});
