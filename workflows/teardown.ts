import type { ChoiceState, StateMachineDefinition, States, WaitState } from './asl';
import { explainName, failWithCause, FAILURE_PATH, recordFailure, recordFailureName, TEARDOWN_FAILED } from './failures';
import { lambdaTask } from './policies';
import type { StepFunctionId } from './steps';

/**
 * Teardown, written once and used twice: as the `teardown` machine (DELETE /builds/{id}) and, with the
 * prefix `Rollback`, as the build's rollback path. Order matters: the NLB goes first (its ENIs sit in our
 * subnets and its SG is referenced by the nodes' SGs) and the connections' deletes start, then the instances
 * (the bastion's EIP blocks the IGW detach), then the network. Every step finds what to delete by our tags
 * and treats "already gone" as done.
 *
 * What AWS is slow at (instances ≈45 s to terminate, the NLB's interfaces ≈60 s after its delete, connections
 * ≈60 s) is waited for once, not polled: TerminateInstances answers `waitSeconds` until all of it is expected
 * gone, a Wait sleeps that long, and DeleteNetwork throws ResourceNotReady (the readiness Retry, every 5 s) only
 * if AWS is slower (docs/design.md "13.4 Teardown: fewer calls, one wait").
 */
const TEARDOWN_STEPS: ReadonlyArray<{ name: string; step: StepFunctionId; waitAfter?: WaitAfter }> = [
  { name: 'DeleteLoadBalancer', step: 'teardownLoadBalancer' },
  {
    name: 'TerminateInstances',
    step: 'teardownInstances',
    waitAfter: {
      choice: 'WaitAsked?',
      wait: 'WaitForNetworkRelease',
      comment:
        "Until the instances are expected terminated and the NLB interfaces and connections expected gone (TerminateInstances' waitSeconds)",
    },
  },
  { name: 'DeleteNetwork', step: 'teardownNetwork' },
];

/** The Choice and the Wait after a step that answers `waitSeconds` (a WaitRequest, functions/core/expected-latency.ts). */
interface WaitAfter {
  choice: string;
  wait: string;
  comment: string;
}

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

/** The teardown Tasks (and the Pass recording each one's failure, and the one wait), chained and prefixed. */
export function teardownStates(options: TeardownFragmentOptions): Fragment {
  const names = TEARDOWN_STEPS.map((s) => `${options.prefix}${s.name}`);
  const states: States = {};
  TEARDOWN_STEPS.forEach(({ step, waitAfter }, i) => {
    const name = names[i];
    const next = names[i + 1] ?? options.next;
    const resultPath = `$.${step}`;
    const waiting = waitAfter && waitStates(options.prefix, resultPath, waitAfter, next);
    states[name] = lambdaTask(step, {
      resultPath,
      then: { Next: waiting ? `${options.prefix}${waitAfter.choice}` : next },
      onError: recordFailureName(name),
      waitsForReadiness: true,
    });
    states[recordFailureName(name)] = recordFailure(name, options.failureRecordPath, { Next: options.onFailure });
    Object.assign(states, waiting);
  });
  return { startAt: names[0], states };
}

/**
 * Sleeps the step's `waitSeconds`, a whole number ≥ 0 (Step Functions' SecondsPath; the local runtime scales it
 * where it reads the step's answer, see workflows/scale.ts). The Choice goes straight on when the answer has none,
 * as one from a function deployed before the wait existed (a stack update replaces the functions and the state
 * machines in no fixed order), so such an answer still ends in DeleteNetwork's poll rather than a failed
 * execution (a Wait whose path is missing fails it, States.Runtime, which no Catch sees).
 */
function waitStates(prefix: string, resultPath: string, waitAfter: WaitAfter, next: string): States {
  const wait = `${prefix}${waitAfter.wait}`;
  return {
    [`${prefix}${waitAfter.choice}`]: {
      Type: 'Choice',
      Comment: 'Whether the step asked for a wait (waitSeconds)',
      Choices: [{ Variable: `${resultPath}.waitSeconds`, IsPresent: true, Next: wait }],
      Default: next,
    } satisfies ChoiceState,
    [wait]: { Type: 'Wait', Comment: waitAfter.comment, SecondsPath: `${resultPath}.waitSeconds`, Next: next } satisfies WaitState,
  };
}

export const TEARDOWN_SUCCEEDED = 'Destroyed';

/** The `teardown` machine: DeleteLoadBalancer → TerminateInstances → (WaitAsked? →) WaitForNetworkRelease → DeleteNetwork → Destroyed. */
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
