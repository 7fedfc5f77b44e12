import { paginateDescribeInstances, type Instance } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan } from '../core/plan';
import { METADATA_HOP_LIMIT, SECURITY_GROUP_OF, type InstanceRole } from '../resources/instances';
import { describeAll } from '../resources/owned';
import type { Drift } from './contracts';
import { drift, gone, label, unlessEqual } from './drift-format';

/**
 * The build's instances (nodes and bastion) against how it launched them (docs/design.md "9.2 Instances"): still
 * there and running, IMDSv2 required with the hop limit it set, the metadata endpoint on, no public address on a
 * node (the bastion's is its Elastic IP), the instance type it recorded and its one security group.
 */

/** The hop limits the launches set (resources/instances.ts). */
const HOP_LIMIT: Record<InstanceRole, number> = {
  'control-plane': METADATA_HOP_LIMIT.node,
  worker: METADATA_HOP_LIMIT.node,
  bastion: METADATA_HOP_LIMIT.bastion,
};
/** States in which an instance is leaving for good: nothing else about it is worth reporting. */
const LEAVING = new Set(['shutting-down', 'terminated']);

interface BuiltInstance {
  name: string;
  role: InstanceRole;
  instanceId: string;
  /** The type the build recorded for a node (maybe a fallback type); the bastion's is the spec's (it has no fallback). */
  instanceType: string;
  publicIp: string | null;
}

function builtInstances(plan: Plan, outputs: BuildOutputs): BuiltInstance[] {
  const nodes = outputs.nodes.map((node) => ({ ...node, publicIp: null }));
  const bastion = outputs.bastion && {
    name: plan.bastion.name,
    role: 'bastion' as const,
    instanceId: outputs.bastion.instanceId,
    instanceType: plan.bastion.instanceType,
    publicIp: outputs.bastion.publicIp,
  };
  return [...nodes, ...(bastion ? [bastion] : [])];
}

/**
 * The instances by id, whatever their state, in one call. By filter rather than by id: an id EC2 no longer lists
 * (terminated over an hour ago) would fail a by-id request as a whole (InvalidInstanceID.NotFound); a filter just
 * leaves it out. A build has at most 7 + 100 nodes and a bastion, within the 200 filter values EC2 takes in one call
 * (FilterLimitExceeded above that).
 */
async function describeInstances(clients: AwsClients, instanceIds: string[]): Promise<Map<string, Instance>> {
  const instances = await describeAll(
    'DescribeInstances',
    () => paginateDescribeInstances({ client: clients.ec2 }, { Filters: [{ Name: 'instance-id', Values: instanceIds }] }),
    (page) => (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []),
  );
  return new Map(instances.map((instance) => [instance.InstanceId ?? '', instance]));
}

export async function instanceDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const built = builtInstances(plan, outputs);
  if (built.length === 0) return [];
  const found = await describeInstances(
    clients,
    built.map((instance) => instance.instanceId),
  );
  return built.flatMap((expected) => {
    const resource = label('instance', expected.name, expected.instanceId);
    const instance = found.get(expected.instanceId);
    if (!instance) return [gone(resource)];
    const state = instance.State?.Name ?? null;
    const stateDrift = state === 'running' ? [] : [drift(resource, 'state', 'running', state)];
    if (LEAVING.has(state ?? '')) return stateDrift;
    const metadata = instance.MetadataOptions;
    const groupId = outputs.securityGroupIds[SECURITY_GROUP_OF[expected.role]];
    return [
      ...stateDrift,
      ...unlessEqual(resource, 'instanceType', expected.instanceType, instance.InstanceType ?? null),
      ...unlessEqual(resource, 'metadataOptions.httpTokens', 'required', metadata?.HttpTokens ?? null),
      ...unlessEqual(
        resource,
        'metadataOptions.httpPutResponseHopLimit',
        HOP_LIMIT[expected.role],
        metadata?.HttpPutResponseHopLimit ?? null,
      ),
      ...unlessEqual(resource, 'metadataOptions.httpEndpoint', 'enabled', metadata?.HttpEndpoint ?? null),
      ...unlessEqual(resource, 'publicIpAddress', expected.publicIp, instance.PublicIpAddress ?? null),
      ...unlessEqual(resource, 'securityGroups', [groupId], (instance.SecurityGroups ?? []).map((group) => group.GroupId).sort()),
    ];
  });
}
