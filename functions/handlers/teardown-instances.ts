import { carriedAllocationIds, carriedInstanceIds } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { ResourceNotReady } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { releaseBastionAddress } from '../resources/bastion';
import { terminateInstances } from '../resources/termination';

/**
 * Teardown of the compute: the bastion's Elastic IP first (an associated address blocks the Internet
 * Gateway's detach later), then every instance of the build (nodes and bastion). Terminating takes a minute
 * or two and the subnets and security groups cannot go before the instances' ENIs do, so this step throws
 * ResourceNotReady (the state machine retries it) until every instance is `terminated`. Safe to repeat:
 * released addresses and terminated instances are simply no longer found.
 *
 * In a rollback the build's state names what it launched and allocated (core/carried.ts): those ids are
 * released and terminated too, even while a Describe by tag does not list them yet (EC2 eventual
 * consistency); otherwise an instance launched just before the failure would keep its subnet alive and
 * the network's deletion would wait for it forever.
 */
export const handler = createStepHandler('teardown-instances', async ({ state, plan, clients, logger }): Promise<TeardownResult> => {
  const released = await releaseBastionAddress(clients, plan.buildId, carriedAllocationIds(state));
  const { terminating, remaining } = await terminateInstances(clients, plan.buildId, carriedInstanceIds(state));
  logger.info('instances terminating', { released, terminating, remaining });
  if (remaining.length > 0) {
    throw new ResourceNotReady(`waiting for ${remaining.length} instance(s) to terminate: ${remaining.join(', ')}`, {
      details: { remaining, released },
    });
  }
  return { step: 'teardown-instances', deleted: released };
});
