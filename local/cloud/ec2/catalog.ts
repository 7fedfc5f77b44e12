/**
 * The fixed facts of a region: its AZs, instance types and where they are offered, and the public images.
 * A few deliberate gaps (m6i.metal only in some AZs, older RHEL 8 and a RHEL 9 image beside the newest
 * RHEL 8) make Preflight's checks and the image name filter actually matter.
 */
export const RHEL_OWNER = '309956199498';

export function availabilityZones(region: string): Array<{ name: string; id: string }> {
  const [area, direction, number] = region.split('-');
  const short = `${area}${direction.replace(/(north|south)?(east|west|central)?/, (_m, ns?: string, ew?: string) => `${ns?.[0] ?? ''}${ew?.[0] ?? ''}`)}${number}`;
  return ['a', 'b', 'c', 'd'].map((letter, i) => ({ name: `${region}${letter}`, id: `${short}-az${i + 1}` }));
}

export interface InstanceTypeInfo {
  vcpus: number;
  memoryMiB: number;
  architecture: 'x86_64' | 'arm64';
  burstable: boolean;
  /** AZ letters offering it; every AZ when absent. */
  onlyIn?: string[];
}

const sizes: Array<[string, number]> = [
  ['large', 2],
  ['xlarge', 4],
  ['2xlarge', 8],
  ['4xlarge', 16],
];
const family = (name: string, memPerVcpu: number): Record<string, InstanceTypeInfo> =>
  Object.fromEntries(
    sizes.map(([size, vcpus]) => [`${name}.${size}`, { vcpus, memoryMiB: vcpus * memPerVcpu, architecture: 'x86_64', burstable: false }]),
  );

export const INSTANCE_TYPES: Record<string, InstanceTypeInfo> = {
  't3.nano': { vcpus: 2, memoryMiB: 512, architecture: 'x86_64', burstable: true },
  't3.micro': { vcpus: 2, memoryMiB: 1024, architecture: 'x86_64', burstable: true },
  't3.small': { vcpus: 2, memoryMiB: 2048, architecture: 'x86_64', burstable: true },
  't3.medium': { vcpus: 2, memoryMiB: 4096, architecture: 'x86_64', burstable: true },
  't3.large': { vcpus: 2, memoryMiB: 8192, architecture: 'x86_64', burstable: true },
  't3.xlarge': { vcpus: 4, memoryMiB: 16384, architecture: 'x86_64', burstable: true },
  't3.2xlarge': { vcpus: 8, memoryMiB: 32768, architecture: 'x86_64', burstable: true },
  ...family('m5', 4096),
  ...family('m6i', 4096),
  ...family('c6i', 2048),
  'm6i.metal': { vcpus: 128, memoryMiB: 524288, architecture: 'x86_64', burstable: false, onlyIn: ['a', 'c'] },
  't4g.micro': { vcpus: 2, memoryMiB: 1024, architecture: 'arm64', burstable: true },
  'm6g.large': { vcpus: 2, memoryMiB: 8192, architecture: 'arm64', burstable: false, onlyIn: ['a', 'b', 'c'] },
};

export function offeredIn(type: string, az: string): boolean {
  const info = INSTANCE_TYPES[type];
  return !!info && (!info.onlyIn || info.onlyIn.includes(az.slice(-1)));
}

export interface ImageInfo {
  id: string;
  name: string;
  ownerId: string;
  architecture: 'x86_64' | 'arm64';
  creationDate: string;
  description: string;
  rootDeviceName: string;
  rootVolumeSize: number;
  rootVolumeType: string;
}

const rhel = (id: string, name: string, creationDate: string, architecture: 'x86_64' | 'arm64', volumeType = 'gp3'): ImageInfo => ({
  id,
  name,
  ownerId: RHEL_OWNER,
  architecture,
  creationDate,
  description: `Provided by Red Hat, Inc.`,
  rootDeviceName: '/dev/sda1',
  rootVolumeSize: 10,
  rootVolumeType: volumeType,
});

/** Fixed ids so an AMI id resolved before a reset still means the same image after it. */
export const IMAGES: ImageInfo[] = [
  rhel('ami-0a1b2c3d4e5f60810', 'RHEL-8.10.0_HVM-20240904-x86_64-0-Hourly2-GP3', '2024-09-04T14:12:51.000Z', 'x86_64'),
  rhel('ami-0a1b2c3d4e5f60811', 'RHEL-8.10.0_HVM-20240904-arm64-0-Hourly2-GP3', '2024-09-04T14:20:03.000Z', 'arm64'),
  rhel('ami-0a1b2c3d4e5f60809', 'RHEL-8.10.0_HVM-20240528-x86_64-66-Hourly2-GP3', '2024-05-28T09:41:27.000Z', 'x86_64'),
  rhel('ami-0a1b2c3d4e5f60808', 'RHEL-8.8.0_HVM-20230503-x86_64-54-Hourly2-GP2', '2023-05-03T18:02:40.000Z', 'x86_64', 'gp2'),
  rhel('ami-0a1b2c3d4e5f60806', 'RHEL-8.6.0_HVM-20220503-x86_64-2-Hourly2-GP2', '2022-05-03T21:05:31.000Z', 'x86_64', 'gp2'),
  rhel('ami-0a1b2c3d4e5f60904', 'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', '2024-06-05T12:48:10.000Z', 'x86_64'),
  {
    id: 'ami-0c9d8e7f6a5b40231',
    name: 'al2023-ami-2023.5.20240903.0-kernel-6.1-x86_64',
    ownerId: '137112412989',
    architecture: 'x86_64',
    creationDate: '2024-09-03T22:10:14.000Z',
    description: 'Amazon Linux 2023 AMI',
    rootDeviceName: '/dev/xvda',
    rootVolumeSize: 8,
    rootVolumeType: 'gp3',
  },
];

export const OWNER_ALIASES: Record<string, string> = { amazon: '137112412989', redhat: RHEL_OWNER };
