import type { NetworkIds } from '../core/contracts';
import { stepHandler } from '../core/step-handler';
import { ensureNetwork } from '../resources/network';

/**
 * CreateNetwork: the VPC, subnets, Internet Gateway, route tables and security groups, in that order.
 * Safe to retry: every part is found by its tags (or by the ids already in `state.network`) before it is
 * created, so a retry after a throttle or a not-yet-visible resource finishes the job without duplicates.
 */
export const handler = stepHandler('create-network', async ({ state, plan, clients, logger }): Promise<NetworkIds> => {
  const network = await ensureNetwork(clients, plan, state.network);
  logger.info('network ready', { vpcId: network.vpcId, publicSubnetId: network.publicSubnetId, privateSubnetIds: network.privateSubnetIds });
  return network;
});
