import type { StateMachineDefinition, States } from './asl';
import { waitLoopStates } from './wait-loop';
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
 * ≈60 s) is waited for, not polled: TerminateInstances answers `complete: false` with `waitSeconds` until all of it
 * is expected gone, a Wait sleeps that long and runs it again (it terminates what it finds then too: an instance
 * that became visible late), and once it answers `complete: true` DeleteNetwork runs. DeleteNetwork throws
 * ResourceNotReady (the readiness Retry, every 5 s) only if AWS is slower (docs/design.md "13.4 Teardown: fewer
 * calls, one wait").
 */
const TEARDOWN_STEPS: ReadonlyArray<{ name: string; step: StepFunctionId; loop?: WaitLoop }> = [
  { name: 'DeleteLoadBalancer', step: 'teardownLoadBalancer' },
  {
    name: 'TerminateInstances',
    step: 'teardownInstances',
    loop: {
      choice: 'WaitAsked?',
      wait: 'WaitForNetworkRelease',
      comment:
        "Until the instances are expected terminated and the NLB interfaces and connections expected gone (TerminateInstances' waitSeconds); then TerminateInstances looks again",
    },
  },
  { name: 'DeleteNetwork', step: 'teardownNetwork' },
];

/**
 * The Choice and the Wait that run a step again after the `waitSeconds` it asked for (a WaitRequest,
 * functions/core/expected-latency.ts), while it answers `complete: false`.
 */
interface WaitLoop {
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

/** The teardown Tasks (and the Pass recording each one's failure, and the wait loop), chained and prefixed. */
export function teardownStates(options: TeardownFragmentOptions): Fragment {
  const names = TEARDOWN_STEPS.map((s) => `${options.prefix}${s.name}`);
  const states: States = {};
  TEARDOWN_STEPS.forEach(({ step, loop }, i) => {
    const name = names[i];
    const next = names[i + 1] ?? options.next;
    const resultPath = `$.${step}`;
    const looping = loop && loopStates(options.prefix, name, resultPath, loop, next);
    states[name] = lambdaTask(step, {
      resultPath,
      then: { Next: looping ? `${options.prefix}${loop.choice}` : next },
      onError: recordFailureName(name),
      waitsForReadiness: true,
    });
    states[recordFailureName(name)] = recordFailure(name, options.failureRecordPath, { Next: options.onFailure });
    Object.assign(states, looping);
  });
  return { startAt: names[0], states };
}

/**
 * A step's answer `complete: false` sleeps its `waitSeconds`, a whole number ≥ 0 (Step Functions' SecondsPath; the
 * local runtime scales it where it reads the step's answer, see workflows/scale.ts), and runs the step again; the
 * step bounds the loop itself (20 minutes, then an error its Catch records). `complete: true`, or no `complete` at
 * all, goes on. Presence is tested first (`Not: { IsPresent: true }`, as in the build's loops: aws-local-stepfunctions@3
 * never matches `IsPresent: false`, and BooleanEquals on a missing path is a runtime error): an answer without it is
 * one from a function deployed before the loop (a stack update replaces the functions and the state machines in no
 * fixed order), which asked for a wait on every run, so looping on it would never end; it goes on, and DeleteNetwork's
 * poll covers the wait. (The other way round, a machine from before the loop, which waited once on `waitSeconds` and
 * went on, reads the new answers as it read the old.) A Wait whose path is missing would fail the execution
 * (States.Runtime, which no Catch sees): the step answers `complete: false` only with `waitSeconds`.
 */
function loopStates(prefix: string, step: string, resultPath: string, loop: WaitLoop, next: string): States {
  return waitLoopStates({
    choice: `${prefix}${loop.choice}`,
    wait: `${prefix}${loop.wait}`,
    step,
    next,
    resultPath,
    flag: 'complete',
    choiceComment: 'Whether the step asked to wait and look again (complete: false, with waitSeconds)',
    waitComment: loop.comment,
  });
}

export const TEARDOWN_SUCCEEDED = 'Destroyed';

/**
 * The `teardown` machine: DeleteLoadBalancer → TerminateInstances → WaitAsked? (→ WaitForNetworkRelease →
 * TerminateInstances …) → DeleteNetwork → Destroyed.
 */
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
