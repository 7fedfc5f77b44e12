import { carriedNetwork } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { deleteNetwork } from '../resources/network';

/**
 * Teardown of the network, last of the teardown steps. It throws ResourceNotReady (the state machine
 * retries it) while the NLB's interfaces linger or AWS still answers DependencyViolation, and is safe to
 * repeat: what an earlier attempt deleted is simply no longer found. A build whose VPC is gone succeeds.
 * In a rollback it also deletes the ids the build's state carries (not visible by tag yet, maybe).
 */
export const handler = createStepHandler('teardown-network', async ({ state, plan, clients, logger }): Promise<TeardownResult> => {
  const deleted = await deleteNetwork(clients, plan.buildId, carriedNetwork(state));
  logger.info('network deleted', { deleted });
  return { step: 'teardown-network', deleted };
});
