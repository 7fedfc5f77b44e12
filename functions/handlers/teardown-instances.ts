import type { TeardownResult } from '../core/contracts';
import { ResourceNotReady } from '../core/errors';
import { stepHandler } from '../core/step-handler';
import { releaseBastionAddress } from '../resources/bastion';
import { terminateInstances } from '../resources/instances';

/**
 * Teardown of the compute: the bastion's Elastic IP first (an associated address blocks the Internet
 * Gateway's detach later), then every instance of the build (nodes and bastion). Terminating takes a minute
 * or two and the subnets and security groups cannot go before the instances' ENIs do, so this step throws
 * ResourceNotReady (the state machine retries it) until every instance is `terminated`. Safe to repeat:
 * released addresses and terminated instances are simply no longer found.
 */
export const handler = stepHandler('teardown-instances', async ({ plan, clients, logger }): Promise<TeardownResult> => {
  const released = await releaseBastionAddress(clients, plan.buildId);
  const { terminating, remaining } = await terminateInstances(clients, plan.buildId);
  logger.info('instances terminating', { released, terminating, remaining });
  if (remaining.length > 0) {
    throw new ResourceNotReady(`waiting for ${remaining.length} instance(s) to terminate: ${remaining.join(', ')}`, {
      details: { remaining, released },
    });
  }
  return { step: 'teardown-instances', deleted: released };
}, 'shape');
