/** How instances look from the outside: DescribeInstances, DescribeInstanceStatus and DescribeVolumes. */
import { CloudError } from '../contract';
import { Actions, Args } from './args';
import { applyFilters, FilterFields, notFoundError, paginate } from './filters';
import { Ec2Store, InstanceRec, InstanceState, ReservationRec, STATE_CODES, VolumeRec } from './store';
import { tagSet } from './tagging';

export const instanceNotFound = notFoundError('InvalidInstanceID.NotFound', 'instance');

export const stateWire = (name: InstanceState) => ({ code: STATE_CODES[name], name });

/**
 * A volume is `in-use` while its instance stands. One kept past termination (DeleteOnTermination false: "The volume
 * is preserved when the instance is terminated. Preserved volumes continue to incur charges") is detached:
 * `available`, with no attachment.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/preserving-volumes-on-termination.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html (State: creating | available | in-use | …)
 */
function volumeState(s: Ec2Store, v: VolumeRec): 'in-use' | 'available' {
  const instance = s.instances.get(v.instanceId);
  return instance && s.instanceState(instance) !== 'terminated' ? 'in-use' : 'available';
}

/**
 * DescribeInstanceStatus takes at most 100 explicitly given instance IDs ("Constraints: Maximum 100 explicitly
 * specified instance IDs"), https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html
 * More fail the whole call with InvalidRequest; the wording (typo included) is AWS's answer as reported in
 * https://github.com/bastillion-io/Bastillion-EC2/issues/8 and https://github.com/sensu-plugins/sensu-plugins-aws/issues/195
 */
export const MAX_STATUS_INSTANCE_IDS = 100;

function requireFewStatusIds(ids: string[]): void {
  if (ids.length <= MAX_STATUS_INSTANCE_IDS) return;
  throw new CloudError(
    'InvalidRequest',
    `${ids.length} exceeds the maximum number of instance IDs that can be specificied (${MAX_STATUS_INSTANCE_IDS}). Please specify fewer than ${MAX_STATUS_INSTANCE_IDS} instance IDs.`,
  );
}

/** The public address: an associated EIP wins over the auto-assigned one; both go with termination. */
export function publicIpOf(s: Ec2Store, i: InstanceRec): string | undefined {
  if (s.instanceState(i) === 'terminated') return undefined;
  const eip = [...s.addresses.values()].find((a) => s.addressAssociation(a)?.eni.id === i.eniId);
  return eip?.publicIp ?? i.publicIp;
}

