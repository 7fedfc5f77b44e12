/**
 * Route tables: the VPC's main table plus our own, with subnet associations and routes to internet gateways,
 * NAT gateways and transit gateways (and the prefix-list routes gateway endpoints add); CreateRouteTable honours ClientToken.
 */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue } from './args';
import { parseBlock } from './cidr';
import { idempotentCreate } from './client-tokens';
import { applyFilters, FilterFields, notFoundError, paginate, selectByIds } from './filters';
import { Ec2Store, RouteRec, RouteTableRec } from './store';
import { natGatewayState } from './lifecycles';
import { findNatGateway } from './nat-gateways';
import { getSubnet } from './subnets';
import { tagSet, tagsOnCreate } from './tagging';
import { availableAttachment, findTransitGateway } from './transit-gateways';
import { getVpc } from './vpcs';

export const routeTableNotFound = notFoundError('InvalidRouteTableID.NotFound', 'route table');

function getRouteTable(s: Ec2Store, id: string | undefined): RouteTableRec {
  if (!id) throw new CloudError('MissingParameter', 'The request must contain the parameter RouteTableId');
  const rt = s.routeTables.get(id);
  if (!rt) throw routeTableNotFound([id]);
  return rt;
}

/**
 * A route is `blackhole` once its target cannot carry traffic: a detached or deleted internet gateway, a NAT
 * gateway deleted or failed ("the NAT gateway routes remain in a blackhole status", vpc-nat-gateway.html#nat-gateway-deleting),
 * a transit gateway this VPC no longer has an available attachment to.
 */
function routeState(s: Ec2Store, rt: RouteTableRec, r: RouteRec): 'active' | 'blackhole' {
  if (r.natGatewayId) {
    const nat = findNatGateway(s, r.natGatewayId);
    return nat && ['pending', 'available'].includes(natGatewayState(s, nat)) ? 'active' : 'blackhole';
  }
  if (r.transitGatewayId) return availableAttachment(s, rt.vpcId, r.transitGatewayId) ? 'active' : 'blackhole';
  // The local route and a gateway endpoint's routes live exactly as long as what they point to.
  if (r.gatewayId === 'local' || r.prefixListId) return 'active';
  return r.gatewayId && s.igws.get(r.gatewayId)?.vpcId === rt.vpcId ? 'active' : 'blackhole';
}

function routeTableWire(s: Ec2Store, rt: RouteTableRec) {
  return {
    routeTableId: rt.id,
    vpcId: rt.vpcId,
    ownerId: s.accountId,
    routeSet: rt.routes.map((r) => ({
      destinationCidrBlock: r.destination,
      destinationPrefixListId: r.prefixListId,
      gatewayId: r.gatewayId,
      natGatewayId: r.natGatewayId,
      transitGatewayId: r.transitGatewayId,
      state: routeState(s, rt, r),
      origin: r.origin,
    })),
    associationSet: rt.associations.map((x) => ({
      routeTableAssociationId: x.id,
      routeTableId: rt.id,
      subnetId: x.subnetId,
      main: x.main,
      associationState: { state: 'associated' },
    })),
    propagatingVgwSet: [],
    tagSet: tagSet(rt.tags),
  };
}

/** Every target CreateRoute takes (API_CreateRoute.html); this cloud routes to the first three only. */
const TARGETS = [
  'GatewayId',
  'NatGatewayId',
  'TransitGatewayId',
  'InstanceId',
  'NetworkInterfaceId',
  'VpcPeeringConnectionId',
  'VpcEndpointId',
  'EgressOnlyInternetGatewayId',
  'CarrierGatewayId',
  'LocalGatewayId',
  'CoreNetworkArn',
];

/** CreateRoute's one target, checked against the route table's VPC. */
function routeTarget(s: Ec2Store, rt: RouteTableRec, a: Args): Pick<RouteRec, 'gatewayId' | 'natGatewayId' | 'transitGatewayId'> {
  const given = TARGETS.filter((name) => a.str(name));
  if (given.length === 0) {
    throw new CloudError(
      'MissingParameter',
      'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId',
    );
  }
  // AWS documents no code for two targets at once; InvalidParameterCombination is our assumption.
  if (given.length > 1)
    throw new CloudError('InvalidParameterCombination', `The request must contain exactly one target, got ${given.join(', ')}`);
  const id = a.str(given[0]) as string;
  if (given[0] === 'GatewayId') {
    const igw = s.igws.get(id);
    if (!igw) throw new CloudError('InvalidGatewayID.NotFound', `The gateway ID '${id}' does not exist`);
    if (igw.vpcId !== rt.vpcId) throw invalidValue(`route table ${rt.id} and network gateway ${id} belong to different networks`);
    return { gatewayId: id };
  }
  if (given[0] === 'NatGatewayId') {
    const nat = findNatGateway(s, id);
    if (!nat || !['pending', 'available'].includes(natGatewayState(s, nat))) {
      throw new CloudError('InvalidNatGatewayID.NotFound', `The natGateway ID '${id}' does not exist`);
    }
    if (nat.vpcId !== rt.vpcId) throw invalidValue(`route table ${rt.id} and network gateway ${id} belong to different networks`);
    return { natGatewayId: id };
  }
  if (given[0] === 'TransitGatewayId') {
    // A route to a transit gateway needs an available attachment of this VPC to it: AWS answers as for an unknown
    // gateway until then (hashicorp/terraform-provider-aws#10025, and the provider retries CreateRoute on this code).
    // That `pending` does not count yet is our assumption; `pendingAcceptance` does not (the case).
    if (!findTransitGateway(s, id) || !availableAttachment(s, rt.vpcId, id)) {
      throw new CloudError('InvalidTransitGatewayID.NotFound', `The transitGateway ID '${id}' does not exist.`);
    }
    return { transitGatewayId: id };
  }
  throw invalidValue(`The embedded cloud routes to internet, NAT and transit gateways only, not ${given[0]}`);
}

