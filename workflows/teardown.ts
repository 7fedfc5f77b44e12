import type { StateMachineDefinition, States } from './asl';
import { explainName, failWithCause, FAILURE_PATH, recordFailure, recordFailureName, TEARDOWN_FAILED } from './failures';
import { lambdaTask } from './policies';
import type { StepFunctionId } from './steps';

/**
 * Teardown, written once and used twice: as the `teardown` machine (DELETE /builds/{id}) and, with the
 * prefix `Rollback`, as the build's rollback path. Order matters: the NLB goes first (its ENIs sit in our
 * subnets and its SG is referenced by the nodes' SGs), then the instances (the bastion's EIP blocks the
 * IGW detach), then the network. Every step finds what to delete by our tags, treats "already gone" as
 * done and throws ResourceNotReady while AWS still holds a dependency: the readiness Retry is the wait.
 */
const TEARDOWN_STEPS: ReadonlyArray<{ name: string; step: StepFunctionId }> = [
  { name: 'DeleteLoadBalancer', step: 'teardownLoadBalancer' },
  { name: 'TerminateInstances', step: 'teardownInstances' },
  { name: 'DeleteNetwork', step: 'teardownNetwork' },
];

export interface TeardownFragmentOptions {
  /** Put before every state name: '' for the teardown machine, 'Rollback' inside the build. */
  prefix: string;
  /** The state after the last teardown step succeeded. */
  next: string;
  /** Where a failed teardown step records itself (`$.failure`, or `$.failure.rollback` beside the build's own). */
  failureRecordPath: string;
  /** The state a failed teardown step goes to after recording itself. */
  onFailure: string;
}

export interface Fragment {
  startAt: string;
  states: States;
}

/** The teardown Tasks (and the Pass recording each one's failure), chained and prefixed. */
export function teardownStates(options: TeardownFragmentOptions): Fragment {
  const names = TEARDOWN_STEPS.map((s) => `${options.prefix}${s.name}`);
  const states: States = {};
  TEARDOWN_STEPS.forEach(({ step }, i) => {
    const name = names[i];
    states[name] = lambdaTask(step, {
      resultPath: `$.${step}`,
      then: { Next: names[i + 1] ?? options.next },
      onError: recordFailureName(name),
      waitsForReadiness: true,
    });
    states[recordFailureName(name)] = recordFailure(name, options.failureRecordPath, { Next: options.onFailure });
  });
  return { startAt: names[0], states };
}

export const TEARDOWN_SUCCEEDED = 'Destroyed';

/** The `teardown` machine: DeleteLoadBalancer → TerminateInstances → DeleteNetwork → Destroyed. */
export function teardownDefinition(): StateMachineDefinition {
  const fragment = teardownStates({
    prefix: '',
    next: TEARDOWN_SUCCEEDED,
    failureRecordPath: FAILURE_PATH,
    onFailure: explainName(TEARDOWN_FAILED),
  });
  return {
    Comment: 'k8s-ec2-builder teardown: removes everything tagged with the build id, NLB first, network last',
    StartAt: fragment.startAt,
    States: {
      ...fragment.states,
      [TEARDOWN_SUCCEEDED]: { Type: 'Succeed', Comment: 'Nothing tagged with this build id is left' },
      ...failWithCause(TEARDOWN_FAILED, 'A teardown step failed for good; what is left is still tagged with the build id'),
    },
  };
}