function privateDns(s: Ec2Store, ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}.${s.region}.compute.internal`;
}

export function instanceWire(s: Ec2Store, i: InstanceRec) {
  const state = s.instanceState(i);
  const gone = state === 'terminated';
  const publicIp = publicIpOf(s, i);
  const groups = i.groupIds.map((id) => ({ groupId: id, groupName: s.groups.get(id)?.name }));
  const association = publicIp ? { publicIp, ipOwnerId: 'amazon', publicDnsName: '' } : undefined;
  const launchTime = new Date(i.launchedAt);
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: stateWire(state),
    privateDnsName: gone ? '' : privateDns(s, i.privateIp),
    dnsName: '',
    reason: i.terminatedAt !== undefined ? `User initiated (${new Date(i.terminatedAt).toISOString()})` : '',
    stateReason:
      i.terminatedAt !== undefined
        ? { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' }
        : undefined,
    keyName: i.keyName,
    iamInstanceProfile: i.iamInstanceProfile,
    amiLaunchIndex: i.launchIndex,
    instanceType: i.instanceType,
    launchTime,
    placement: { availabilityZone: i.az, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: gone ? undefined : i.subnetId,
    vpcId: gone ? undefined : i.vpcId,
    privateIpAddress: gone ? undefined : i.privateIp,
    ipAddress: publicIp,
    sourceDestCheck: true,
    groupSet: gone ? [] : groups,
    architecture: i.architecture,
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDevice,
    blockDeviceMapping: gone
      ? []
      : i.volumeIds
          .map((id) => s.volumes.get(id))
          .filter((v): v is VolumeRec => !!v)
          .map((v) => ({
            deviceName: v.device,
            ebs: { volumeId: v.id, status: 'attached', attachTime: launchTime, deleteOnTermination: v.deleteOnTermination },
          })),
    virtualizationType: 'hvm',
    clientToken: i.clientToken,
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    networkInterfaceSet: gone
      ? []
      : [
          {
            networkInterfaceId: i.eniId,
            subnetId: i.subnetId,
            vpcId: i.vpcId,
            description: '',
            ownerId: s.accountId,
            status: 'in-use',
            macAddress: s.enis.get(i.eniId)?.mac,
            privateIpAddress: i.privateIp,
            privateDnsName: privateDns(s, i.privateIp),
            sourceDestCheck: true,
            groupSet: groups,
            interfaceType: 'interface',
            association,
            attachment: {
              attachmentId: s.enis.get(i.eniId)?.attachmentId,
              deviceIndex: 0,
              status: 'attached',
              attachTime: launchTime,
              deleteOnTermination: true,
              networkCardIndex: 0,
            },
            privateIpAddressesSet: [
              { privateIpAddress: i.privateIp, privateDnsName: privateDns(s, i.privateIp), primary: true, association },
            ],
          },
        ],
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: {
      state: s.now() - (i.metadata.changedAt ?? i.launchedAt) < 2000 ? 'pending' : 'applied',
      httpTokens: i.metadata.httpTokens,
      httpPutResponseHopLimit: i.metadata.hopLimit,
      httpEndpoint: i.metadata.httpEndpoint,
      httpProtocolIpv6: 'disabled',
      instanceMetadataTags: i.metadata.metadataTags,
    },
  };
}

export function reservationWire(s: Ec2Store, r: ReservationRec, only?: Set<string>) {
  return {
    reservationId: r.id,
    ownerId: s.accountId,
    groupSet: [],
    instancesSet: r.instanceIds.filter((id) => !only || only.has(id)).map((id) => instanceWire(s, s.instances.get(id) as InstanceRec)),
  };
}

function visibleInstances(s: Ec2Store, a: Args): InstanceRec[] {
  const all = [...s.instances.values()].filter((i) => s.instanceVisible(i));
  const ids = a.strings('InstanceId');
  if (ids.length === 0) return all.filter((i) => s.listed(i));
  const missingIds = ids.filter((id) => !all.some((i) => i.id === id));
  if (missingIds.length) throw instanceNotFound(missingIds);
  return all.filter((i) => ids.includes(i.id));
}

function statusWire(s: Ec2Store, i: InstanceRec) {
  const check = s.statusCheck(i);
  const details = check === 'not-applicable' ? [] : [{ name: 'reachability', status: check === 'ok' ? 'passed' : 'initializing' }];
  return {
    instanceId: i.id,
    availabilityZone: i.az,
    instanceState: stateWire(s.instanceState(i)),
    instanceStatus: { status: check, details },
    systemStatus: { status: check, details },
    attachedEbsStatus: {
      status: check,
      details: check === 'not-applicable' ? [] : [{ name: 'reachability', status: check === 'ok' ? 'passed' : 'initializing' }],
    },
    eventsSet: [],
  };
}

export function instanceViewActions(s: Ec2Store): Actions {
  const fields: FilterFields<InstanceRec> = {
    'instance-id': (i) => i.id,
    'instance-state-name': (i) => s.instanceState(i),
    'instance-state-code': (i) => STATE_CODES[s.instanceState(i)],
    'instance-type': (i) => i.instanceType,
    'vpc-id': (i) => i.vpcId,
    'subnet-id': (i) => i.subnetId,
    'availability-zone': (i) => i.az,
    'private-ip-address': (i) => i.privateIp,
    'ip-address': (i) => publicIpOf(s, i),
    'image-id': (i) => i.imageId,
    'key-name': (i) => i.keyName,
    'reservation-id': (i) => i.reservationId,
    'client-token': (i) => i.clientToken,
    architecture: (i) => i.architecture,
    'instance.group-id': (i) => i.groupIds,
    'group-id': (i) => i.groupIds,
    'instance.group-name': (i) => i.groupIds.map((g) => s.groups.get(g)?.name),
    'network-interface.network-interface-id': (i) => i.eniId,
    'metadata-options.http-tokens': (i) => i.metadata.httpTokens,
    'iam-instance-profile.arn': (i) => i.iamInstanceProfile?.arn,
  };
  const statusFields: FilterFields<InstanceRec> = {
    'availability-zone': (i) => i.az,
    'instance-state-name': (i) => s.instanceState(i),
    'instance-state-code': (i) => STATE_CODES[s.instanceState(i)],
    'instance-status.status': (i) => s.statusCheck(i),
    'system-status.status': (i) => s.statusCheck(i),
    'instance-status.reachability': (i) => statusWire(s, i).instanceStatus.details[0]?.status,
    'system-status.reachability': (i) => statusWire(s, i).systemStatus.details[0]?.status,
  };
  const volumeFields: FilterFields<VolumeRec> = {
    'volume-id': (v) => v.id,
    'attachment.instance-id': (v) => (volumeState(s, v) === 'in-use' ? v.instanceId : undefined),
    'availability-zone': (v) => v.az,
    encrypted: (v) => v.encrypted,
    'volume-type': (v) => v.volumeType,
    status: (v) => volumeState(s, v),
  };
  return {
    DescribeInstances(a: Args) {
      const { page, nextToken } = paginate(applyFilters(visibleInstances(s, a), a, fields), a);
      const chosen = new Set(page.map((i) => i.id));
      const reservationIds = [...new Set(page.map((i) => i.reservationId))];
      return {
        reservationSet: reservationIds.map((id) => reservationWire(s, s.reservations.get(id) as ReservationRec, chosen)),
        nextToken,
      };
    },

    DescribeInstanceStatus(a: Args) {
      requireFewStatusIds(a.strings('InstanceId'));
      const includeAll = a.bool('IncludeAllInstances') ?? false;
      const candidates = visibleInstances(s, a).filter((i) => includeAll || s.instanceState(i) === 'running');
      const { page, nextToken } = paginate(applyFilters(candidates, a, statusFields), a);
      return { instanceStatusSet: page.map((i) => statusWire(s, i)), nextToken };
    },

    DescribeVolumes(a: Args) {
      const live = [...s.volumes.values()].filter((v) => s.volumeAlive(v));
      const ids = a.strings('VolumeId');
      const missingIds = ids.filter((id) => !live.some((v) => v.id === id));
      if (missingIds.length) throw new CloudError('InvalidVolume.NotFound', `The volume '${missingIds[0]}' does not exist.`);
      const selected = ids.length ? live.filter((v) => ids.includes(v.id)) : live;
      const { page, nextToken } = paginate(applyFilters(selected, a, volumeFields), a);
      return {
        volumeSet: page.map((v) => ({
          volumeId: v.id,
          size: v.size,
          availabilityZone: v.az,
          status: volumeState(s, v),
          createTime: new Date(v.createdAt),
          volumeType: v.volumeType,
          encrypted: v.encrypted,
          kmsKeyId: v.kmsKeyId,
          iops: v.iops ?? (v.volumeType === 'gp3' ? 3000 : undefined),
          throughput: v.throughput ?? (v.volumeType === 'gp3' ? 125 : undefined),
          attachmentSet:
            volumeState(s, v) === 'in-use'
              ? [
                  {
                    volumeId: v.id,
                    instanceId: v.instanceId,
                    device: v.device,
                    status: 'attached',
                    attachTime: new Date(v.createdAt),
                    deleteOnTermination: v.deleteOnTermination,
                  },
                ]
              : [],
          tagSet: tagSet(v.tags),
        })),
        nextToken,
      };
    },
  };
}
