/** Account-level EBS encryption by default over the EC2 wire protocol, and what it does to new volumes. */
import * as E from '@aws-sdk/client-ec2';
import { network, runInput } from './fixtures';
import { Harness, startHarness, stopHarness } from './helpers';

const CMK = 'arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const harnesses: Harness[] = [];
afterAll(() => Promise.all(harnesses.map(stopHarness)));

async function cloudWith(opts: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(opts);
  harnesses.push(h);
  return h;
}

/** The volumes of one instance launched with `ebs` for its root device. */
async function launchVolumes(h: Harness, ebs: E.EbsBlockDevice): Promise<E.Volume[]> {
  const { subnetId, groupId } = await network(h.ec2);
  const run = await h.ec2.send(
    new E.RunInstancesCommand(runInput(subnetId, groupId, { BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: ebs }] })),
  );
  const filter = { Name: 'attachment.instance-id', Values: [run.Instances![0].InstanceId!] };
  return (await h.ec2.send(new E.DescribeVolumesCommand({ Filters: [filter] }))).Volumes!;
}

describe('EBS encryption by default', () => {
  it('is off in a new account, with the AWS managed key as the default key', async () => {
    const h = await cloudWith({});
    expect((await h.ec2.send(new E.GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    expect((await h.ec2.send(new E.GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe('alias/aws/ebs');
    const [volume] = await launchVolumes(h, { VolumeType: 'gp3' });
    expect(volume).toMatchObject({ Encrypted: false });
    expect(volume.KmsKeyId).toBeUndefined();
  });

  it('answers as seeded, and encrypts every new volume with the default customer managed key', async () => {
    const h = await cloudWith({ ebsEncryptionByDefault: true, ebsDefaultKmsKeyId: CMK });
    expect((await h.ec2.send(new E.GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    expect((await h.ec2.send(new E.GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe(CMK);
    // Encrypted: false cannot opt out once encryption by default is on.
    const mappings: E.EbsBlockDevice[] = [
      { VolumeType: 'gp3' },
      { VolumeType: 'gp3', Encrypted: true },
      { VolumeType: 'gp3', Encrypted: false },
    ];
    for (const ebs of mappings) {
      expect(await launchVolumes(h, ebs)).toEqual([expect.objectContaining({ Encrypted: true, KmsKeyId: CMK })]);
    }
  });

  it('uses the key a mapping names over the default, and shows the AWS managed key as a key ARN', async () => {
    const h = await cloudWith({ ebsEncryptionByDefault: true });
    const [managed] = await launchVolumes(h, { Encrypted: true });
    expect(managed.KmsKeyId).toMatch(/^arn:aws:kms:ap-northeast-2:123456789012:key\/[0-9a-z-]+$/);
    const [named] = await launchVolumes(h, { Encrypted: true, KmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(named.KmsKeyId).toBe(CMK);
  });
});
