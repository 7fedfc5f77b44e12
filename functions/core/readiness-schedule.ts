import { MIN_POLL_SECONDS, secondsUntil } from './expected-latency';

/**
 * When WaitUntilReady checks again (docs/design.md "13.3 Readiness: wait once, then poll"). The step answers
 * `waitSeconds` and the `ExpectReady` Wait sleeps that long: first until AWS is expected to be done (the
 * latest expected time of what is still pending, from EXPECTED_SECONDS), then, once that has passed, a short
 * poll that grows. Pure time arithmetic on epoch milliseconds, so it reads the same on the step's clock in
 * Lambda and on the simulated clock of the local runtime.
 */

/**
 * The longest sleep between two checks once something is overdue. A status check or an NLB that late is
 * usually minutes away, so polling faster only spends calls; slower would add up to this much latency
 * after it is done.
 */
export const MAX_POLL_SECONDS = 30;

/**
 * The whole wait's bound: 20 minutes from the latest start (a launch, the NLB's creation), the bound the
 * step had when the state machine polled it (READINESS_RETRY: 240 × 5 s = 1,200 s, workflows/policies.ts;
 * test/workflows/definitions.test.ts keeps the two equal). Past it, what is still not ready fails the build
 * and the Catch rolls it back.
 */
export const READINESS_BOUND_SECONDS = 1200;

/**
 * Seconds to sleep before the next check, a whole number ≥ MIN_POLL_SECONDS (Step Functions' SecondsPath
 * takes whole seconds). While the latest expected time is ahead: until then plus secondsUntil's margin, so
 * the next check usually finds everything done. Once it has passed: half the time it is overdue, between
 * MIN_POLL_SECONDS and MAX_POLL_SECONDS, which makes each sleep 1.5 times the one before (overdue o → o + o/2)
 * without carrying a poll count in the state. Never past `deadlineMs`, where the last check decides.
 */
export function nextCheckInSeconds(expectedReadyAtMs: readonly number[], nowMs: number, deadlineMs: number): number {
  const latest = Math.max(...expectedReadyAtMs);
  const wait =
    latest > nowMs
      ? secondsUntil([latest], nowMs)
      : Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil((nowMs - latest) / 2000)));
  return Math.min(wait, Math.max(1, Math.ceil((deadlineMs - nowMs) / 1000)));
}

/** The wait's deadline: READINESS_BOUND_SECONDS after the latest of the starts (epoch ms). */
export function readinessDeadline(startedAtMs: readonly number[]): number {
  return Math.max(...startedAtMs) + READINESS_BOUND_SECONDS * 1000;
}
