import {
  DescribeInstancesCommand,
  paginateDescribeInstances,
  paginateDescribeVolumes,
  RunInstancesCommand,
  type Filter,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { clientToken } from '../core/client-token';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, AwsUnavailable, InsufficientCapacity, NotYetVisible } from '../core/errors';
import type { NodeRole, SecurityGroupKey } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications, TAG, type Tags } from '../core/tags';
import { ROOT_DEVICE_NAME } from './images';
import { describeAll } from './owned';

export type InstanceRole = NodeRole | 'bastion';
export const NODE_ROLES: readonly NodeRole[] = ['control-plane', 'worker'];
export const INSTANCE_ROLES: readonly InstanceRole[] = [...NODE_ROLES, 'bastion'];
/** States of an instance that still exists for us. `shutting-down` and `terminated` are on their way out. */
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

/** Root volume sizes: etcd and images live on the control planes' root disk, container images on workers'. */
export const ROOT_VOLUME_GIB: Record<InstanceRole, number> = { 'control-plane': 50, worker: 100, bastion: 20 };
export const SECURITY_GROUP_OF: Record<InstanceRole, SecurityGroupKey> = {
  'control-plane': 'controlPlane',
  worker: 'workers',
  bastion: 'bastion',
};
/** Capacity answers, per instance type (see isCapacityError). */
const TRY_NEXT_TYPE = new Set(['InsufficientInstanceCapacity', 'Unsupported']);

/** What readiness and verification see of one of our instances. */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  role: InstanceRole;
  az: string;
  instanceType: string;
  state: string;
  privateIp?: string;
  publicIp?: string;
  subnetId?: string;
  securityGroupIds: string[];
  metadata: { httpTokens?: string; httpEndpoint?: string; hopLimit?: number };
  volumes: Array<{ volumeId: string; deviceName?: string; encrypted?: boolean; volumeType?: string; sizeGiB?: number }>;
  tags: Tags;
}

/**
 * RunInstances' idempotency token: the same instances (role and plan indices), zone and instance-type
 * generation always give the same token, so a retried launch returns the instances AWS already started
 * instead of more (EC2 keeps tokens for the build's lifetime). A new generation (the next instance type) is a
 * new request, so it gets a new token. For one instance the hash input is what it always was (`…|<index>|…`),
 * so tokens stay stable across the change to group launches.
 */
export function clientTokenFor(buildId: string, role: InstanceRole, indices: readonly number[], az: string, generation: number): string {
  return clientToken(`${role}-${indices[0]}-g${generation}`, buildId, role, indices.join(','), az, generation);
}

/**
 * IMDSv2's response hop limit (docs/design.md "9.2 Instances"): 2 on nodes so that pods (one network hop further)
 * still reach IMDS; 1 on the bastion, which runs none. Launches set it, drift checks it (functions/ops/drift-instances.ts).
 */
export const METADATA_HOP_LIMIT = { node: 2, bastion: 1 } as const;

/**
 * One RunInstances of hardened instances (IMDSv2, encrypted gp3 root, no public IP): `indices.length` of
 * them (MinCount = MaxCount, all or none), of one role, in one subnet, under one set of tags.
 */
export interface LaunchRequest {
  buildId: string;
  role: InstanceRole;
  /** The plan indices of the instances, in launch order: instance i of the answer (AmiLaunchIndex i) is indices[i]. */
  indices: number[];
  /** What the launch is called in messages (a node's name, or its group's). */
  name: string;
  az: string;
  subnetId: string;
  securityGroupId: string;
  keyName: string;
  imageId: string;
  /** In order of preference; the next one is tried when AWS has no capacity for (or does not offer) one. */
  instanceTypes: string[];
  /** METADATA_HOP_LIMIT of its kind. */
  hopLimit: number;
  /** The nodes' instance profile when Session Manager replaces the bastion (resources/instance-profile.ts). */
  instanceProfileArn?: string;
  tags: Tags;
}

