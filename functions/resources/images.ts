import { DescribeImagesCommand, paginateDescribeImages, type Image } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, PreflightFailed } from '../core/errors';
import type { BuildSpec } from '../core/spec';
import { describeAll } from './owned';

/** Red Hat's AWS account: the owner of the official RHEL ("Gold"/hourly) images. */
export const RED_HAT_OWNER = '309956199498';
/**
 * The root device of every Red Hat AMI. Instances map their encrypted gp3 root volume at this name; an
 * image rooted elsewhere would boot from its own (possibly unencrypted) volume and get ours as a spare
 * disk, so preflight rejects it instead.
 */
export const ROOT_DEVICE_NAME = '/dev/sda1';

export interface ImageChoice {
  imageId: string;
  imageName: string;
}

/**
 * Red Hat names its images `RHEL-<version>_HVM[_BETA]-<date>-<arch>-<n>-<Hourly2|Access2>-<GP2|GP3>`.
 * `Access2` images are Cloud Access (bring-your-own-subscription) images, visible only to enrolled
 * accounts and not billed hourly; `_BETA` images are pre-releases. Neither belongs in a build.
 */
const RHEL_8_NAME = /^RHEL-8\.\d+/;
const EXCLUDED_NAME = /BETA|-Access/i;

/**
 * The RHEL 8 image a build uses: the one the spec names (it must exist, be available, x86_64, EBS-backed
 * HVM rooted at /dev/sda1), or else the newest public Red Hat RHEL 8 image in the region.
 */
export async function findRhel8Image(clients: AwsClients, spec: Pick<BuildSpec, 'image' | 'region'>): Promise<ImageChoice> {
  return spec.image.imageId ? describeGivenImage(clients, spec.image.imageId) : newestRedHatImage(clients, spec);
}

async function describeGivenImage(clients: AwsClients, imageId: string): Promise<ImageChoice> {
  let image: Image | undefined;
  try {
    const out = await aws('DescribeImages', () => clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
    image = out.Images?.find((candidate) => candidate.ImageId === imageId);
  } catch (error) {
    // A missing or malformed AMI id is a preflight finding about the spec, not an AWS failure.
    const code = codeOf(error) ?? '';
    if (!code.startsWith('InvalidAMIID.')) throw error;
  }
  if (!image) {
    throw new PreflightFailed(`image.imageId: ${imageId} was not found in this region or is not shared with this account`, {
      details: { field: 'image.imageId', imageId },
    });
  }
  const problem = unusable(image);
  if (problem) {
    throw new PreflightFailed(`image.imageId: ${imageId} ${problem}`, { details: { field: 'image.imageId', imageId } });
  }
  return { imageId, imageName: image.Name ?? imageId };
}

/** Why an image cannot carry our nodes, or undefined when it can. */
function unusable(image: Image): string | undefined {
  if (image.State !== 'available') return `is ${image.State ?? 'in an unknown state'}, not available`;
  if (image.Architecture !== 'x86_64') return `is ${image.Architecture}, the instance types need x86_64`;
  if (image.RootDeviceType !== 'ebs') return 'is not EBS-backed';
  if (image.VirtualizationType !== 'hvm') return 'is not an HVM image';
  if (image.RootDeviceName && image.RootDeviceName !== ROOT_DEVICE_NAME) {
    return `has root device ${image.RootDeviceName}; the nodes' encrypted root volume is mapped at ${ROOT_DEVICE_NAME}`;
  }
  return undefined;
}

async function newestRedHatImage(clients: AwsClients, spec: Pick<BuildSpec, 'image' | 'region'>): Promise<ImageChoice> {
  const images = await describeAll(
    'DescribeImages',
    () =>
      paginateDescribeImages(
        { client: clients.ec2 },
        {
          Owners: [RED_HAT_OWNER],
          Filters: [
            { Name: 'name', Values: ['RHEL-8*'] },
            { Name: 'architecture', Values: ['x86_64'] },
            { Name: 'state', Values: ['available'] },
            { Name: 'root-device-type', Values: ['ebs'] },
            { Name: 'virtualization-type', Values: ['hvm'] },
          ],
        },
      ),
    (page) => page.Images,
  );
  const newest = images
    .filter((image) => image.ImageId && RHEL_8_NAME.test(image.Name ?? '') && !EXCLUDED_NAME.test(image.Name ?? ''))
    .filter((image) => unusable(image) === undefined)
    // CreationDate is ISO 8601 UTC, so string order is time order; ties break on name for determinism.
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') || (b.Name ?? '').localeCompare(a.Name ?? ''))[0];
  if (!newest) {
    throw new PreflightFailed(
      `image.family: no available Red Hat ${spec.image.family} x86_64 image (owner ${RED_HAT_OWNER}) found in ${spec.region}; ` +
        'set image.imageId to an AMI shared with this account',
      { details: { field: 'image.family', family: spec.image.family, region: spec.region } },
    );
  }
  return { imageId: newest.ImageId as string, imageName: newest.Name ?? (newest.ImageId as string) };
}
