import {
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeTags,
  paginateDescribeTransitGateways,
  paginateDescribeTransitGatewayVpcAttachments,
  paginateDescribeVolumes,
  paginateDescribeVpcEndpoints,
  type EC2Client,
  type Filter,
  type NatGateway,
  type TransitGatewayVpcAttachment,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { chunks } from '../core/pool';
import type { Tags } from '../core/tags';
import { describeAll } from '../resources/owned';

/**
 * EC2 resources found from their tags alone (docs/design.md "12.4 Orphans and the sweep"): DescribeTags, then,
 * for the kinds AWS keeps listing after they ended, their state and creation time. Shared by the orphan
 * listing (functions/ops/inventory.ts) and the tests' check that nothing is left (local/leftovers.ts).
 */

/** One tagged EC2 resource: its DescribeTags resource type (`vpc`, `instance`, `natgateway`…), id and the tags asked for. */
export interface Ec2Tagged {
  type: string;
  id: string;
  tags: Tags;
}

/** What AWS says of a resource with a lifecycle of its own. */
export interface Lifecycle {
  /** Terminated, deleted, failed or rejected, or no longer listed at all: not a resource any more. */
  ended: boolean;
  /** Its state as AWS spells it (`running`, `available`, `in-use`, `pendingAcceptance`…), when it is listed. */
  state?: string;
  /** When AWS says it was created (LaunchTime, CreateTime, CreationTimestamp, CreationTime). */
  createdAt?: Date;
}

/** A resource as its Describe by id filter lists it: its id, state (AWS's spelling), creation time, and the rest. */
export interface Listed<T> {
  id: string;
  state?: string;
  createdAt?: Date;
  resource: T;
}

/**
 * Filter values are sent in slices of this many: EC2 refuses more values in one request (FilterLimitExceeded;
 * not in the API reference, observed in apache/druid#1954 and noted in functions/ops/drift-instances.ts).
 */
const FILTER_VALUES = 200;

/** Every DescribeTags row the filters select (every page), grouped by resource. */
export async function describeTagged(ec2: EC2Client, Filters: Filter[]): Promise<Ec2Tagged[]> {
  const rows = await describeAll(
    'DescribeTags',
    () => paginateDescribeTags({ client: ec2 }, { Filters }),
    (page) => page.Tags,
  );
  const byId = new Map<string, Ec2Tagged>();
  for (const row of rows) {
    if (!row.ResourceId) continue;
    const found = byId.get(row.ResourceId) ?? { type: row.ResourceType ?? 'resource', id: row.ResourceId, tags: {} };
    if (row.Key) found.tags[row.Key] = row.Value ?? '';
    byId.set(row.ResourceId, found);
  }
  return [...byId.values()];
}

/**
 * Every tag of `keys` on the given resources (DescribeTags by `resource-id` and `key`), merged into their tags.
 * DescribeTags answers one row per tag, so a filter on one tag cannot also bring a resource's other tags.
 */
export async function withTags(ec2: EC2Client, resources: Ec2Tagged[], keys: readonly string[]): Promise<Ec2Tagged[]> {
  const byId = new Map(resources.map((r) => [r.id, { ...r, tags: { ...r.tags } }]));
  // The keys count against the request's filter values too.
  for (const ids of chunks([...byId.keys()], FILTER_VALUES - keys.length)) {
    const found = await describeTagged(ec2, [
      { Name: 'resource-id', Values: ids },
      { Name: 'key', Values: [...keys] },
    ]);
    for (const row of found) Object.assign(byId.get(row.id)?.tags ?? {}, row.tags);
  }
  return [...byId.values()];
}

/**
 * A state in AWS's spelling: `available`, `pendingAcceptance`, `deleted`. That is what EC2 sends; the SDK's enum
 * types spell VPC endpoint states with a capital (`Available`, `PendingAcceptance`), so either reads the same.
 */
export function awsState(state: string | undefined): string | undefined {
  return state && state.charAt(0).toLowerCase() + state.slice(1);
}

/**
 * Describes `ids` by the kind's id filter, never by id (naming an id AWS no longer lists fails the whole request),
 * FILTER_VALUES ids a request; no ids is no request (EC2 refuses a filter without values).
 */
async function byIdFilter<T>(
  ids: readonly string[],
  describe: (values: string[]) => Promise<T[]>,
  listed: (item: T) => { id?: string; state?: string; createdAt?: Date },
): Promise<Array<Listed<T>>> {
  const all: Array<Listed<T>> = [];
  for (const values of chunks(ids, FILTER_VALUES)) {
    for (const resource of await describe(values)) {
      const { id, state, createdAt } = listed(resource);
      if (id) all.push({ id, state: awsState(state), createdAt, resource });
    }
  }
  return all;
}

export function describeNatGateways(ec2: EC2Client, ids: readonly string[]): Promise<Array<Listed<NatGateway>>> {
  return byIdFilter(
    ids,
    (Values) =>
      describeAll(
        'DescribeNatGateways',
        () => paginateDescribeNatGateways({ client: ec2 }, { Filter: [{ Name: 'nat-gateway-id', Values }] }),
        (page) => page.NatGateways,
      ),
    (nat) => ({ id: nat.NatGatewayId, state: nat.State, createdAt: nat.CreateTime }),
  );
}

export function describeVpcEndpoints(ec2: EC2Client, ids: readonly string[]): Promise<Array<Listed<VpcEndpoint>>> {
  return byIdFilter(
    ids,
    (Values) =>
      describeAll(
        'DescribeVpcEndpoints',
        () => paginateDescribeVpcEndpoints({ client: ec2 }, { Filters: [{ Name: 'vpc-endpoint-id', Values }] }),
        (page) => page.VpcEndpoints,
      ),
    (endpoint) => ({ id: endpoint.VpcEndpointId, state: endpoint.State, createdAt: endpoint.CreationTimestamp }),
  );
}

export function describeVpcAttachments(ec2: EC2Client, ids: readonly string[]): Promise<Array<Listed<TransitGatewayVpcAttachment>>> {
  return byIdFilter(
    ids,
    (Values) =>
      describeAll(
        'DescribeTransitGatewayVpcAttachments',
        () =>
          paginateDescribeTransitGatewayVpcAttachments({ client: ec2 }, { Filters: [{ Name: 'transit-gateway-attachment-id', Values }] }),
        (page) => page.TransitGatewayVpcAttachments,
      ),
    (attachment) => ({ id: attachment.TransitGatewayAttachmentId, state: attachment.State, createdAt: attachment.CreationTime }),
  );
}

/** Of the given ids, what AWS lists of them now. */
type Describe = (ec2: EC2Client, ids: readonly string[]) => Promise<Array<Listed<unknown>>>;

/**
 * The kinds with a lifecycle, and the states in which AWS keeps listing (and DescribeTags keeps showing) one for a
 * while after it ended: terminated instances "remain visible after termination (for approximately one hour)"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html), deleted or failed NAT
 * gateways (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-deleting), deleted
 * VPC endpoints, deleted or rejected attachments
 * (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle), deleted volumes
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html). A network interface has no ended
 * state: once deleted it is not listed (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html).
 */
const LIFECYCLES: Record<string, { describe: Describe; endedStates: readonly string[] }> = {
  instance: {
    describe: (ec2, ids) =>
      byIdFilter(
        ids,
        async (Values) =>
          (
            await describeAll(
              'DescribeInstances',
              () => paginateDescribeInstances({ client: ec2 }, { Filters: [{ Name: 'instance-id', Values }] }),
              (page) => page.Reservations,
            )
          ).flatMap((r) => r.Instances ?? []),
        (i) => ({ id: i.InstanceId, state: i.State?.Name, createdAt: i.LaunchTime }),
      ),
    endedStates: ['terminated'],
  },
  natgateway: { describe: describeNatGateways, endedStates: ['deleted', 'failed'] },
  'vpc-endpoint': { describe: describeVpcEndpoints, endedStates: ['deleted'] },
  'transit-gateway-attachment': { describe: describeVpcAttachments, endedStates: ['deleted', 'rejected', 'failed'] },
  'transit-gateway': {
    describe: (ec2, ids) =>
      byIdFilter(
        ids,
        (Values) =>
          describeAll(
            'DescribeTransitGateways',
            () => paginateDescribeTransitGateways({ client: ec2 }, { Filters: [{ Name: 'transit-gateway-id', Values }] }),
            (page) => page.TransitGateways,
          ),
        (g) => ({ id: g.TransitGatewayId, state: g.State, createdAt: g.CreationTime }),
      ),
    endedStates: ['deleted'],
  },
  volume: {
    describe: (ec2, ids) =>
      byIdFilter(
        ids,
        (Values) =>
          describeAll(
            'DescribeVolumes',
            () => paginateDescribeVolumes({ client: ec2 }, { Filters: [{ Name: 'volume-id', Values }] }),
            (page) => page.Volumes,
          ),
        (v) => ({ id: v.VolumeId, state: v.State, createdAt: v.CreateTime }),
      ),
    endedStates: ['deleted'],
  },
  'network-interface': {
    describe: (ec2, ids) =>
      byIdFilter(
        ids,
        (Values) =>
          describeAll(
            'DescribeNetworkInterfaces',
            () => paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: [{ Name: 'network-interface-id', Values }] }),
            (page) => page.NetworkInterfaces,
          ),
        (eni) => ({ id: eni.NetworkInterfaceId, state: eni.Status }),
      ),
    endedStates: [],
  },
};

