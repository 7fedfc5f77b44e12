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
 * Seconds to sleep before the next check, a whole number ≥ 1 (Step Functions' SecondsPath takes whole
 * seconds). While the latest expected time is ahead: until then plus secondsUntil's margin, so the next check
 * usually finds everything done. Once it has passed: half the time it is overdue, between MIN_POLL_SECONDS and
 * MAX_POLL_SECONDS, which makes each sleep 1.5 times the one before (overdue o → o + o/2) without carrying a
 * poll count in the state. So at least MIN_POLL_SECONDS, except near `deadlineMs`: the sleep never goes past
 * it, where the last check decides, so within MIN_POLL_SECONDS of it the answer is the whole seconds left (1 to
 * MIN_POLL_SECONDS − 1; 1 once it has passed).
 *
 * A time that is not a finite number (an unreadable `checkingSince`, Date.parse → NaN; no expected time) must not
 * reach the answer: NaN is serialised as null, and a Wait whose SecondsPath finds null fails the execution
 * with no Catch to roll the build back. An expected time that cannot be read says nothing about when AWS will
 * be done, so the sleep is then the shortest poll, MIN_POLL_SECONDS: the next check looks again soon, as
 * after an overdue expected time. A deadline that cannot be read bounds nothing.
 */
export function nextCheckInSeconds(expectedReadyAtMs: readonly number[], nowMs: number, deadlineMs: number): number {
  if (!Number.isFinite(nowMs)) return MIN_POLL_SECONDS;
  const wait = sleepBeforeCheck(Math.max(...expectedReadyAtMs), nowMs);
  return Number.isFinite(deadlineMs) ? Math.min(wait, Math.max(1, Math.ceil((deadlineMs - nowMs) / 1000))) : wait;
}

/** `nextCheckInSeconds` before the deadline's bound, for the latest expected time (any number) and a finite now. */
function sleepBeforeCheck(latest: number, nowMs: number): number {
  if (!Number.isFinite(latest)) return MIN_POLL_SECONDS;
  if (latest > nowMs) return secondsUntil([latest], nowMs);
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil((nowMs - latest) / 2000)));
}

/** The wait's deadline: READINESS_BOUND_SECONDS after the latest of the starts (epoch ms). */
export function readinessDeadline(startedAtMs: readonly number[]): number {
  return Math.max(...startedAtMs) + READINESS_BOUND_SECONDS * 1000;
}
