/**
 * ModifyInstanceMetadataOptions as a person runs it by hand against an instance of a build: IMDSv1 back on,
 * the settings not given kept, the change `pending` before `applied`, refused for an instance on its way
 * out, and authorised against the instance and its tags.
 */
import * as E from '@aws-sdk/client-ec2';
import { BUILD_TAG, network, runInput, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ latency: { instancePendingToRunning: 15, instanceShuttingDownToTerminated: 45 } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const OURS = { [BUILD_TAG]: 'b-1', 'k8s-ec2:managed-by': 'k8s-ec2-builder' };

/** A running instance launched as the build launches its nodes: IMDSv2 required, hop limit 2. */
async function hardenedInstance(): Promise<string> {
  const { subnetId, groupId } = await network(h.ec2);
  const run = await h.ec2.send(
    new E.RunInstancesCommand(
      runInput(subnetId, groupId, {
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
        TagSpecifications: [tagSpec('instance', OURS)],
      }),
    ),
  );
  h.cloud.clock.advance(15);
  return run.Instances![0].InstanceId!;
}

const metadataOf = async (id: string) =>
  (await h.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].MetadataOptions!;

describe('ModifyInstanceMetadataOptions', () => {
  it('turns IMDSv1 back on and keeps the hop limit and endpoint not given; pending, then applied', async () => {
    const id = await hardenedInstance();
    const out = await h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'optional' }));
    expect(out.InstanceId).toBe(id);
    expect(out.InstanceMetadataOptions).toMatchObject({ State: 'pending', HttpTokens: 'optional', HttpPutResponseHopLimit: 2 });
    expect(await metadataOf(id)).toMatchObject({ State: 'pending', HttpTokens: 'optional', HttpEndpoint: 'enabled' });
    h.cloud.clock.advance(2);
    expect(await metadataOf(id)).toMatchObject({ State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 2 });
  });

  it('falls back to optional tokens when a call changes only the hop limit (HttpTokens has a default, not the existing state)', async () => {
    const id = await hardenedInstance();
    await h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpPutResponseHopLimit: 3 }));
    expect(await metadataOf(id)).toMatchObject({ HttpTokens: 'optional', HttpPutResponseHopLimit: 3 });
  });

  it('refuses a hop limit outside 1–64 and an unknown token setting, changing nothing', async () => {
    const id = await hardenedInstance();
    const tooFar = await rejection(h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpPutResponseHopLimit: 65 })));
    expect(tooFar.name).toBe('InvalidParameterValue');
    const unknown = await rejection(
      h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'sometimes' as E.HttpTokensState })),
    );
    expect(unknown.name).toBe('InvalidParameterValue');
    expect(await metadataOf(id)).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
  });

  it('answers IncorrectInstanceState for a terminating instance and InvalidInstanceID.NotFound for an unknown one', async () => {
    const id = await hardenedInstance();
    await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    const terminating = await rejection(h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'optional' })));
    expect(terminating.name).toBe('IncorrectInstanceState');
    const unknown = await rejection(
      h.ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: 'i-0123456789abcdef0', HttpTokens: 'optional' })),
    );
    expect(unknown.name).toBe('InvalidInstanceID.NotFound');
  });

  it('is authorised on the instance with its tags: a role allowed only on other builds is refused', async () => {
    const id = await hardenedInstance();
    const credentials = h.cloud.iam.account.assumeRole('other-build-operator', 'session', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ec2:ModifyInstanceMetadataOptions'],
          Resource: ['arn:aws:ec2:*:*:instance/*'],
          Condition: { StringEquals: { [`aws:ResourceTag/${BUILD_TAG}`]: 'b-2' } },
        },
      ],
    });
    const ec2 = new E.EC2Client({ region: 'ap-northeast-2', endpoint: h.cloud.url, credentials, maxAttempts: 1 });
    const denied = await rejection(ec2.send(new E.ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'optional' })));
    expect(denied.name).toBe('UnauthorizedOperation');
    expect(denied.message).toContain(
      `ec2:ModifyInstanceMetadataOptions on resource: arn:aws:ec2:ap-northeast-2:123456789012:instance/${id}`,
    );
    ec2.destroy();
    expect((await metadataOf(id)).HttpTokens).toBe('required');
  });
});
