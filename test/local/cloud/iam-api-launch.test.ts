/**
 * EC2 RunInstances with an IAM instance profile: EC2 knows a profile only once IAM has propagated it (a fresh
 * one is "invalid" until then), shows it on the instance, and the launch passes the profile's role, which needs
 * iam:PassRole to ec2.amazonaws.com.
 */
import * as E from '@aws-sdk/client-ec2';
import type * as I from '@aws-sdk/client-iam';
import { DEFAULT_LATENCY } from '../../../local/cloud';
import { network, runInput } from './fixtures';
import { ACCOUNT, iamClient, nodeProfile, BUILD_TAGS } from './iam-api-fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const OURS = BUILD_TAGS;
const PROPAGATION = DEFAULT_LATENCY.iamInstanceProfileVisibleToEc2After;

let h: Harness;
let iam: I.IAMClient;
beforeAll(async () => {
  h = await startHarness();
  iam = iamClient(h);
});
afterAll(async () => {
  iam.destroy();
  await stopHarness(h);
});
afterEach(() => h.cloud.reset());

describe('RunInstances with IamInstanceProfile', () => {
  it('refuses a profile created moments ago as an invalid profile name until IAM has propagated it', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const profile = await nodeProfile(iam, 'nodes-b-1', OURS);
    const launch = () => h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId, { IamInstanceProfile: { Name: 'nodes-b-1' } })));
    const early = await rejection(launch());
    expect([early.name, early.$metadata.httpStatusCode, early.message]).toEqual([
      'InvalidParameterValue',
      400,
      'Value (nodes-b-1) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    ]);
    h.cloud.clock.advance(PROPAGATION - 1);
    expect((await rejection(launch())).name).toBe('InvalidParameterValue');
    h.cloud.clock.advance(1);
    const instance = (await launch()).Instances![0];
    expect(instance.IamInstanceProfile).toEqual({ Arn: profile.Arn, Id: profile.InstanceProfileId });
  });

  it('finds the profile by ARN too, and shows it in DescribeInstances and its iam-instance-profile.arn filter', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const profile = await nodeProfile(iam, 'nodes-b-1', OURS);
    h.cloud.clock.advance(PROPAGATION);
    const { Instances } = await h.ec2.send(
      new E.RunInstancesCommand(runInput(subnetId, groupId, { IamInstanceProfile: { Arn: profile.Arn } })),
    );
    const described = await h.ec2.send(
      new E.DescribeInstancesCommand({ Filters: [{ Name: 'iam-instance-profile.arn', Values: [profile.Arn!] }] }),
    );
    expect(described.Reservations!.flatMap((r) => r.Instances!).map((i) => [i.InstanceId, i.IamInstanceProfile])).toEqual([
      [Instances![0].InstanceId, { Arn: profile.Arn, Id: profile.InstanceProfileId }],
    ]);
  });

  it('refuses an ARN that names no profile, with the ARN form of the message', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const arn = `arn:aws:iam::${ACCOUNT}:instance-profile/missing`;
    const error = await rejection(h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId, { IamInstanceProfile: { Arn: arn } }))));
    expect([error.name, error.message]).toEqual([
      'InvalidParameterValue',
      `Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`,
    ]);
  });
});

describe('iam:PassRole on launch', () => {
  const LAUNCH_ANYWHERE = { Effect: 'Allow' as const, Action: ['ec2:RunInstances', 'ec2:CreateTags'], Resource: ['*'] };
  const caller = (extra: object[] = []) => {
    const credentials = h.cloud.iam.account.assumeRole(`launcher-${Math.random()}`, 'session', {
      Version: '2012-10-17',
      Statement: [LAUNCH_ANYWHERE, ...extra] as never,
    });
    return {
      ec2: new E.EC2Client({ region: 'ap-northeast-2', endpoint: h.cloud.url, credentials, maxAttempts: 1 }),
      principal: credentials.principalArn,
    };
  };

  it('refuses a launch with a profile when the caller may not pass its role, naming iam:PassRole on the role', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    await nodeProfile(iam, 'nodes-b-1', OURS);
    h.cloud.clock.advance(PROPAGATION);
    const { ec2, principal } = caller();
    const input = runInput(subnetId, groupId, { IamInstanceProfile: { Name: 'nodes-b-1' } });
    const denied = await rejection(ec2.send(new E.RunInstancesCommand(input)));
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    expect(denied.message).toContain(
      `User: ${principal} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/nodes-b-1`,
    );
    const withoutProfile = await ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId)));
    expect(withoutProfile.Instances).toHaveLength(1);
    ec2.destroy();
  });

  it('allows it with iam:PassRole on the role for ec2.amazonaws.com only', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    await nodeProfile(iam, 'nodes-b-1', OURS);
    h.cloud.clock.advance(PROPAGATION);
    const passTo = (service: string) => ({
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [`arn:aws:iam::${ACCOUNT}:role/nodes-*`],
      Condition: { StringEquals: { 'iam:PassedToService': service } },
    });
    const input = runInput(subnetId, groupId, { IamInstanceProfile: { Name: 'nodes-b-1' } });
    const toLambda = caller([passTo('lambda.amazonaws.com')]);
    expect((await rejection(toLambda.ec2.send(new E.RunInstancesCommand(input)))).name).toBe('UnauthorizedOperation');
    const toEc2 = caller([passTo('ec2.amazonaws.com')]);
    expect((await toEc2.ec2.send(new E.RunInstancesCommand(input))).Instances).toHaveLength(1);
    toLambda.ec2.destroy();
    toEc2.ec2.destroy();
  });
});
