import { carriedAllocationIds, carriedInstanceIds, carriedTeardownTimes } from '../core/carried';
import type { TeardownResult } from '../core/contracts';
import { createStepHandler } from '../core/step-handler';
import { teardownWaitSeconds } from '../core/teardown-wait';
import { releaseBastionAddress } from '../resources/bastion';
import { terminateInstances } from '../resources/termination';

const STEP = 'teardown-instances';

/**
 * Teardown of the compute: the bastion's Elastic IP first (an associated address blocks the Internet
 * Gateway's detach later), then every instance of the build (nodes and bastion), in one TerminateInstances.
 * It does not wait for `terminated` (about 45 s, EXPECTED_SECONDS): it answers `waitSeconds`, the time until
 * the instances are expected terminated and the NLB's interfaces and the connections (deleted by
 * DeleteLoadBalancer, whose times it reads at `$.teardownLoadBalancer`) expected gone, and the Wait before
 * DeleteNetwork sleeps that long (docs/design.md "13.4 Teardown: fewer calls, one wait"). DeleteNetwork then
 * checks that nothing is left in the VPC and polls briefly if AWS is slower. Safe to repeat: released
 * addresses and terminated instances are simply no longer found; an instance still shutting down is waited for.
 *
 * In a rollback the build's state names what it launched and allocated (core/carried.ts): those ids are
 * released and terminated too, even while a Describe by tag does not list them yet (EC2 eventual
 * consistency); otherwise an instance launched just before the failure would keep its subnet alive and
 * the network's deletion would wait for it until it gave up.
 */
export const handler = createStepHandler(STEP, async ({ state, plan, clients, logger, clock }): Promise<TeardownResult> => {
  const released = await releaseBastionAddress(clients, plan.buildId, carriedAllocationIds(state));
  const { terminating, remaining } = await terminateInstances(clients, plan.buildId, carriedInstanceIds(state));
  const now = clock.now();
  const waitSeconds = teardownWaitSeconds(
    { ...carriedTeardownTimes(state), ...(remaining.length > 0 && { instancesTerminating: now }) },
    now,
  );
  logger.info('instances terminating', { released, terminating, remaining, waitSeconds });
  return { step: STEP, deleted: [...released, ...terminating], waitSeconds };
});
