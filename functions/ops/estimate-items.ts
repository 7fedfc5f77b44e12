import type { NodeRole, Plan } from '../core/plan';
import { ROOT_VOLUME_GIB } from '../resources/instances';
import {
  gp3StorageQuery,
  instanceQuery,
  interfaceEndpointQuery,
  natGatewayQuery,
  networkLoadBalancerQuery,
  publicIpv4Query,
  transitGatewayAttachmentQuery,
  type PriceQuery,
} from './estimate-queries';

/** One kind of billed resource in a build: the line's item, how many, what to ask for its price, what it leaves out. */
export interface BilledItem {
  item: string;
  count: number;
  query: PriceQuery;
  notes: string[];
}

const ROLE_NAMES: Record<NodeRole, string> = { 'control-plane': 'control planes', worker: 'workers' };

/** What a build bills by the hour while it runs, in the order of the estimate's lines; kinds it has none of are left out. */
export function billedItems(plan: Plan): BilledItem[] {
  const region = plan.spec.region;
  const interfaceEndpoints = plan.endpoints.filter((endpoint) => endpoint.type === 'Interface');
  const zones = plan.privateSubnets.length;
  const publicAddresses = (plan.spec.bastion.enabled ? 1 : 0) + plan.natGateways.length;
  return [
    ...instanceItems(plan),
    rootVolumes(plan),
    {
      item: 'network load balancer',
      count: 1,
      query: networkLoadBalancerQuery(region),
      notes: ['capacity units (NLCU) are billed by traffic and not counted'],
    },
    ...(publicAddresses > 0
      ? [
          {
            item: 'public IPv4 address',
            count: publicAddresses,
            query: publicIpv4Query(region),
            notes: [addressesNote(plan.spec.bastion.enabled, plan.natGateways.length)],
          },
        ]
      : []),
    ...(plan.natGateways.length > 0
      ? [
          {
            item: 'NAT gateway',
            count: plan.natGateways.length,
            query: natGatewayQuery(region),
            notes: ['data processed per GB not counted'],
          },
        ]
      : []),
    ...(interfaceEndpoints.length > 0
      ? [
          {
            item: 'interface endpoint',
            count: interfaceEndpoints.length * zones,
            query: interfaceEndpointQuery(region),
            notes: [
              `billed per endpoint per zone: ${interfaceEndpoints.length} (${interfaceEndpoints.map((e) => e.service).join(', ')}) × ${zones} zones`,
              'data processed per GB not counted',
            ],
          },
        ]
      : []),
    ...(plan.transitGateway
      ? [
          {
            item: 'transit gateway attachment',
            count: 1,
            query: transitGatewayAttachmentQuery(region),
            notes: ['data processed per GB not counted'],
          },
        ]
      : []),
  ];
}

/**
 * Instances by the type each tries first (the bastion's joins the nodes' when it is the same): a role that falls
 * back to another type on InsufficientInstanceCapacity may run at that type's price instead.
 */
function instanceItems(plan: Plan): BilledItem[] {
  const byType = new Map<string, BilledItem>();
  const add = (instanceType: string, note?: string) => {
    const item = byType.get(instanceType) ?? {
      item: `instance ${instanceType}`,
      count: 0,
      query: instanceQuery(plan.spec.region, instanceType),
      notes: [],
    };
    item.count += 1;
    if (note && !item.notes.includes(note)) item.notes.push(note);
    byType.set(instanceType, item);
  };
  for (const node of plan.nodes) {
    const [first, ...fallbacks] = node.instanceTypes;
    add(first, fallbacks.length > 0 ? `${ROLE_NAMES[node.role]} may fall back to ${fallbacks.join(', ')}, priced differently` : undefined);
  }
  if (plan.spec.bastion.enabled) {
    const type = plan.bastion.instanceType;
    // T-family instances launch as "unlimited": CPU use above the baseline is billed as surplus credits.
    add(type, /^t\d/.test(type) ? 'surplus CPU credits of the burstable bastion not counted' : undefined);
  }
  return [...byType.values()];
}

/** Every instance's gp3 root volume, sized by role as RunInstances asks for it (resources/instances.ts). */
function rootVolumes(plan: Plan): BilledItem {
  const sizes = [...plan.nodes.map((node) => ROOT_VOLUME_GIB[node.role]), ...(plan.spec.bastion.enabled ? [ROOT_VOLUME_GIB.bastion] : [])];
  return {
    item: 'GiB of gp3 root volumes',
    count: sizes.reduce((sum, size) => sum + size, 0),
    query: gp3StorageQuery(plan.spec.region),
    notes: [
      `${sizes.length} volumes (control plane ${ROOT_VOLUME_GIB['control-plane']}, worker ${ROOT_VOLUME_GIB.worker}, bastion ${ROOT_VOLUME_GIB.bastion} GiB), priced per GB-month; baseline IOPS and throughput included`,
    ],
  };
}

function addressesNote(bastion: boolean, natGateways: number): string {
  const which = [
    ...(bastion ? ["the bastion's Elastic IP"] : []),
    ...(natGateways > 0 ? [`${natGateways} NAT gateway Elastic IP${natGateways > 1 ? 's' : ''}`] : []),
  ];
  return `AWS bills every public IPv4 address by the hour: ${which.join(' and ')}`;
}
