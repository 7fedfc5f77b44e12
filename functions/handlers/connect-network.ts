import type { ConnectionsProgress } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { ensureConnections } from '../resources/connections';

/**
 * ConnectNetwork: NAT gateways, VPC endpoints and the Transit Gateway attachment, then their routes (see
 * ensureConnections). A branch of the Parallel: it waits beside the nodes. With none of these in the spec
 * it answers `complete: true` at once.
 */
export const handler = createStepHandler('connect-network', async ({ state, plan, clients, logger }): Promise<ConnectionsProgress> => {
  if (!state.network) throw new WorkflowContractError('connect-network needs $.network from CreateNetwork');
  const connections = await ensureConnections(clients, plan, state.network, state.connections);
  if (connections.complete) logger.info('network connected', { ...connections });
  else logger.info('connections in progress: handing the created ids to the state machine', { ...connections });
  return connections;
});