export function routeTableActions(s: Ec2Store): Actions {
  const fields: FilterFields<RouteTableRec> = {
    'route-table-id': (rt) => rt.id,
    'vpc-id': (rt) => rt.vpcId,
    'association.subnet-id': (rt) => rt.associations.map((x) => x.subnetId),
    'association.route-table-association-id': (rt) => rt.associations.map((x) => x.id),
    'association.main': (rt) => rt.associations.some((x) => x.main),
    'route.gateway-id': (rt) => rt.routes.map((r) => r.gatewayId),
    'route.nat-gateway-id': (rt) => rt.routes.map((r) => r.natGatewayId),
    'route.transit-gateway-id': (rt) => rt.routes.map((r) => r.transitGatewayId),
    'route.destination-cidr-block': (rt) => rt.routes.map((r) => r.destination),
    'route.destination-prefix-list-id': (rt) => rt.routes.map((r) => r.prefixListId),
    'route.origin': (rt) => rt.routes.map((r) => r.origin),
    'route.state': (rt) => rt.routes.map((r) => routeState(s, rt, r)),
    'owner-id': () => s.accountId,
  };
  return {
    CreateRouteTable(a: Args) {
      // The answer carries the ClientToken when the request had one ("Only returned if a client token was
      // provided in the request", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRouteTable.html).
      const clientToken = a.str('ClientToken');
      return idempotentCreate(
        s,
        'CreateRouteTable',
        a,
        () => {
          const vpc = getVpc(s, a.required('VpcId'));
          const rt: RouteTableRec = {
            id: s.newId('rtb'),
            tags: tagsOnCreate(a, 'route-table'),
            vpcId: vpc.id,
            routes: [{ destination: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }],
            associations: [],
          };
          s.routeTables.set(rt.id, rt);
          return { resourceId: rt.id, result: { routeTable: routeTableWire(s, rt), clientToken } };
        },
        (id) => {
          const rt = s.routeTables.get(id);
          return rt && { routeTable: routeTableWire(s, rt), clientToken };
        },
      );
    },

    CreateRoute(a: Args) {
      const rt = getRouteTable(s, a.str('RouteTableId'));
      const block = parseBlock(a.required('DestinationCidrBlock'), 'destinationCidrBlock');
      const destination = `${block.base}/${block.bitmask}`;
      const target = routeTarget(s, rt, a);
      if (rt.routes.some((r) => r.destination === destination)) {
        throw new CloudError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
      }
      rt.routes.push({ destination, ...target, origin: 'CreateRoute' });
      return { return: true };
    },

    DeleteRoute(a: Args) {
      const rt = getRouteTable(s, a.str('RouteTableId'));
      const destination = a.required('DestinationCidrBlock');
      const before = rt.routes.length;
      rt.routes = rt.routes.filter((r) => r.destination !== destination || r.gatewayId === 'local');
      if (rt.routes.length === before)
        throw new CloudError('InvalidRoute.NotFound', `no route with destination-cidr-block ${destination} in route table ${rt.id}`);
      return { return: true };
    },

    AssociateRouteTable(a: Args) {
      const rt = getRouteTable(s, a.str('RouteTableId'));
      const subnet = getSubnet(s, a.required('SubnetId'));
      if (subnet.vpcId !== rt.vpcId) throw invalidValue(`Route table ${rt.id} and subnet ${subnet.id} belong to different networks`);
      const existing = [...s.routeTables.values()].find((t) => t.associations.some((x) => x.subnetId === subnet.id));
      if (existing) {
        throw new CloudError(
          'Resource.AlreadyAssociated',
          `the specified association for route table ${rt.id} conflicts with an existing association`,
        );
      }
      const association = { id: s.newId('rtbassoc'), subnetId: subnet.id, main: false };
      rt.associations.push(association);
      return { associationId: association.id, associationState: { state: 'associated' } };
    },

    DisassociateRouteTable(a: Args) {
      const id = a.required('AssociationId');
      const rt = [...s.routeTables.values()].find((t) => t.associations.some((x) => x.id === id && !x.main));
      if (!rt) throw new CloudError('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
      rt.associations = rt.associations.filter((x) => x.id !== id);
      return { return: true };
    },

    DeleteRouteTable(a: Args) {
      const rt = getRouteTable(s, a.str('RouteTableId'));
      if (rt.associations.length > 0) {
        throw new CloudError('DependencyViolation', `The routeTable '${rt.id}' has dependencies and cannot be deleted.`);
      }
      s.routeTables.delete(rt.id);
      return { return: true };
    },

    DescribeRouteTables(a: Args) {
      const selected = selectByIds([...s.routeTables.values()], a.strings('RouteTableId'), (rt) => rt.id, routeTableNotFound);
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { routeTableSet: page.map((rt) => routeTableWire(s, rt)), nextToken };
    },
  };
}