/** The lifecycle of every resource of a kind that has one; kinds without (VPCs, subnets, groups…) are not in the map. */
export async function lifecyclesOf(ec2: EC2Client, resources: readonly Ec2Tagged[]): Promise<Map<string, Lifecycle>> {
  const all = new Map<string, Lifecycle>();
  for (const [type, { describe, endedStates }] of Object.entries(LIFECYCLES)) {
    const ids = resources.filter((r) => r.type === type).map((r) => r.id);
    const listed = new Map((await describe(ec2, ids)).map((item) => [item.id, item]));
    for (const id of ids) {
      const found = listed.get(id);
      // One no longer listed at all has ended too.
      all.set(
        id,
        found ? { ended: endedStates.includes(found.state ?? ''), state: found.state, createdAt: found.createdAt } : { ended: true },
      );
    }
  }
  return all;
}

/** The resources that are still resources, with their state and creation time: what AWS lists as ended is left out. */
export async function liveOnly(ec2: EC2Client, resources: Ec2Tagged[]): Promise<Array<Ec2Tagged & { state?: string; createdAt?: Date }>> {
  const known = await lifecyclesOf(ec2, resources);
  return resources
    .filter((r) => !known.get(r.id)?.ended)
    .map((r) => ({ ...r, state: known.get(r.id)?.state, createdAt: known.get(r.id)?.createdAt }));
}
