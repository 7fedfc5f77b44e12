import { createHash } from 'node:crypto';
import {
  paginateDescribeInstances,
  paginateDescribeVolumes,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { NetworkIds, NodeRecord } from '../core/contracts';
import { aws, awsErrorCode, AwsUnavailable, InsufficientCapacity, InvalidSpec, isNotFound, translateAwsError } from '../core/errors';
import { recallCreated, rememberCreated } from '../core/ledger';
import type { NodePlan, NodeRole, Plan, SecurityGroupKey } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications, TAG, type Tags } from '../core/tags';
import { ROOT_DEVICE_NAME } from './images';

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
/** AWS answers these per instance type; the next type in the spec's list may still fit. */
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
 * RunInstances' idempotency token: the same node, zone and instance-type generation always gives the same
 * token, so a retried launch returns the instance AWS already started instead of a second one (EC2 keeps
 * tokens for the build's lifetime). A new generation (the next instance type) is a new request, so it gets
 * a new token. Hashed because build ids can be 80 characters and AWS allows 64 ASCII characters.
 */
export function clientTokenFor(buildId: string, role: InstanceRole, index: number, az: string, generation: number): string {
  const digest = createHash('sha256').update([buildId, role, index, az, generation].join('|')).digest('hex');
  return `${role}-${index}-g${generation}-${digest.slice(0, 40)}`;
}

/** Everything needed to launch one hardened instance (IMDSv2, encrypted gp3 root, no public IP). */
export interface LaunchRequest {
  buildId: string;
  role: InstanceRole;
  index: number;
  name: string;
  az: string;
  subnetId: string;
  securityGroupId: string;
  keyName: string;
  imageId: string;
  /** In order of preference; the next one is tried when AWS has no capacity for (or does not offer) one. */
  instanceTypes: string[];
  /** 2 on nodes so that pods (one network hop further) still reach IMDS; 1 on the bastion, which runs none. */
  hopLimit: number;
  tags: Tags;
}

export function launchParams(request: LaunchRequest, generation: number): RunInstancesCommandInput {
  const { buildId, role, index, az, tags } = request;
  return {
    ImageId: request.imageId,
    InstanceType: request.instanceTypes[generation] as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    KeyName: request.keyName,
    ClientToken: clientTokenFor(buildId, role, index, az, generation),
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: request.hopLimit },
    BlockDeviceMappings: [
      { DeviceName: ROOT_DEVICE_NAME, Ebs: { VolumeType: 'gp3', VolumeSize: ROOT_VOLUME_GIB[role], Encrypted: true, DeleteOnTermination: true } },
    ],
    // An explicit interface says "no public IP" even in a subnet that maps one on launch (the public one).
    NetworkInterfaces: [
      { DeviceIndex: 0, SubnetId: request.subnetId, Groups: [request.securityGroupId], AssociatePublicIpAddress: false, DeleteOnTermination: true },
    ],
    TagSpecifications: [
      ...tagSpecifications('instance', tags),
      ...tagSpecifications('volume', tags),
      ...tagSpecifications('network-interface', tags),
    ],
  };
}

/**
 * Launches one instance, falling back through its instance types. The generation that worked is kept in
 * the ledger so that a repeated launch in this container starts from it and reuses its token: retrying
 * generation 0 after capacity came back would otherwise start a second instance.
 */
export async function launchWithFallback(clients: AwsClients, request: LaunchRequest): Promise<Instance> {
  const ledgerKey = `launch-generation/${request.role}/${request.name}`;
  const first = Math.min(Number(recallCreated(request.buildId, ledgerKey) ?? 0), request.instanceTypes.length - 1);
  const tried: string[] = [];
  let lastError: unknown;
  for (let generation = first; generation < request.instanceTypes.length; generation++) {
    try {
      const out = await aws('RunInstances', () => clients.ec2.send(new RunInstancesCommand(launchParams(request, generation))));
      const instance = out.Instances?.[0];
      if (!instance?.InstanceId) throw new AwsUnavailable(`RunInstances returned no instance for ${request.name}`);
      rememberCreated(request.buildId, ledgerKey, String(generation));
      return instance;
    } catch (error) {
      if (!TRY_NEXT_TYPE.has(awsErrorCode((error as { cause?: unknown }).cause) ?? '')) throw error;
      tried.push(request.instanceTypes[generation]);
      lastError = error;
    }
  }
  throw new InsufficientCapacity(
    `${request.name}: no capacity in ${request.az} for instance types ${tried.join(', ')}; add another type to the spec's list or try another zone`,
    { cause: lastError, details: { node: request.name, az: request.az, instanceTypes: tried } },
  );
}

