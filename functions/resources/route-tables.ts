import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteRouteTableCommand,
  DisassociateRouteTableCommand,
  paginateDescribeRouteTables,
  type DescribeRouteTablesCommandInput,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { clientToken } from '../core/client-token';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, NotYetVisible, ResourceConflict, translateAwsError, WorkflowContractError } from '../core/errors';
import type { Named, Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications, TAG, type Role } from '../core/tags';
import { carriedUnseen, describeAll, ignoringGone, onlyOne, requireCarried } from './owned';

/**
 * The route tables. The public one (where there are public subnets) sends 0.0.0.0/0 to the Internet Gateway
 * and serves the public subnets (the bastion, NAT gateways). The private ones start with only the VPC's local
 * route: with `egress: "none"` the nodes live in a closed network, nothing there can reach or be reached from
 * the internet. One private table serves every zone, or one per zone with `egress: "nat-per-az"` (each zone's
 * default route goes to its own NAT gateway). Routes to NAT gateways, the Transit Gateway and the S3 gateway
 * endpoint are added by ConnectNetwork (resources/connections.ts), once their targets exist.
 */
export interface RouteTableIds {
  /** availability zone → the private route table of its subnet (the same id for every zone unless per zone) */
  privateRouteTableIds: Record<string, string>;
  publicRouteTableId?: string;
}
export interface RouteTableTargets {
  vpcId: string;
  internetGatewayId?: string;
  /** availability zone → subnet id */
  privateSubnetIds: Record<string, string>;
  publicSubnetIds: Record<string, string>;
}
type Kind = 'private' | 'public';
const ROLE: Record<Kind, Role> = { private: 'private-route-table', public: 'public-route-table' };
export const INTERNET = '0.0.0.0/0';

/**
 * CreateRouteTable's idempotency token: the same build, role and VPC always give the same token, so a
 * retried create returns the table AWS already made. The VPC id is part of it because reusing a token with
 * other parameters is IdempotentParameterMismatch.
 */
export function routeTableClientToken(buildId: string, role: Role, vpcId: string, name: string): string {
  return clientToken(role, buildId, role, vpcId, name);
}

/**
 * `noneYet`: the caller knows that no table of the build exists (ensureNetwork: this very call created every
 * subnet), so the lookup by tag is skipped. CreateRouteTable's ClientToken would hand back a table an earlier
 * attempt made anyway; the lookup is what lets a repeat skip the routes and associations it already has.
 */
export async function ensureRouteTables(
  clients: AwsClients,
  plan: Plan,
  targets: RouteTableTargets,
  known: Partial<RouteTableIds> = {},
  noneYet = false,
): Promise<RouteTableIds> {
  const owned = noneYet ? [] : await findOwnedRouteTables(clients, plan.buildId);
  let publicRouteTableId: string | undefined;
  if (plan.routeTables.public) {
    if (!targets.internetGatewayId) throw new WorkflowContractError('public route table planned without an Internet Gateway');
    const publicTable = await ensureTable(clients, plan, 'public', plan.routeTables.public, targets.vpcId, owned, known.publicRouteTableId);
    await ensureInternetRoute(clients, publicTable, targets.internetGatewayId);
    await ensureAssociations(clients, publicTable, Object.values(targets.publicSubnetIds));
    publicRouteTableId = publicTable.RouteTableId;
  }
  const privateRouteTableIds: Record<string, string> = {};
  for (const table of plan.routeTables.private) {
    const knownId = table.zones.map((zone) => known.privateRouteTableIds?.[zone]).find(Boolean);
    const privateTable = await ensureTable(clients, plan, 'private', table, targets.vpcId, owned, knownId);
    await ensureAssociations(
      clients,
      privateTable,
      table.zones.map((zone) => targets.privateSubnetIds[zone]),
    );
    for (const zone of table.zones) privateRouteTableIds[zone] = privateTable.RouteTableId as string;
  }
  return { privateRouteTableIds, ...(publicRouteTableId && { publicRouteTableId }) };
}

/**
 * Deletes the build's route tables. AWS refuses to delete a table that still has subnet associations
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteRouteTable.html); deleteNetwork deletes the
 * subnets first, and their associations go with them, so the Describe here normally lists none and the deletes
 * are the only calls. An association it still lists (a subnet that is not ours, or EC2 not caught up with a
 * subnet just deleted) is removed first. A table or association already gone is success;
 * DependencyViolation is classified ResourceNotReady (retried).
 */
export async function deleteRouteTables(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly (string | undefined)[] = [],
): Promise<string[]> {
  const tables = await findOwnedRouteTables(clients, buildId);
  tables.push(
    ...(await carriedUnseen(
      tables.map((t) => t.RouteTableId),
      carriedIds,
      async (id) => (await describeRouteTables(clients, { RouteTableIds: [id] }))[0],
      (RouteTableId): RouteTable => ({ RouteTableId }),
    )),
  );
  const deleted: string[] = [];
  for (const table of tables) {
    for (const association of table.Associations ?? []) {
      if (association.Main || !association.RouteTableAssociationId) continue;
      await ignoringGone('DisassociateRouteTable', () =>
        clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId })),
      );
    }
    await ignoringGone('DeleteRouteTable', () => clients.ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId })));
    deleted.push(table.RouteTableId as string);
  }
  return deleted;
}

