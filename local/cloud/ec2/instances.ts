/**
 * RunInstances and TerminateInstances. A launch validates like AWS (image, type offered in the AZ, key,
 * subnet, groups, vCPU quota, free addresses) and is idempotent per ClientToken (client-tokens.ts): the same
 * token with the same parameters returns the original reservation, with different ones IdempotentParameterMismatch.
 */
import { CloudError, type InstanceProfileView } from '../contract';
import { QUOTA_CODES } from '../quotas';
import { Actions, Args, invalidValue } from './args';
import { availabilityZones, IMAGES, INSTANCE_TYPES, offeredIn } from './catalog';
import { nextFreeIp } from './cidr';
import { idempotentCreate } from './client-tokens';
import { volumeEncryption } from './ebs-defaults';
import { instanceNotFound, reservationWire, stateWire } from './instance-views';
import { launchProfile } from './iam-instance-profile';
import { groupNotFound } from './security-groups';
import { Ec2Store, InstanceRec, VolumeRec } from './store';
import { getSubnet } from './subnets';
import { tagSpecifications } from './tagging';

function macAddress(): string {
  return `02:${Array.from({ length: 5 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join(':')}`;
}

function usedVcpus(s: Ec2Store): number {
  return [...s.instances.values()]
    .filter((i) => s.instanceState(i) !== 'terminated')
    .reduce((sum, i) => sum + (INSTANCE_TYPES[i.instanceType]?.vcpus ?? 0), 0);
}

