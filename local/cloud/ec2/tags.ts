/** CreateTags / DeleteTags / DescribeTags across every taggable kind, and the build-id listing for the control interface. */
import { CloudError } from '../contract';
import { Actions, Args } from './args';
import { applyFilters, FilterFields, paginate } from './filters';
import { Ec2Store, Tags } from './store';
import {
  attachmentState,
  attachmentVisible,
  natGatewayState,
  natGatewayVisible,
  transitGatewayState,
  transitGatewayVisible,
  vpcEndpointState,
  vpcEndpointVisible,
} from './lifecycles';
import { addTags, parseTagList } from './tagging';

export interface Taggable {
  id: string;
  type: string;
  tags: Tags;
  state?: string;
  /** The owning account when it is not ours (a transit gateway shared with us). */
  ownerId?: string;
}

/**
 * Every live resource that can carry tags (terminated instances, released ENIs, and deleted, failed or rejected
 * NAT gateways, endpoints, transit gateways and attachments excluded unless `includeTerminated`).
 */
export function taggables(s: Ec2Store, includeTerminated = false): Taggable[] {
  const out: Taggable[] = [];
  const add = (type: string, items: Iterable<{ id: string; tags: Tags }>, state?: (x: never) => string) => {
    for (const x of items) out.push({ id: x.id, type, tags: x.tags, state: state?.(x as never) });
  };
  add('vpc', s.vpcs.values(), () => 'available');
  add('subnet', s.subnets.values(), () => 'available');
  add('internet-gateway', s.igws.values(), (g: { vpcId?: string }) => (g.vpcId ? 'attached' : 'detached'));
  add('route-table', s.routeTables.values());
  add('security-group', s.groups.values());
  add(
    'security-group-rule',
    [...s.groups.values()].flatMap((g) => g.rules),
  );
  const instances = [...s.instances.values()].filter(
    (i) => s.instanceVisible(i) && (includeTerminated || s.instanceState(i) !== 'terminated'),
  );
  add('instance', instances, (i: Parameters<Ec2Store['instanceState']>[0]) => s.instanceState(i));
  add('network-interface', s.liveEnis(), () => 'in-use');
  add('elastic-ip', s.addresses.values(), (a: Parameters<Ec2Store['addressAssociation']>[0]) =>
    s.addressAssociation(a) ? 'associated' : 'allocated',
  );
  add('key-pair', s.keyPairs.values());
  add(
    'volume',
    [...s.volumes.values()].filter((v) => s.volumeAlive(v)),
    () => 'in-use',
  );
  // Resources with a lifecycle of their own: listed while visible, as taggable while not ended.
  const addLive = <T extends { id: string; tags: Tags; ownerId?: string }>(type: string, items: Iterable<T>, state: (x: T) => string) => {
    for (const x of items) {
      const current = state(x);
      if (!includeTerminated && ['deleted', 'failed', 'rejected'].includes(current)) continue;
      out.push({ id: x.id, type, tags: x.tags, state: current, ownerId: x.ownerId === s.accountId ? undefined : x.ownerId });
    }
  };
  addLive(
    'transit-gateway',
    [...s.transitGateways.values()].filter((g) => transitGatewayVisible(s, g)),
    (g) => transitGatewayState(s, g),
  );
  addLive(
    'transit-gateway-attachment',
    [...s.tgwAttachments.values()].filter((x) => attachmentVisible(s, x)),
    (x) => attachmentState(s, x),
  );
  addLive(
    'natgateway',
    [...s.natGateways.values()].filter((n) => natGatewayVisible(s, n)),
    (n) => natGatewayState(s, n),
  );
  addLive(
    'vpc-endpoint',
    [...s.vpcEndpoints.values()].filter((e) => vpcEndpointVisible(s, e)),
    (e) => vpcEndpointState(s, e),
  );
  return out;
}

const NOT_FOUND: Record<string, [string, string]> = {
  vpc: ['InvalidVpcID.NotFound', 'vpc'],
  subnet: ['InvalidSubnetID.NotFound', 'subnet'],
  igw: ['InvalidInternetGatewayID.NotFound', 'internetGateway'],
  rtb: ['InvalidRouteTableID.NotFound', 'routeTable'],
  sg: ['InvalidGroup.NotFound', 'security group'],
  sgr: ['InvalidSecurityGroupRuleId.NotFound', 'security group rule'],
  i: ['InvalidInstanceID.NotFound', 'instance'],
  eni: ['InvalidNetworkInterfaceID.NotFound', 'networkInterface'],
  eipalloc: ['InvalidAllocationID.NotFound', 'allocation'],
  key: ['InvalidKeyPair.NotFound', 'key pair'],
  vol: ['InvalidVolume.NotFound', 'volume'],
  tgw: ['InvalidTransitGatewayID.NotFound', 'transitGateway'],
  'tgw-attach': ['InvalidTransitGatewayAttachmentID.NotFound', 'transitGatewayAttachment'],
  nat: ['NatGatewayNotFound', 'natGateway'],
  vpce: ['InvalidVpcEndpointId.NotFound', 'vpcEndpoint'],
};

function resolve(s: Ec2Store, ids: string[]): Taggable[] {
  if (ids.length === 0) throw new CloudError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  const all = new Map(taggables(s, true).map((t) => [t.id, t]));
  return ids.map((id) => {
    const found = all.get(id);
    if (found) return found;
    const known = NOT_FOUND[id.startsWith('tgw-attach-') ? 'tgw-attach' : id.split('-')[0]];
    if (!known) throw new CloudError('InvalidID', `The ID '${id}' is not valid`);
    throw new CloudError(known[0], `The ${known[1]} ID '${id}' does not exist`);
  });
}

export function tagActions(s: Ec2Store): Actions {
  const fields: FilterFields<Taggable> = {
    'resource-id': (t) => t.id,
    'resource-type': (t) => t.type,
    key: (t) => [...t.tags.keys()],
    value: (t) => [...t.tags.values()],
  };
  return {
    CreateTags(a: Args) {
      const targets = resolve(s, a.strings('ResourceId'));
      const tags = parseTagList(a.list('Tag'));
      for (const t of targets) addTags(t.tags, tags);
      return { return: true };
    },

    DeleteTags(a: Args) {
      const targets = resolve(s, a.strings('ResourceId'));
      const tags = a.list('Tag');
      for (const t of targets) {
        if (tags.length === 0) t.tags.clear();
        for (const tag of tags) {
          const key = tag.required('Key');
          const value = tag.str('Value');
          // With a value, AWS deletes the tag only if the value matches.
          if (value === undefined || t.tags.get(key) === value) t.tags.delete(key);
        }
      }
      return { return: true };
    },

    DescribeTags(a: Args) {
      // One row per (resource, tag); filters `key`/`value` must match that row, not any tag of the resource.
      const rows = taggables(s).flatMap((t) => [...t.tags].map(([key, value]) => ({ ...t, tags: new Map([[key, value]]) })));
      const { page, nextToken } = paginate(applyFilters(rows, a, fields), a);
      return {
        tagSet: page.map((r) => {
          const [[key, value]] = [...r.tags];
          return { resourceId: r.id, resourceType: r.type, key, value };
        }),
        nextToken,
      };
    },
  };
}
