import { CreateRouteCommand, DeleteRouteCommand, DescribeRouteTablesCommand, type Route } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, awsOnFreshIds, codeOf, NotYetVisible, ResourceConflict } from '../core/errors';
import { ignoringGone } from './owned';

/**
 * Routes to what ConnectNetwork made: 0.0.0.0/0 to a zone's NAT gateway, the spec's CIDRs to the Transit
 * Gateway. CreateRoute is not idempotent: a repeat answers RouteAlreadyExists, which is "done" only when the
 * route there has our target; a route of the same destination to anything else is a conflict (traffic would
 * go where the spec did not say), never silently replaced.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html
 */
export type RouteTarget = { TransitGatewayId: string } | { NatGatewayId: string };

/**
 * The caller hands only targets it has seen `available` and tables of this build: a NotFound for either can
 * only be EC2's route tables not having caught up yet (NotYetVisible, retried).
 */
const LAG_CODES = ['InvalidRouteTableID.NotFound', 'InvalidNatGatewayID.NotFound', 'InvalidTransitGatewayID.NotFound'];

/** Every destination in every table goes to `target`. */
export async function ensureRoutes(
  clients: AwsClients,
  routeTableIds: readonly string[],
  destinations: readonly string[],
  target: RouteTarget,
): Promise<void> {
  for (const routeTableId of routeTableIds) {
    for (const destination of destinations) {
      try {
        await awsOnFreshIds('CreateRoute', LAG_CODES, () =>
          clients.ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: destination, ...target })),
        );
      } catch (error) {
        if (codeOf(error) !== 'RouteAlreadyExists') throw error;
        await requireSameTarget(clients, routeTableId, destination, target, error);
      }
    }
  }
}

/** Removes the routes of `destinations` from the tables. A route, or a table, already gone is success. */
export async function deleteRoutes(clients: AwsClients, routeTableIds: readonly string[], destinations: readonly string[]): Promise<void> {
  for (const routeTableId of routeTableIds) {
    for (const destination of destinations) {
      await ignoringGone('DeleteRoute', () =>
        clients.ec2.send(new DeleteRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: destination })),
      );
    }
  }
}

/** RouteAlreadyExists: an earlier attempt added it (done), or the destination goes elsewhere (ResourceConflict). */
async function requireSameTarget(
  clients: AwsClients,
  routeTableId: string,
  destination: string,
  target: RouteTarget,
  cause: unknown,
): Promise<void> {
  const out = await aws('DescribeRouteTables', () => clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] })));
  const route = out.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === destination);
  if (!route)
    throw new NotYetVisible(`route table ${routeTableId} has a route to ${destination} (RouteAlreadyExists) that is not visible yet`, {
      cause,
    });
  const [key, wanted] = Object.entries(target)[0] as [keyof Route, string];
  if (route[key] === wanted) return;
  throw new ResourceConflict(`route table ${routeTableId} sends ${destination} to ${targetOf(route)}, not to ${wanted}`, { cause });
}

function targetOf(route: Route): string {
  return (
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.GatewayId ??
    route.NetworkInterfaceId ??
    route.VpcPeeringConnectionId ??
    route.InstanceId ??
    'another target'
  );
}
