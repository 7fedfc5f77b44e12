import { carriedAllocationIds, carriedInstanceIds, carriedTeardownTimes, carriedTermination } from '../core/carried';
import { ResourceConflict } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { TEARDOWN_BOUND_SECONDS, teardownWaitSeconds, type TerminationProgress } from '../core/teardown-wait';
import { releaseBastionAddress } from '../resources/bastion';
import { terminateInstances } from '../resources/termination';

const STEP = 'teardown-instances';

/**
 * Teardown of the compute, in a loop with a Wait until nothing of it holds the network (docs/design.md "13.4
 * Teardown: fewer calls, one wait"). Each run releases the bastion's Elastic IP (an associated address blocks the
 * Internet Gateway's detach later) and terminates every instance of the build it finds (nodes and bastion), in one
 * TerminateInstances; it does not wait for `terminated` (about 45 s, EXPECTED_SECONDS) itself. It answers
 * `complete: false` with `waitSeconds` while an instance of ours is not `terminated` yet or the NLB's interfaces and
 * the connections (deleted by DeleteLoadBalancer, whose times it reads at `$.teardownLoadBalancer`) are expected
 * to linger; the Wait sleeps that long and runs it again. So an instance a Describe by tag did not list the first
 * time (launched by a LaunchNodes invocation that timed out after RunInstances succeeded: neither in the state nor
 * visible yet) is found and terminated by a later run, instead of holding a subnet until DeleteNetwork gives up. A
 * run that finds nothing left but `terminated` instances, past the expected times, answers `complete: true`, no
 * wait, and DeleteNetwork runs; on a build with nothing on its way (a rollback after CreateNetwork failed, a repeated
 * teardown) that is the first run. A later run costs a DescribeAddresses and a DescribeInstances.
 *
 * The loop is bounded: TEARDOWN_BOUND_SECONDS after its first run (carried in its answer), an instance still not
 * `terminated` is a ResourceConflict, which no Retry retries (this Task's readiness Retry, for an address still in
 * use, would retry a ResourceNotReady for another 20 minutes), so the Catch records the failure. Safe to repeat:
 * released addresses and terminated instances are simply no longer acted on.
 *
 * In a rollback the build's state names what it launched and allocated (core/carried.ts): those ids are
 * released and terminated too, even while a Describe by tag does not list them yet (EC2 eventual
 * consistency); otherwise an instance launched just before the failure would keep its subnet alive and
 * the network's deletion would wait for it until it gave up. The carried addresses are released by the first run;
 * later runs look for addresses by tag only.
 */
export const handler = createStepHandler(STEP, async ({ state, plan, clients, logger, clock }): Promise<TerminationProgress> => {
  const earlier = carriedTermination(state);
  const released = await releaseBastionAddress(clients, plan.buildId, earlier ? [] : carriedAllocationIds(state));
  const { terminating, remaining } = await terminateInstances(clients, plan.buildId, carriedInstanceIds(state));
  const now = clock.now();
  const startedAt = earlier?.startedAt ?? now;
  const deadline = startedAt + TEARDOWN_BOUND_SECONDS * 1000;
  const deleted = [...new Set([...(earlier?.deleted ?? []), ...released, ...terminating])];
  if (remaining.length > 0 && now >= deadline) {
    throw new ResourceConflict(
      `instance(s) ${remaining.join(', ')} of build ${plan.buildId} still not terminated ${TEARDOWN_BOUND_SECONDS / 60} minutes ` +
        'after the teardown began terminating; they keep the network from being deleted',
      { details: { remaining } },
    );
  }
  // Asked to terminate now, or still shutting down since an earlier run (since now, when none of this loop asked).
  const instancesTerminatingAt = terminating.length > 0 ? now : remaining.length > 0 ? (earlier?.instancesTerminatingAt ?? now) : undefined;
  const waitSeconds =
    now >= deadline
      ? undefined
      : teardownWaitSeconds({ ...carriedTeardownTimes(state), instancesTerminating: instancesTerminatingAt }, now, deadline);
  logger.info(waitSeconds === undefined ? 'instances terminated' : 'instances terminating', {
    released,
    terminating,
    remaining,
    waitSeconds,
  });
  const progress = { step: STEP, deleted, startedAt: new Date(startedAt).toISOString() };
  if (waitSeconds === undefined) return { ...progress, complete: true };
  return {
    ...progress,
    complete: false,
    waitSeconds,
    ...(instancesTerminatingAt !== undefined && { instancesTerminatingAt: new Date(instancesTerminatingAt).toISOString() }),
  };
});
