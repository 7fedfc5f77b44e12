import {
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  paginateDescribeTags,
  paginateDescribeTransitGateways,
  paginateDescribeTransitGatewayVpcAttachments,
  paginateDescribeVpcEndpoints,
  type EC2Client,
  type Filter,
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
  /** When AWS says it was created (LaunchTime, CreateTime, CreationTimestamp, CreationTime). */
  createdAt?: Date;
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

/** Of the given ids, each one's lifecycle as AWS lists it now. */
type Describe = (ec2: EC2Client, ids: string[]) => Promise<Map<string, Lifecycle>>;

/** The listed ones with their state and creation time; an id no longer listed at all has ended too. */
function lifecycles(
  ids: string[],
  listed: Array<{ id?: string; state?: string; createdAt?: Date }>,
  endedStates: readonly string[],
): Map<string, Lifecycle> {
  const byId = new Map(listed.filter((x) => x.id).map((x) => [x.id as string, x]));
  return new Map(
    ids.map((id) => {
      const found = byId.get(id);
      return [id, found ? { ended: endedStates.includes(found.state ?? ''), createdAt: found.createdAt } : { ended: true }];
    }),
  );
}

/**
 * The kinds AWS keeps listing (and DescribeTags keeps showing) for a while after they ended: terminated
 * instances "remain visible after termination (for approximately one hour)"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html), deleted or failed NAT
 * gateways (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-deleting), deleted
 * VPC endpoints, deleted or rejected attachments
 * (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle).
 * Asked by filter, never by id: naming an id AWS no longer lists fails the whole request.
 */
const DESCRIBE: Record<string, Describe> = {
  instance: async (ec2, ids) => {
    const reservations = await describeAll(
      'DescribeInstances',
      () => paginateDescribeInstances({ client: ec2 }, { Filters: [{ Name: 'instance-id', Values: ids }] }),
      (page) => page.Reservations,
    );
    const listed = reservations
      .flatMap((r) => r.Instances ?? [])
      .map((i) => ({ id: i.InstanceId, state: i.State?.Name, createdAt: i.LaunchTime }));
    return lifecycles(ids, listed, ['terminated']);
  },
  natgateway: async (ec2, ids) => {
    const gateways = await describeAll(
      'DescribeNatGateways',
      () => paginateDescribeNatGateways({ client: ec2 }, { Filter: [{ Name: 'nat-gateway-id', Values: ids }] }),
      (page) => page.NatGateways,
    );
    const listed = gateways.map((n) => ({ id: n.NatGatewayId, state: n.State, createdAt: n.CreateTime }));
    return lifecycles(ids, listed, ['deleted', 'failed']);
  },
  'vpc-endpoint': async (ec2, ids) => {
    const endpoints = await describeAll(
      'DescribeVpcEndpoints',
      () => paginateDescribeVpcEndpoints({ client: ec2 }, { Filters: [{ Name: 'vpc-endpoint-id', Values: ids }] }),
      (page) => page.VpcEndpoints,
    );
    // AWS sends endpoint states in lower case, whatever the SDK's `State` type says.
    const listed = endpoints.map((e) => ({ id: e.VpcEndpointId, state: e.State?.toLowerCase(), createdAt: e.CreationTimestamp }));
    return lifecycles(ids, listed, ['deleted']);
  },
  'transit-gateway-attachment': async (ec2, ids) => {
    const attachments = await describeAll(
      'DescribeTransitGatewayVpcAttachments',
      () =>
        paginateDescribeTransitGatewayVpcAttachments(
          { client: ec2 },
          { Filters: [{ Name: 'transit-gateway-attachment-id', Values: ids }] },
        ),
      (page) => page.TransitGatewayVpcAttachments,
    );
    const listed = attachments.map((x) => ({ id: x.TransitGatewayAttachmentId, state: x.State, createdAt: x.CreationTime }));
    return lifecycles(ids, listed, ['deleted', 'rejected', 'failed']);
  },
  'transit-gateway': async (ec2, ids) => {
    const gateways = await describeAll(
      'DescribeTransitGateways',
      () => paginateDescribeTransitGateways({ client: ec2 }, { Filters: [{ Name: 'transit-gateway-id', Values: ids }] }),
      (page) => page.TransitGateways,
    );
    const listed = gateways.map((g) => ({ id: g.TransitGatewayId, state: g.State, createdAt: g.CreationTime }));
    return lifecycles(ids, listed, ['deleted']);
  },
};

/** The lifecycle of every resource of a kind that has one; kinds without (VPCs, subnets, groups…) are not in the map. */
export async function lifecyclesOf(ec2: EC2Client, resources: readonly Ec2Tagged[]): Promise<Map<string, Lifecycle>> {
  const all = new Map<string, Lifecycle>();
  for (const [type, describe] of Object.entries(DESCRIBE)) {
    const ids = resources.filter((r) => r.type === type).map((r) => r.id);
    for (const slice of chunks(ids, FILTER_VALUES)) for (const [id, lifecycle] of await describe(ec2, slice)) all.set(id, lifecycle);
  }
  return all;
}

/** The resources that are still resources: what AWS lists as ended is left out. */
export async function liveOnly(ec2: EC2Client, resources: Ec2Tagged[]): Promise<Array<Ec2Tagged & { createdAt?: Date }>> {
  const known = await lifecyclesOf(ec2, resources);
  return resources.filter((r) => !known.get(r.id)?.ended).map((r) => ({ ...r, createdAt: known.get(r.id)?.createdAt }));
}