export function launchParams(request: LaunchRequest, generation: number): RunInstancesCommandInput {
  const { buildId, role, indices, az, tags } = request;
  return {
    ImageId: request.imageId,
    InstanceType: request.instanceTypes[generation] as RunInstancesCommandInput['InstanceType'],
    MinCount: indices.length,
    MaxCount: indices.length,
    KeyName: request.keyName,
    ...(request.instanceProfileArn && { IamInstanceProfile: { Arn: request.instanceProfileArn } }),
    ClientToken: clientTokenFor(buildId, role, indices, az, generation),
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: request.hopLimit },
    BlockDeviceMappings: [
      {
        DeviceName: ROOT_DEVICE_NAME,
        Ebs: { VolumeType: 'gp3', VolumeSize: ROOT_VOLUME_GIB[role], Encrypted: true, DeleteOnTermination: true },
      },
    ],
    // An explicit interface says "no public IP" even in a subnet that maps one on launch (the public one).
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        SubnetId: request.subnetId,
        Groups: [request.securityGroupId],
        AssociatePublicIpAddress: false,
        DeleteOnTermination: true,
      },
    ],
    TagSpecifications: [
      ...tagSpecifications('instance', tags),
      ...tagSpecifications('volume', tags),
      ...tagSpecifications('network-interface', tags),
    ],
  };
}

/**
 * Launches the request's instances with its `generation`-th instance type and returns them in launch order
 * (by AmiLaunchIndex, so that instance i is `indices[i]`). A capacity error is thrown as AWS gave it
 * (classified InsufficientCapacity; `isCapacityError` tells the caller to try the next type).
 */
export async function runInstances(clients: AwsClients, request: LaunchRequest, generation: number): Promise<Instance[]> {
  const out = await aws('RunInstances', async () => {
    try {
      return await clients.ec2.send(new RunInstancesCommand(launchParams(request, generation)));
    } catch (error) {
      throw profileNotYetVisible(request, error) ?? error;
    }
  });
  const instances = [...(out.Instances ?? [])].sort((a, b) => (a.AmiLaunchIndex ?? 0) - (b.AmiLaunchIndex ?? 0));
  if (instances.length !== request.indices.length || instances.some((instance) => !instance.InstanceId)) {
    throw new AwsUnavailable(
      `RunInstances returned ${instances.length} instance(s) for ${request.name}, ${request.indices.length} asked for`,
    );
  }
  return instances;
}

/**
 * A profile made moments ago is not yet known to EC2 (IAM is eventually consistent: "Invalid IAM Instance
 * Profile name", InvalidParameterValue); the profile exists (we just made it), so this is "not visible yet",
 * retried, not a bad spec. https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
 */
function profileNotYetVisible(request: LaunchRequest, error: unknown): NotYetVisible | undefined {
  if (!request.instanceProfileArn || codeOf(error) !== 'InvalidParameterValue') return undefined;
  if (!/iam ?instance ?profile/i.test((error as Error).message)) return undefined;
  return new NotYetVisible(`instance profile ${request.instanceProfileArn} is not visible to EC2 yet`, { cause: error });
}

/** AWS answers these per instance type: the next type in the spec's list may still fit. */
export function isCapacityError(error: unknown): boolean {
  return TRY_NEXT_TYPE.has(codeOf(error) ?? '');
}

/** Every instance type of the request was tried and none had capacity: terminal. */
export function capacityExhausted(request: LaunchRequest, tried: readonly string[], cause?: unknown): InsufficientCapacity {
  return new InsufficientCapacity(
    `${request.name}: no capacity in ${request.az} for instance types ${tried.join(', ')}; add another type to the spec's list or try another zone`,
    { cause, details: { node: request.name, az: request.az, instanceTypes: [...tried] } },
  );
}

