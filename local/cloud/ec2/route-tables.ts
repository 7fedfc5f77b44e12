/** Route tables: the VPC's main table plus our own, with subnet associations and gateway routes; CreateRouteTable honours ClientToken. */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue } from './args';
import { parseBlock } from './cidr';
import { idempotentCreate } from './client-tokens';
import { applyFilters, FilterFields, notFoundError, paginate, selectByIds } from './filters';
import { Ec2Store, RouteTableRec } from './store';
import { getSubnet } from './subnets';
import { tagSet, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';

export const routeTableNotFound = notFoundError('InvalidRouteTableID.NotFound', 'route table');

function getRouteTable(s: Ec2Store, id: string | undefined): RouteTableRec {
  if (!id) throw new CloudError('MissingParameter', 'The request must contain the parameter RouteTableId');
  const rt = s.routeTables.get(id);
  if (!rt) throw routeTableNotFound([id]);
  return rt;
}

function routeTableWire(s: Ec2Store, rt: RouteTableRec) {
  return {
    routeTableId: rt.id,
    vpcId: rt.vpcId,
    ownerId: s.accountId,
    routeSet: rt.routes.map((r) => ({
      destinationCidrBlock: r.destination,
      gatewayId: r.gatewayId,
      // A route to a detached or deleted gateway stays in the table as a blackhole, as on AWS.
      state: r.gatewayId === 'local' || s.igws.get(r.gatewayId)?.vpcId === rt.vpcId ? 'active' : 'blackhole',
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

export function routeTableActions(s: Ec2Store): Actions {
  const fields: FilterFields<RouteTableRec> = {
    'route-table-id': (rt) => rt.id,
    'vpc-id': (rt) => rt.vpcId,
    'association.subnet-id': (rt) => rt.associations.map((x) => x.subnetId),
    'association.route-table-association-id': (rt) => rt.associations.map((x) => x.id),
    'association.main': (rt) => rt.associations.some((x) => x.main),
    'route.gateway-id': (rt) => rt.routes.map((r) => r.gatewayId),
    'route.destination-cidr-block': (rt) => rt.routes.map((r) => r.destination),
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
      const gatewayId = a.str('GatewayId');
      if (!gatewayId)
        throw new CloudError(
          'MissingParameter',
          'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId',
        );
      const igw = s.igws.get(gatewayId);
      if (!igw) throw new CloudError('InvalidGatewayID.NotFound', `The gateway ID '${gatewayId}' does not exist`);
      if (igw.vpcId !== rt.vpcId) throw invalidValue(`route table ${rt.id} and network gateway ${gatewayId} belong to different networks`);
      if (rt.routes.some((r) => r.destination === destination)) {
        throw new CloudError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
      }
      rt.routes.push({ destination, gatewayId, origin: 'CreateRoute' });
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