function launch(s: Ec2Store, a: Args, profiles: InstanceProfileView | undefined) {
  const imageId = a.required('ImageId');
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId))
    throw new CloudError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  const image = IMAGES.find((i) => i.id === imageId);
  if (!image) throw new CloudError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  const minCount = a.int('MinCount');
  const maxCount = a.int('MaxCount');
  if (minCount === undefined) throw new CloudError('MissingParameter', 'The request must contain the parameter MinCount');
  if (maxCount === undefined) throw new CloudError('MissingParameter', 'The request must contain the parameter MaxCount');
  if (minCount < 1 || maxCount < minCount) throw invalidValue(`Invalid MinCount/MaxCount: ${minCount}/${maxCount}`);
  const instanceType = a.str('InstanceType') ?? 'm1.small';
  const typeInfo = INSTANCE_TYPES[instanceType];
  if (!typeInfo) throw invalidValue(`Invalid value '${instanceType}' for InstanceType.`);
  if (typeInfo.architecture !== image.architecture) {
    throw invalidValue(
      `The architecture '${typeInfo.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`,
    );
  }
  const keyName = a.str('KeyName');
  if (keyName && ![...s.keyPairs.values()].some((k) => k.name === keyName)) {
    throw new CloudError('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
  }
  const profile = launchProfile(a, profiles);

  const nic = a.list('NetworkInterface')[0];
  if (nic && (a.strings('SecurityGroupId').length || a.has('SubnetId'))) {
    throw new CloudError(
      'InvalidParameterCombination',
      'Network interfaces and an instance-level security groups may not be specified on the same request',
    );
  }
  const subnetId = nic?.str('SubnetId') ?? a.str('SubnetId');
  if (!subnetId)
    throw new CloudError('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.');
  const subnet = getSubnet(s, subnetId);
  const placementAz = a.obj('Placement')?.str('AvailabilityZone');
  if (placementAz && placementAz !== subnet.az) {
    throw invalidValue(`The subnet ID '${subnet.id}' is in ${subnet.az}, not in the requested Availability Zone ${placementAz}.`);
  }
  if (!offeredIn(instanceType, subnet.az)) {
    const offering = availabilityZones(s.region)
      .map((z) => z.name)
      .filter((z) => offeredIn(instanceType, z));
    throw new CloudError(
      'Unsupported',
      `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${subnet.az}). Please retry your request by not specifying an Availability Zone or choosing ${offering.join(', ')}.`,
    );
  }
  const requestedGroups = nic ? nic.strings('SecurityGroupId') : a.strings('SecurityGroupId');
  const missingGroups = requestedGroups.filter((g) => s.groups.get(g)?.vpcId !== subnet.vpcId);
  if (missingGroups.length) throw groupNotFound(missingGroups);
  const groupIds = requestedGroups.length ? requestedGroups : [s.vpcs.get(subnet.vpcId)?.defaultGroupId as string];

  const limit = s.quotas.value(QUOTA_CODES.onDemandStandardVcpus);
  if (usedVcpus(s) + typeInfo.vcpus * minCount > limit) {
    throw new CloudError(
      'VcpuLimitExceeded',
      `You have requested more vCPU capacity than your current vCPU limit of ${limit} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
    );
  }
  const allowed = Math.floor((limit - usedVcpus(s)) / typeInfo.vcpus);
  const used = new Set(
    s
      .liveEnis()
      .filter((e) => e.subnetId === subnet.id)
      .map((e) => e.privateIp),
  );
  const tags = tagSpecifications(a, ['instance', 'volume', 'network-interface']);
  const md = a.obj('MetadataOptions');
  const metadata = {
    httpTokens: md?.str('HttpTokens') ?? 'optional',
    httpEndpoint: md?.str('HttpEndpoint') ?? 'enabled',
    hopLimit: md?.int('HttpPutResponseHopLimit') ?? 1,
    metadataTags: md?.str('InstanceMetadataTags') ?? 'disabled',
  };
  const mappings = a.list('BlockDeviceMapping');
  const publicIp = nic?.bool('AssociatePublicIpAddress') ?? subnet.mapPublicIpOnLaunch;
  const reservation = { id: s.newId('r'), instanceIds: [] as string[], groupIds };
  const now = s.now();

  for (let n = 0; n < Math.min(maxCount, allowed); n++) {
    const privateIp = nextFreeIp(subnet.cidrBlock, used);
    if (!privateIp) {
      if (n >= minCount) break;
      throw new CloudError(
        'InsufficientFreeAddressesInSubnet',
        `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`,
      );
    }
    used.add(privateIp);
    const instanceId = s.newId('i');
    const eniId = s.newId('eni');
    s.enis.set(eniId, {
      id: eniId,
      tags: new Map(tags.get('network-interface')),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      az: subnet.az,
      privateIp,
      groupIds,
      description: '',
      mac: macAddress(),
      interfaceType: 'interface',
      instanceId,
      attachmentId: s.newId('eni-attach'),
      createdAt: now,
    });
    const volumeIds = blockDevices(s, mappings, image, instanceId, subnet.az, now, tags.get('volume') as Map<string, string>).map((v) => {
      s.volumes.set(v.id, v);
      return v.id;
    });
    const instance: InstanceRec = {
      id: instanceId,
      tags: new Map(tags.get('instance')),
      reservationId: reservation.id,
      imageId,
      instanceType,
      az: subnet.az,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      privateIp,
      eniId,
      groupIds,
      keyName,
      launchedAt: now,
      clientToken: a.str('ClientToken'),
      launchIndex: n,
      publicIp: publicIp ? s.newPublicIp() : undefined,
      metadata,
      volumeIds,
      rootDevice: image.rootDeviceName,
      architecture: image.architecture,
      iamInstanceProfile: profile && { arn: profile.arn, id: profile.id },
    };
    s.instances.set(instanceId, instance);
    reservation.instanceIds.push(instanceId);
  }
  if (reservation.instanceIds.length < minCount) {
    throw new CloudError('VcpuLimitExceeded', `You have requested more vCPU capacity than your current vCPU limit of ${limit} allows.`);
  }
  s.reservations.set(reservation.id, reservation);
  return reservation;
}

function blockDevices(
  s: Ec2Store,
  mappings: Args[],
  image: (typeof IMAGES)[number],
  instanceId: string,
  az: string,
  now: number,
  tags: Map<string, string>,
): VolumeRec[] {
  const byDevice = new Map<string, Args | undefined>([[image.rootDeviceName, undefined]]);
  for (const m of mappings) byDevice.set(m.required('DeviceName'), m);
  const volumes: VolumeRec[] = [];
  for (const [device, m] of byDevice) {
    const ebs = m?.obj('Ebs');
    if (m && !ebs) continue;
    const isRoot = device === image.rootDeviceName;
    const size = ebs?.int('VolumeSize') ?? (isRoot ? image.rootVolumeSize : 8);
    if (isRoot && size < image.rootVolumeSize) {
      throw invalidValue(`Volume of size ${size}GB is smaller than snapshot, expect size >= ${image.rootVolumeSize}GB`);
    }
    volumes.push({
      id: s.newId('vol'),
      tags: new Map(tags),
      instanceId,
      device,
      size,
      volumeType: ebs?.str('VolumeType') ?? (isRoot ? image.rootVolumeType : 'gp2'),
      ...volumeEncryption(s, { encrypted: ebs?.bool('Encrypted'), kmsKeyId: ebs?.str('KmsKeyId') }),
      deleteOnTermination: ebs?.bool('DeleteOnTermination') ?? true,
      iops: ebs?.int('Iops'),
      throughput: ebs?.int('Throughput'),
      az,
      createdAt: now,
    });
  }
  return volumes;
}

export function instanceActions(s: Ec2Store, profiles?: InstanceProfileView): Actions {
  return {
    RunInstances(a: Args) {
      return idempotentCreate(
        s,
        'RunInstances',
        a,
        () => {
          const reservation = launch(s, a, profiles);
          return { resourceId: reservation.id, result: reservationWire(s, reservation) };
        },
        (reservationId) => {
          const reservation = s.reservations.get(reservationId);
          return reservation && reservationWire(s, reservation);
        },
      );
    },

    TerminateInstances(a: Args) {
      const ids = a.strings('InstanceId');
      if (ids.length === 0) throw new CloudError('MissingParameter', 'The request must contain the parameter InstanceId');
      const missingIds = ids.filter((id) => !s.instances.has(id) || !s.instanceVisible(s.instances.get(id) as InstanceRec));
      if (missingIds.length) throw instanceNotFound(missingIds);
      const now = s.now();
      return {
        instancesSet: ids.map((id) => {
          const i = s.instances.get(id) as InstanceRec;
          const previous = s.instanceState(i);
          if (i.terminatedAt === undefined) i.terminatedAt = now;
          return { instanceId: id, previousState: stateWire(previous), currentState: stateWire(s.instanceState(i)) };
        }),
      };
    },
  };
}
