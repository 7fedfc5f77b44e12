import type { AwsClients } from '../core/clients';
import type { ConnectionIds, ConnectionsProgress, LegacyNetworkIds, NetworkIds } from '../core/contracts';
import { AwaitingAction, ResourceNotReady, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { INTERNET, ownedRouteTableIds } from './route-tables';
import { deleteRoutes, ensureRoutes } from './routes';
import { attachmentState, deleteAttachments, ensureAttachment } from './transit-gateway';
import { deleteEndpoints, endpointStates, ensureEndpoints } from './vpc-endpoints';
import { deleteNatGateways, ensureNatAddress, ensureNatGateway, natGatewayStates } from './nat-gateways';

/** How the wait message of an attachment waiting for its gateway owner begins. */
const ACCEPT = 'accept attachment ';

/**
 * The network's ways out of the VPC (docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access"): NAT
 * gateways, VPC endpoints and the Transit Gateway attachment, then the routes to them. Each takes 1–2 min
 * to become available, so ConnectNetwork runs beside the nodes in the Parallel.
 *
 * One run does at most one create without an idempotency key (an Elastic IP, the attachment) and returns
 * at once, `complete: false`, like ensureNetwork; then the creates that take a ClientToken (NAT gateways,
 * endpoints), after which it also returns once so that their ids are in the state (a rollback deletes them
 * by id even before a Describe by tag shows them). A run that knows every id waits: ResourceNotReady names
 * what is pending (an attachment waiting for the gateway owner's acceptance names the attachment and the
 * account), and the state machine's readiness Retry polls. Once all are available the routes go in.
 */
export async function ensureConnections(
  clients: AwsClients,
  plan: Plan,
  network: NetworkIds,
  known: Partial<ConnectionsProgress> = {},
): Promise<ConnectionsProgress> {
  const ids: ConnectionIds = {
    natAddressIds: { ...known.natAddressIds },
    natGatewayIds: { ...known.natGatewayIds },
    endpointIds: { ...known.endpointIds },
    ...(known.transitGatewayAttachmentId && { transitGatewayAttachmentId: known.transitGatewayAttachmentId }),
  };
  // Once announced, every later answer carries it, so the action is asked for once per build.
  const announced = known.announced === undefined ? {} : { announced: known.announced };
  const incomplete = (): ConnectionsProgress => ({ complete: false, ...ids, ...announced });

  for (const nat of plan.natGateways) {
    const address = await ensureNatAddress(clients, plan, nat, ids.natAddressIds[nat.az]);
    ids.natAddressIds[nat.az] = address.id;
    if (address.created) return incomplete();
  }
  if (plan.transitGateway) {
    const attachment = await ensureAttachment(
      clients,
      plan,
      network.vpcId,
      Object.values(network.privateSubnetIds),
      ids.transitGatewayAttachmentId,
    );
    ids.transitGatewayAttachmentId = attachment.id;
    if (attachment.created) return incomplete();
  }

  const before = JSON.stringify(ids);
  for (const nat of plan.natGateways) {
    const subnetId = network.publicSubnetIds[nat.az];
    if (!subnetId) throw new WorkflowContractError(`NAT gateway ${nat.name} is planned in ${nat.az}, which has no public subnet`);
    ids.natGatewayIds[nat.az] = await ensureNatGateway(clients, plan, nat, subnetId, ids.natAddressIds[nat.az]);
  }
  ids.endpointIds = await ensureEndpoints(clients, plan, {
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    privateRouteTableIds: network.privateRouteTableIds,
    endpointGroupId: network.securityGroupIds.endpoints,
  });
  if (JSON.stringify(ids) !== before) return incomplete();

  const pending = await pendingConnections(clients, plan, ids);
  const action = pending.find((line) => line.startsWith(ACCEPT));
  if (action && known.announced === undefined) return { ...incomplete(), awaitingAction: action };
  // A person's move: polled every 30 s (AwaitingAction) rather than every 5 s; the rest is AWS's.
  if (action) throw new AwaitingAction(pending.join('; '), { details: { pending } });
  if (pending.length) throw new ResourceNotReady(pending.join('; '), { details: { pending } });

  for (const nat of plan.natGateways) {
    const tables = [...new Set(nat.zones.map((zone) => network.privateRouteTableIds[zone]))];
    await ensureRoutes(clients, tables, [INTERNET], { NatGatewayId: ids.natGatewayIds[nat.az] });
  }
  if (plan.transitGateway) {
    await ensureRoutes(clients, routeTablesToGateway(network), plan.transitGateway.routes, { TransitGatewayId: plan.transitGateway.id });
  }
  return { complete: true, ...ids, ...announced };
}

/**
 * What is not available yet, one readable line each; what a person must do (accept the attachment in the
 * gateway owner's account) comes first, since the progress line and the status show the start of it.
 */
async function pendingConnections(clients: AwsClients, plan: Plan, ids: ConnectionIds): Promise<string[]> {
  const pending: string[] = [];
  const natStates = await natGatewayStates(clients, Object.values(ids.natGatewayIds));
  for (const [id, state] of Object.entries(natStates)) if (state !== 'available') pending.push(`NAT gateway ${id} is ${state}`);
  const endpointIdsByService = Object.entries(ids.endpointIds);
  const endpoints = await endpointStates(
    clients,
    endpointIdsByService.map(([, id]) => id),
  );
  for (const [service, id] of endpointIdsByService) {
    const state = endpoints[id] ?? 'not visible yet';
    if (state !== 'available') pending.push(`endpoint ${service} (${id}) is ${state}`);
  }
  if (ids.transitGatewayAttachmentId && plan.transitGateway) {
    const id = ids.transitGatewayAttachmentId;
    const { state, transitGatewayOwnerId } = await attachmentState(clients, id);
    if (state === 'pendingAcceptance') {
      pending.unshift(
        `${ACCEPT}${id} in account ${transitGatewayOwnerId ?? '(the gateway owner)'}: Transit Gateway ${plan.transitGateway.id} does not auto-accept shared attachments (pendingAcceptance)`,
      );
    } else if (state !== 'available') pending.push(`Transit Gateway attachment ${id} is ${state}`);
  }
  return pending;
}

/** The ids alone, for the build's outputs. */
export function withoutProgress(progress: ConnectionsProgress): ConnectionIds {
  const { natAddressIds, natGatewayIds, endpointIds, transitGatewayAttachmentId } = progress;
  return { natAddressIds, natGatewayIds, endpointIds, ...(transitGatewayAttachmentId && { transitGatewayAttachmentId }) };
}

/** Every connection's state by id, for VerifyBaseline (read back from AWS, not taken from the state). */
export async function describeConnectionStates(clients: AwsClients, ids: Partial<ConnectionIds> = {}): Promise<Record<string, string>> {
  const [nats, endpoints] = await Promise.all([
    natGatewayStates(clients, Object.values(ids.natGatewayIds ?? {})),
    endpointStates(clients, Object.values(ids.endpointIds ?? {})),
  ]);
  const attachmentId = ids.transitGatewayAttachmentId;
  const attachment = attachmentId ? { [attachmentId]: (await attachmentState(clients, attachmentId)).state } : {};
  return { ...nats, ...endpoints, ...attachment };
}

/** The Transit Gateway's routes go in every private table, and in the public one for the bastion's return traffic. */
function routeTablesToGateway(network: Partial<NetworkIds>): string[] {
  return [...new Set([...Object.values(network.privateRouteTableIds ?? {}), network.publicRouteTableId])].filter((id): id is string =>
    Boolean(id),
  );
}

/** What one teardown run did to the connections: the ids deleted, and those still on their way to `deleted`. */
export interface ConnectionsTeardown {
  deleted: string[];
  pending: string[];
}

/**
 * Teardown of the connections: their interfaces (and NAT gateways' Elastic IPs) sit in our subnets and block
 * them, the Internet Gateway's detach and the endpoint security group. All deletes are sent at once; the NAT
 * gateways' addresses are released once their gateways are gone. The default routes to the NAT gateways go
 * with their route tables (a blackhole meanwhile). Runs twice in a teardown:
 * - DeleteLoadBalancer, first, removes the Transit Gateway routes (this function), then starts the deletes and
 *   goes on: each takes about a minute (EXPECTED_SECONDS.connectionGoneAfterDelete), and nothing in them waits for
 *   the NLB or the instances, so that minute passes while those go. It records when (`connectionsDeletedAt`) if
 *   any is `pending`, and the teardown's wait covers it;
 * - DeleteNetwork, after that wait, finds them deleted (`requireConnectionsGone` throws ResourceNotReady while any
 *   is still pending) and releases the NAT addresses: `deleteConnectionsWithoutRoutes`, since DeleteLoadBalancer
 *   has removed the Transit Gateway routes and the route tables go with whatever routes they still hold. A
 *   separate function, not an option, so that DeleteNetwork's bundle holds no DeleteRoute and its role needs no
 *   grant for it (infra/permissions.ts; test/infra/permissions.test.ts checks bundles against grants).
 */
export async function deleteConnections(
  clients: AwsClients,
  plan: Plan,
  network: Partial<NetworkIds> & LegacyNetworkIds,
  carried: Partial<ConnectionIds> = {},
): Promise<ConnectionsTeardown> {
  if (plan.transitGateway) {
    // The Transit Gateway routes first, so that no table sends on-premises traffic to a gateway being detached.
    const tables = [...new Set([...(await ownedRouteTableIds(clients, plan.buildId)), ...routeTablesToGateway(network)])];
    await deleteRoutes(clients, tables, plan.transitGateway.routes);
  }
  return deleteConnectionsWithoutRoutes(clients, plan, carried);
}

/** The connections' deletes (or their check, once deleted) without touching any route: DeleteNetwork's (see deleteConnections). */
export async function deleteConnectionsWithoutRoutes(
  clients: AwsClients,
  plan: Plan,
  carried: Partial<ConnectionIds> = {},
): Promise<ConnectionsTeardown> {
  const nothing: ConnectionsTeardown = { deleted: [], pending: [] };
  // The spec is what the build made: without these options there is nothing to look for (no Describe calls).
  if (!plan.natGateways.length && !plan.endpoints.length && !plan.transitGateway) return nothing;
  // Only the kinds the spec asked for: the others were never made, and their Describes would only cost calls.
  const results = [
    plan.transitGateway ? await deleteAttachments(clients, plan.buildId, carried.transitGatewayAttachmentId) : nothing,
    plan.endpoints.length ? await deleteEndpoints(clients, plan.buildId, Object.values(carried.endpointIds ?? {})) : nothing,
    plan.natGateways.length
      ? await deleteNatGateways(clients, plan.buildId, {
          natGatewayIds: Object.values(carried.natGatewayIds ?? {}),
          addressIds: Object.values(carried.natAddressIds ?? {}),
        })
      : nothing,
  ];
  return { deleted: results.flatMap((r) => r.deleted), pending: results.flatMap((r) => r.pending) };
}

/** The ids deleted, once nothing is on its way any more; ResourceNotReady (the readiness Retry polls) until then. */
export function requireConnectionsGone({ deleted, pending }: ConnectionsTeardown): string[] {
  if (pending.length) throw new ResourceNotReady(`waiting for ${pending.join(', ')} to be deleted`, { details: { pending } });
  return deleted;
}