/** The build's live control-plane and worker instances, with their volumes, found by tag (for VerifyBaseline; readiness reads the ids in the state). */
export async function describeNodes(clients: AwsClients, buildId: string): Promise<InstanceRecord[]> {
  return withVolumes(clients, await describeOwned(clients, buildId, NODE_ROLES, LIVE_STATES));
}

/**
 * Our instances of the given roles in the given states. The tag filters do the finding; `isOwnedBy`
 * double-checks, because a teardown must never touch an instance that is not ours.
 */
export async function describeOwned(
  clients: AwsClients,
  buildId: string,
  roles: readonly InstanceRole[],
  states: readonly string[],
): Promise<InstanceRecord[]> {
  const filters: Filter[] = [
    ...ownedFilters(buildId),
    { Name: `tag:${TAG.role}`, Values: [...roles] },
    { Name: 'instance-state-name', Values: [...states] },
  ];
  const instances = await describeAll(
    'DescribeInstances',
    () => paginateDescribeInstances({ client: clients.ec2 }, { Filters: filters }),
    (page) => (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []),
  );
  return instances
    .map(toRecord)
    .filter((record) => isOwnedBy(record.tags, buildId) && roles.includes(record.role) && states.includes(record.state));
}

/**
 * Instances by id, whatever their tags (the caller checks them): for ids the state carries, which a Describe
 * by tag may not show yet. Right after RunInstances AWS may answer InvalidInstanceID.NotFound even by id
 * ("This doesn't mean the instance does not exist", https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html):
 * classified NotYetVisible, so the step is retried with backoff, a bounded number of times.
 */
export async function describeInstancesById(clients: AwsClients, instanceIds: readonly string[]): Promise<InstanceRecord[]> {
  if (instanceIds.length === 0) return [];
  const out = await aws('DescribeInstances', () => clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [...instanceIds] })));
  return (out.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map(toRecord);
}

function toRecord(instance: Instance): InstanceRecord {
  const tags = fromTagList(instance.Tags);
  return {
    instanceId: instance.InstanceId ?? '',
    name: tags[TAG.name] ?? '',
    role: tags[TAG.role] as InstanceRole,
    az: instance.Placement?.AvailabilityZone ?? '',
    instanceType: instance.InstanceType ?? '',
    state: instance.State?.Name ?? 'unknown',
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    subnetId: instance.SubnetId,
    securityGroupIds: (instance.SecurityGroups ?? []).map((group) => group.GroupId ?? ''),
    metadata: {
      httpTokens: instance.MetadataOptions?.HttpTokens,
      httpEndpoint: instance.MetadataOptions?.HttpEndpoint,
      hopLimit: instance.MetadataOptions?.HttpPutResponseHopLimit,
    },
    volumes: (instance.BlockDeviceMappings ?? []).map((mapping) => ({
      volumeId: mapping.Ebs?.VolumeId ?? '',
      deviceName: mapping.DeviceName,
    })),
    tags,
  };
}

/** Adds encryption, type and size to each instance's volumes (DescribeInstances does not carry them). */
export async function withVolumes(clients: AwsClients, records: InstanceRecord[]): Promise<InstanceRecord[]> {
  if (records.length === 0) return records;
  const filters: Filter[] = [{ Name: 'attachment.instance-id', Values: records.map((record) => record.instanceId) }];
  const volumes = await describeAll(
    'DescribeVolumes',
    () => paginateDescribeVolumes({ client: clients.ec2 }, { Filters: filters }),
    (page) => page.Volumes,
  );
  return records.map((record) => ({
    ...record,
    volumes: volumes
      .filter((volume) => volume.Attachments?.some((attachment) => attachment.InstanceId === record.instanceId))
      .map((volume) => ({
        volumeId: volume.VolumeId ?? '',
        deviceName: volume.Attachments?.find((attachment) => attachment.InstanceId === record.instanceId)?.Device,
        encrypted: volume.Encrypted,
        volumeType: volume.VolumeType,
        sizeGiB: volume.Size,
      })),
  }));
}