/** A table is known by its role and Name (one private table per zone has the same role as the others). */
async function ensureTable(
  clients: AwsClients,
  plan: Plan,
  kind: Kind,
  table: Named,
  vpcId: string,
  owned: RouteTable[],
  knownId?: string,
): Promise<RouteTable> {
  const role = ROLE[kind];
  const matching = owned.filter((t) => {
    const tags = fromTagList(t.Tags);
    return tags[TAG.role] === role && tags[TAG.name] === table.name && t.VpcId === vpcId;
  });
  const found = onlyOne(`route table ${table.name}`, plan.buildId, matching, (t) => t.RouteTableId);
  if (found) return found;
  if (knownId) return carriedTable(clients, plan.buildId, knownId);
  const out = await aws('CreateRouteTable', () =>
    clients.ec2.send(
      new CreateRouteTableCommand({
        VpcId: vpcId,
        ClientToken: routeTableClientToken(plan.buildId, role, vpcId, table.name),
        TagSpecifications: tagSpecifications('route-table', table.tags),
      }),
    ),
  );
  if (!out.RouteTable?.RouteTableId) throw new NotYetVisible('CreateRouteTable returned no route table id');
  return out.RouteTable;
}

/** A route table id we hold that Describe-by-tag did not show: not found by id means "not visible yet". */
async function carriedTable(clients: AwsClients, buildId: string, routeTableId: string): Promise<RouteTable> {
  return requireCarried('route table', routeTableId, buildId, (await describeRouteTables(clients, { RouteTableIds: [routeTableId] }))[0]);
}

async function ensureInternetRoute(clients: AwsClients, table: RouteTable, internetGatewayId: string): Promise<void> {
  const route = (table.Routes ?? []).find((r) => r.DestinationCidrBlock === INTERNET);
  if (route?.GatewayId === internetGatewayId) return;
  if (route)
    throw new ResourceConflict(
      `route table ${table.RouteTableId} sends ${INTERNET} to ${route.GatewayId ?? 'another target'}, not ${internetGatewayId}`,
    );
  try {
    await clients.ec2.send(
      new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: INTERNET, GatewayId: internetGatewayId }),
    );
  } catch (error) {
    // An earlier attempt added it and the Describe we hold predates it.
    if (codeOf(error) === 'RouteAlreadyExists') return;
    throw translateAwsError(error, 'CreateRoute');
  }
}

async function ensureAssociations(clients: AwsClients, table: RouteTable, subnetIds: string[]): Promise<void> {
  const associated = new Set((table.Associations ?? []).map((a) => a.SubnetId));
  for (const subnetId of subnetIds.filter((id) => !associated.has(id))) {
    try {
      await clients.ec2.send(new AssociateRouteTableCommand({ RouteTableId: table.RouteTableId, SubnetId: subnetId }));
    } catch (error) {
      if (codeOf(error) !== 'Resource.AlreadyAssociated') throw translateAwsError(error, 'AssociateRouteTable');
      // Associated by an earlier attempt that our Describe predates: done — if it is with this very table.
      // With another one, the subnet would route somewhere we did not plan (a private subnet to the IGW).
      const holder = (await describeRouteTables(clients, { Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))[0];
      if (holder?.RouteTableId && holder.RouteTableId !== table.RouteTableId) {
        throw new ResourceConflict(`subnet ${subnetId} is associated with route table ${holder.RouteTableId}, not ${table.RouteTableId}`);
      }
    }
  }
}

/** The build's route tables by tag (the teardown machine's input carries no ids). */
export async function ownedRouteTableIds(clients: AwsClients, buildId: string): Promise<string[]> {
  return (await findOwnedRouteTables(clients, buildId)).map((t) => t.RouteTableId as string);
}

async function findOwnedRouteTables(clients: AwsClients, buildId: string): Promise<RouteTable[]> {
  const tables = await describeRouteTables(clients, { Filters: ownedFilters(buildId) });
  const ours = new Set<string>([ROLE.private, ROLE.public]);
  return tables.filter((t) => {
    const tags = fromTagList(t.Tags);
    return t.RouteTableId && isOwnedBy(tags, buildId) && ours.has(tags[TAG.role]);
  });
}

async function describeRouteTables(clients: AwsClients, input: DescribeRouteTablesCommandInput): Promise<RouteTable[]> {
  return describeAll(
    'DescribeRouteTables',
    () => paginateDescribeRouteTables({ client: clients.ec2 }, input),
    (page) => page.RouteTables,
  );
}