/** Ensures every node of the plan exists: found by tags, else launched (all missing ones at once). */
export async function ensureNodes(clients: AwsClients, plan: Plan, input: { imageId: string; network: NetworkIds }): Promise<NodeRecord[]> {
  const existing = await describeOwned(clients, plan.buildId, NODE_ROLES, LIVE_STATES);
  const found = new Map(existing.map((instance) => [`${instance.role}/${instance.name}`, instance]));
  // Concurrent launches: the SDK's own retries absorb RunInstances throttling, and tokens make them safe.
  return Promise.all(
    plan.nodes.map(async (node): Promise<NodeRecord> => {
      const match = found.get(`${node.role}/${node.name}`);
      if (match) return { name: node.name, role: node.role, az: node.az, instanceId: match.instanceId, instanceType: match.instanceType, privateIp: match.privateIp };
      const instance = await launchWithFallback(clients, nodeLaunch(plan, node, input));
      return {
        name: node.name,
        role: node.role,
        az: node.az,
        instanceId: instance.InstanceId as string,
        instanceType: instance.InstanceType ?? '',
        privateIp: instance.PrivateIpAddress,
      };
    }),
  );
}

function nodeLaunch(plan: Plan, node: NodePlan, input: { imageId: string; network: NetworkIds }): LaunchRequest {
  const subnetId = input.network.privateSubnetIds[node.az];
  const securityGroupId = input.network.securityGroupIds[SECURITY_GROUP_OF[node.role]];
  if (!subnetId || !securityGroupId) {
    throw new InvalidSpec(`${node.name}: the network step returned no private subnet for ${node.az} or no ${SECURITY_GROUP_OF[node.role]} security group`);
  }
  return {
    buildId: plan.buildId,
    role: node.role,
    index: node.index,
    name: node.name,
    az: node.az,
    subnetId,
    securityGroupId,
    keyName: plan.spec.keyName,
    imageId: input.imageId,
    instanceTypes: node.instanceTypes,
    hopLimit: 2,
    tags: node.tags,
  };
}

/** The build's live control-plane and worker instances, with their volumes (for readiness and verify). */
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
  const instances = await aws('DescribeInstances', async () => {
    const all: Instance[] = [];
    for await (const page of paginateDescribeInstances({ client: clients.ec2 }, { Filters: filters })) {
      for (const reservation of page.Reservations ?? []) all.push(...(reservation.Instances ?? []));
    }
    return all;
  });
  return instances
    .map(toRecord)
    .filter((record) => isOwnedBy(record.tags, buildId) && roles.includes(record.role) && states.includes(record.state));
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
    volumes: (instance.BlockDeviceMappings ?? []).map((mapping) => ({ volumeId: mapping.Ebs?.VolumeId ?? '', deviceName: mapping.DeviceName })),
    tags,
  };
}

/** Adds encryption, type and size to each instance's volumes (DescribeInstances does not carry them). */
export async function withVolumes(clients: AwsClients, records: InstanceRecord[]): Promise<InstanceRecord[]> {
  if (records.length === 0) return records;
  const filters: Filter[] = [{ Name: 'attachment.instance-id', Values: records.map((record) => record.instanceId) }];
  const volumes = await aws('DescribeVolumes', async () => {
    const all = [];
    for await (const page of paginateDescribeVolumes({ client: clients.ec2 }, { Filters: filters })) all.push(...(page.Volumes ?? []));
    return all;
  });
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

/**
 * Terminates our live instances of the given roles (default: nodes and bastion). `terminating` is what was
 * asked to terminate now; `remaining` is every instance not yet `terminated` (the caller waits for none).
 */
export async function terminateInstances(
  clients: AwsClients,
  buildId: string,
  roles: readonly InstanceRole[] = INSTANCE_ROLES,
): Promise<{ terminating: string[]; remaining: string[] }> {
  const present = await describeOwned(clients, buildId, roles, [...LIVE_STATES, 'shutting-down']);
  const terminating = present.filter((record) => record.state !== 'shutting-down').map((record) => record.instanceId);
  if (terminating.length > 0) {
    // One unknown id fails the whole batch; then go one by one so the others still get terminated.
    if (!(await terminate(clients, terminating)) && terminating.length > 1) for (const id of terminating) await terminate(clients, [id]);
  }
  return { terminating, remaining: present.map((record) => record.instanceId) };
}

/** Nodes only: the control planes and workers. */
export function terminateNodes(clients: AwsClients, buildId: string): Promise<{ terminating: string[]; remaining: string[] }> {
  return terminateInstances(clients, buildId, NODE_ROLES);
}

/** False when AWS says an instance is not found: it is already gone, which is what we wanted. */
async function terminate(clients: AwsClients, instanceIds: string[]): Promise<boolean> {
  try {
    await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw translateAwsError(error, 'TerminateInstances');
  }
}
