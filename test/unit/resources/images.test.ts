import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { AwsThrottled, AwsUnavailable, PreflightFailed } from '../../../functions/core/errors';
import { findRhel8Image, RED_HAT_OWNER } from '../../../functions/resources/images';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulSpec } from '../../fixtures/build';

const { ec2, clients } = mockAws();

/** An image as Red Hat publishes it (names follow RHEL-<ver>_HVM-<date>-<arch>-<n>-<Hourly2|Access2>-<GP2|GP3>). */
const image = (id: string, name: string, created: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id,
  Name: name,
  CreationDate: created,
  State: 'available',
  Architecture: 'x86_64',
  RootDeviceType: 'ebs',
  RootDeviceName: '/dev/sda1',
  VirtualizationType: 'hvm',
  OwnerId: RED_HAT_OWNER,
  ...extra,
});

const HOURLY_NEW = image('ami-0000000000000000a', 'RHEL-8.10.0_HVM-20240703-x86_64-0-Hourly2-GP3', '2024-07-03T10:00:00.000Z');
const HOURLY_OLD = image('ami-0000000000000000b', 'RHEL-8.9.0_HVM-20231101-x86_64-0-Hourly2-GP3', '2023-11-01T10:00:00.000Z');
const ACCESS_NEWEST = image('ami-0000000000000000c', 'RHEL-8.10.0_HVM-20240801-x86_64-0-Access2-GP3', '2024-08-01T10:00:00.000Z');
const BETA_NEWEST = image('ami-0000000000000000d', 'RHEL-8.11.0_HVM_BETA-20240901-x86_64-0-Hourly2-GP3', '2024-09-01T10:00:00.000Z');

describe('findRhel8Image by family', () => {
  it('asks Red Hat’s account for available x86_64 EBS HVM RHEL 8 images', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [HOURLY_NEW] });
    await findRhel8Image(clients, seoulSpec());
    const [call] = ec2.commandCalls(DescribeImagesCommand);
    expect(call.args[0].input.Owners).toEqual([RED_HAT_OWNER]);
    expect(call.args[0].input.Filters).toEqual(
      expect.arrayContaining([
        { Name: 'name', Values: ['RHEL-8*'] },
        { Name: 'architecture', Values: ['x86_64'] },
        { Name: 'state', Values: ['available'] },
        { Name: 'root-device-type', Values: ['ebs'] },
        { Name: 'virtualization-type', Values: ['hvm'] },
      ]),
    );
  });

  it.each([
    ['only hourly images', [HOURLY_OLD, HOURLY_NEW], HOURLY_NEW],
    ['a newer Cloud Access (BYOS) image', [HOURLY_OLD, ACCESS_NEWEST, HOURLY_NEW], HOURLY_NEW],
    ['a newer beta image', [BETA_NEWEST, HOURLY_NEW, HOURLY_OLD], HOURLY_NEW],
    ['a newer image of another root device', [HOURLY_OLD, { ...HOURLY_NEW, RootDeviceName: '/dev/xvda' }], HOURLY_OLD],
    [
      'a look-alike name that is not RHEL 8',
      [HOURLY_OLD, image('ami-0000000000000000e', 'RHEL-80-custom', '2025-01-01T00:00:00.000Z')],
      HOURLY_OLD,
    ],
  ])('picks the newest usable image among %s', async (_case, images, expected) => {
    ec2.on(DescribeImagesCommand).resolves({ Images: images });
    await expect(findRhel8Image(clients, seoulSpec())).resolves.toEqual({ imageId: expected.ImageId, imageName: expected.Name });
  });

  it('reads every page of the answer', async () => {
    ec2
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [HOURLY_OLD], NextToken: 'page-2' })
      .resolvesOnce({ Images: [HOURLY_NEW] });
    await expect(findRhel8Image(clients, seoulSpec())).resolves.toMatchObject({ imageId: HOURLY_NEW.ImageId });
    expect(ec2.commandCalls(DescribeImagesCommand)[1].args[0].input.NextToken).toBe('page-2');
  });

  it.each([
    ['no image at all', []],
    ['only beta and Cloud Access images', [BETA_NEWEST, ACCESS_NEWEST]],
  ])('fails preflight naming image.family when there is %s', async (_case, images) => {
    ec2.on(DescribeImagesCommand).resolves({ Images: images });
    const error = await findRhel8Image(clients, seoulSpec()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightFailed);
    expect((error as Error).message).toMatch(/image\.family: no available Red Hat rhel-8 .*ap-northeast-2.*image\.imageId/);
  });

  it('classifies a throttled DescribeImages', async () => {
    ec2.on(DescribeImagesCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(findRhel8Image(clients, seoulSpec())).rejects.toBeInstanceOf(AwsThrottled);
  });
});

describe('findRhel8Image by imageId', () => {
  const GIVEN = 'ami-0123456789abcdef0';
  const spec = () => seoulSpec({ image: { family: 'rhel-8', imageId: GIVEN } });

  it('describes exactly the given image and returns it', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'my-hardened-rhel8', '2024-01-01T00:00:00.000Z')] });
    await expect(findRhel8Image(clients, spec())).resolves.toEqual({ imageId: GIVEN, imageName: 'my-hardened-rhel8' });
    expect(ec2.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({ ImageIds: [GIVEN] });
  });

  it.each([
    ['AWS does not know it', () => ec2.on(DescribeImagesCommand).rejects(awsError('InvalidAMIID.NotFound')), /was not found/],
    ['the id is malformed for AWS', () => ec2.on(DescribeImagesCommand).rejects(awsError('InvalidAMIID.Malformed')), /was not found/],
    ['the answer is empty', () => ec2.on(DescribeImagesCommand).resolves({ Images: [] }), /was not found/],
    [
      'it is still pending',
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'x', '2024', { State: 'pending' })] }),
      /is pending, not available/,
    ],
    [
      'it is arm64',
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'x', '2024', { Architecture: 'arm64' })] }),
      /need x86_64/,
    ],
    [
      'it is instance-store backed',
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'x', '2024', { RootDeviceType: 'instance-store' })] }),
      /not EBS-backed/,
    ],
    [
      'it is paravirtual',
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'x', '2024', { VirtualizationType: 'paravirtual' })] }),
      /not an HVM image/,
    ],
    [
      'it is rooted at /dev/xvda',
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [image(GIVEN, 'x', '2024', { RootDeviceName: '/dev/xvda' })] }),
      /root device \/dev\/xvda/,
    ],
  ])('fails preflight naming image.imageId when %s', async (_case, arrange, message) => {
    arrange();
    const error = await findRhel8Image(clients, spec()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightFailed);
    expect((error as Error).message).toContain(`image.imageId: ${GIVEN}`);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['a throttle as AwsThrottled', awsError('RequestLimitExceeded'), AwsThrottled],
    ['an AWS outage as AwsUnavailable', awsError('InternalError', 500), AwsUnavailable],
  ])('classifies %s', async (_case, raw, expected) => {
    ec2.on(DescribeImagesCommand).rejects(raw);
    await expect(findRhel8Image(clients, spec())).rejects.toBeInstanceOf(expected);
  });

  it('rethrows an unknown AWS error unchanged', async () => {
    const raw = awsError('SomethingNew');
    ec2.on(DescribeImagesCommand).rejects(raw);
    await expect(findRhel8Image(clients, spec())).rejects.toBe(raw);
  });
});
