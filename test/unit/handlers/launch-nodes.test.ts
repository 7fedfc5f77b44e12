import { RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import type { NodesProgress } from '../../../functions/core/contracts';
import { handler as launchNodes } from '../../../functions/handlers/launch-nodes';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulSpec, seoulState } from '../../fixtures/build';
import { NETWORK, PREFLIGHT } from '../../fixtures/ids';
import { itRejectsALaunchStateWithoutItsInputs } from '../../fixtures/steps';

const { ec2, iam } = mockAws();
const state = (nodeLaunch?: NodesProgress) => seoulState({ preflight: PREFLIGHT, network: NETWORK, ...(nodeLaunch && { nodeLaunch }) });

/** The handler on a clock 1000 times faster than real time: its launches' pacing (0.5 s apart past four) costs no real time. */
const handler = launchNodes.withDependencies({ clock: { now: () => performance.now() * 1000 } });

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

  describe('without a bastion (nodes reached through Session Manager)', () => {
    const PROFILE_ARN = 'arn:aws:iam::123456789012:instance-profile/k8s-ec2-builder/fin-k8s-dev-ssm';
    const noBastion = () =>
      seoulState({
        spec: seoulSpec({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] }),
        preflight: PREFLIGHT,
        network: NETWORK,
      });
    const launchOne = () =>
      ec2
        .on(RunInstancesCommand)
        .callsFake((input: RunInstancesCommandInput) =>
          Promise.resolve({ Instances: [{ InstanceId: `i-${input.ClientToken?.slice(0, 12)}`, AmiLaunchIndex: 0 }] }),
        );

    beforeEach(() => {
      const made = { Path: '/k8s-ec2-builder/', CreateDate: new Date(0) };
      iam.on(CreateRoleCommand).resolves({
        Role: {
          ...made,
          RoleName: 'fin-k8s-dev-ssm',
          RoleId: 'AROAEXAMPLE',
          Arn: 'arn:aws:iam::123456789012:role/k8s-ec2-builder/fin-k8s-dev-ssm',
        },
      });
      iam.on(AttachRolePolicyCommand).resolves({});
      iam.on(CreateInstanceProfileCommand).resolves({
        InstanceProfile: { ...made, InstanceProfileName: 'fin-k8s-dev-ssm', InstanceProfileId: 'AIPAEXAMPLE', Arn: PROFILE_ARN, Roles: [] },
      });
      iam.on(AddRoleToInstanceProfileCommand).resolves({});
    });

    it('makes the nodes’ instance profile and launches every node with it', async () => {
      launchOne();
      await expect(handler(noBastion())).resolves.toMatchObject({ complete: true });
      expect(iam.commandCalls(CreateInstanceProfileCommand)).toHaveLength(1);
      const launches = ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
      expect(launches.length).toBeGreaterThan(0);
      expect(launches.map((launch) => launch.IamInstanceProfile)).toEqual(launches.map(() => ({ Arn: PROFILE_ARN })));
    });

    it('launches nothing when the profile cannot be made (it comes first)', async () => {
      launchOne();
      iam.on(CreateRoleCommand).rejects(awsError('AccessDenied', 403));
      await expect(handler(noBastion())).rejects.toMatchObject({ name: 'PermissionDenied' });
      expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    });

    it('makes no profile, and launches without one, when the spec has a bastion', async () => {
      launchOne();
      await handler(state());
      expect(iam.calls()).toHaveLength(0);
      expect(ec2.commandCalls(RunInstancesCommand).every((call) => call.args[0].input.IamInstanceProfile === undefined)).toBe(true);
    });
  });
});
