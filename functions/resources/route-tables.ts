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
import { aws, codeOf, NotYetVisible, ResourceConflict, translateAwsError } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications, TAG, type Role, type Tags } from '../core/tags';
import { carriedUnseen, describeAll, ignoringGone, onlyOne, requireCarried } from './owned';

/**
 * Two route tables. The public one sends 0.0.0.0/0 to the Internet Gateway and serves the public subnet
 * (the bastion). The private one has only the VPC's local route: the nodes live in a closed network
 * (spec `egress: "none"`), so nothing there can reach or be reached from the internet.
 */
export interface RouteTableIds {
  privateRouteTableId: string;
  publicRouteTableId: string;
}
export interface RouteTableTargets {
  vpcId: string;
  internetGatewayId: string;
  /** availability zone → subnet id */
  privateSubnetIds: Record<string, string>;
  publicSubnetId: string;
}
type Kind = 'private' | 'public';
const ROLE: Record<Kind, Role> = { private: 'private-route-table', public: 'public-route-table' };
export const INTERNET = '0.0.0.0/0';

/**
 * CreateRouteTable's idempotency token: the same build, role and VPC always give the same token, so a
 * retried create returns the table AWS already made. The VPC id is part of it because reusing a token with
 * other parameters is IdempotentParameterMismatch.
 */
export function routeTableClientToken(buildId: string, role: Role, vpcId: string): string {
  return clientToken(role, buildId, role, vpcId);
}

export async function ensureRouteTables(
  clients: AwsClients,
  plan: Plan,
  targets: RouteTableTargets,
  known: Partial<RouteTableIds> = {},
): Promise<RouteTableIds> {
  const owned = await findOwnedRouteTables(clients, plan.buildId);
  const publicTable = await ensureTable(clients, plan, 'public', targets.vpcId, owned, known.publicRouteTableId);
  await ensureInternetRoute(clients, publicTable, targets.internetGatewayId);
  await ensureAssociations(clients, publicTable, [targets.publicSubnetId]);
  const privateTable = await ensureTable(clients, plan, 'private', targets.vpcId, owned, known.privateRouteTableId);
  await ensureAssociations(clients, privateTable, Object.values(targets.privateSubnetIds));
  return { privateRouteTableId: privateTable.RouteTableId as string, publicRouteTableId: publicTable.RouteTableId as string };
}

/**
 * Disassociates and deletes the build's route tables (AWS refuses to delete a table that still has subnet
 * associations). Already gone is success; DependencyViolation is classified ResourceNotReady (retried).
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

async function ensureTable(
  clients: AwsClients,
  plan: Plan,
  kind: Kind,
  vpcId: string,
  owned: RouteTable[],
  knownId?: string,
): Promise<RouteTable> {
  const role = ROLE[kind];
  const matching = owned.filter((t) => fromTagList(t.Tags)[TAG.role] === role && t.VpcId === vpcId);
  const found = onlyOne(`${kind} route table`, plan.buildId, matching, (t) => t.RouteTableId);
  if (found) return found;
  if (knownId) return carriedTable(clients, plan.buildId, knownId);
  const tags: Tags = plan.routeTables[kind].tags;
  const out = await aws('CreateRouteTable', () =>
    clients.ec2.send(
      new CreateRouteTableCommand({
        VpcId: vpcId,
        ClientToken: routeTableClientToken(plan.buildId, role, vpcId),
        TagSpecifications: tagSpecifications('route-table', tags),
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
