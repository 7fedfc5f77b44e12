import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { codeOf } from './errors';
import { currentCall, currentInvocation, type Clock } from './retry-scope';

/**
 * How every AWS SDK client of ours resends a failed request (core/clients.ts builds them all with it).
 *
 * Throttling (RequestLimitExceeded, Throttling…) should not fail a build: EC2 and ELBv2 throttle per account
 * and region, with token buckets shared by every other workload there, and AWS's advice is to back off and
 * try again (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, "Retries and
 * exponential backoff"). So a throttled request is resent with no attempt cap, for as long as the wait before
 * the next attempt ends before a deadline: the invocation's (Lambda's remaining time less a margin, set by
 * core/step-handler.ts), or THROTTLE_BUDGET_WITHOUT_SCOPE_MS from the first attempt outside a step. Past it,
 * the SDK throws the throttle, the step fails as AwsThrottled, and the state machine's THROTTLE_RETRY
 * (workflows/policies.ts) runs the step again minutes later.
 *
 * Other failures keep the SDK's standard mode (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
 * a transient or server error is resent for at most TRANSIENT_ATTEMPTS attempts in all; a client error
 * (4xx other than a throttle) never is. One difference: the SDK's standard strategy resends no SERVER_ERROR
 * (a 5xx other than 500/502/503/504); we do, as errors.ts reads every 5xx as AwsUnavailable, retried anyway.
 * The standard mode's retry quota (a client-wide bucket that stops retries during an outage) is left out:
 * every resend here is already bounded by attempts or by time, and a step that fails goes back to the state
 * machine, which backs off across invocations.
 *
 * Why not the SDK's adaptive mode (AdaptiveRetryStrategy: the standard strategy plus DefaultRateLimiter, a
 * client-side token bucket that slows even first attempts after a throttle). It does not fit here:
 * (1) the limiter measures sending rates and waits on Date.now() and real timers, so in the local runtime it
 * would pace in real seconds while the embedded cloud's buckets refill `timeScale` times faster, on the
 * simulated clock every other wait runs on; (2) its state lives
 * in one client of one Lambda container (one per concurrent invocation), while the buckets it would match are
 * the account's, drained by every other container, build and workload: what one container learns says little
 * about the account's rate, and a new container starts over; (3) AWS recommends it only for clients of a
 * single resource (sdkref, "Choosing a retry mode"): EC2 keeps separate buckets for categories of actions
 * (non-mutating, mutating, resource-intensive…), so one `ec2` client throttled on its Describes would also
 * slow unrelated CreateRoute calls; (4) it keeps the standard attempt cap that this strategy exists to lift.
 * Backing off with full jitter, bounded by the invocation's time, spreads the load without any of that.
 */

/** The SDK's retry strategy interface, taken from the client config so that no @smithy package is imported. */
export type RetryStrategyV2 = Extract<NonNullable<EC2ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

/**
 * Backoff of a throttled request: full jitter over min(cap, base × 2^retry). A 1 s base, as the SDK's own
 * throttling base (its 2026 retry defaults): EC2's buckets refill per second, so a resend sooner mostly meets
 * an empty bucket again. A 20 s cap, the SDK's maximum backoff: within a step's ~50 s budget a throttle storm
 * still gets a few more attempts instead of one long sleep.
 */
export const THROTTLE_BACKOFF = { baseMs: 1_000, capMs: 20_000 } as const;
/** Backoff of a transient or server error: the SDK standard mode's 100 ms base and 20 s cap. */
export const TRANSIENT_BACKOFF = { baseMs: 100, capMs: 20_000 } as const;
/** Attempts in all for a transient or server error, as the SDK's standard mode. */
export const TRANSIENT_ATTEMPTS = 3;
/**
 * How long a throttled call is resent outside a step's invocation (the operations API, the orphan report,
 * scripts), from its first attempt: well inside API Gateway's 29 s integration timeout.
 */
export const THROTTLE_BUDGET_WITHOUT_SCOPE_MS = 20_000;

export interface RetryOptions {
  /**
   * Measures the budget outside an invocation (inside one, its own clock and deadline apply); default the
   * system clock. The local runtime passes its simulated clock.
   */
  clock?: Clock;
  /**
   * Simulated ms per real ms: delays are computed on `clock` and the SDK sleeps `delay / delayScale` real ms
   * (the local runtime's `timeScale`, so a 4 s backoff takes 4 / timeScale real seconds). Default 1.
   */
  delayScale?: number;
  /** Uniform on [0, 1); default Math.random (tests pass a fixed one). */
  random?: () => number;
}

/** Our token: what has been resent so far, and the real ms the SDK is to sleep before the next attempt. */
class Attempts implements RetryToken {
  constructor(
    /** Clock ms of the first attempt (the budget outside an invocation counts from it). */
    readonly firstAttemptAt: number,
    readonly throttleRetries: number,
    readonly transientRetries: number,
    private readonly realDelayMs: number,
  ) {}

  getRetryCount(): number {
    return this.throttleRetries + this.transientRetries;
  }

  getRetryDelay(): number {
    return this.realDelayMs;
  }
}

/** Resends throttled requests until the deadline and transient or server errors up to TRANSIENT_ATTEMPTS. */
export function retryStrategy(options: RetryOptions = {}): RetryStrategyV2 {
  return strategy(options, true);
}

/**
 * Resends only what the SDK classifies as throttling: requests refused before any work (the `ec2Once` client,
 * whose creates take no ClientToken: any other failure may hide a done request, see core/clients.ts). Throttles
 * are resent as `retryStrategy` does; everything else is rejected at once, so the SDK throws the error.
 */
export function throttleOnlyRetryStrategy(options: RetryOptions = {}): RetryStrategyV2 {
  return strategy(options, false);
}

function strategy({ clock = systemClock, delayScale = 1, random = Math.random }: RetryOptions, resendTransient: boolean): RetryStrategyV2 {
  if (!(delayScale > 0) || !Number.isFinite(delayScale)) throw new RangeError(`delayScale must be a positive number, got ${delayScale}`);
  return {
    acquireInitialRetryToken: () => Promise.resolve(new Attempts(clock.now(), 0, 0, 0)),
    refreshRetryTokenForRetry: (token, info) => {
      const previous = token as Attempts;
      const next = nextAttempt(previous, info, resendTransient, random);
      if (!next || !endsBeforeDeadline(next.delayMs, previous.firstAttemptAt, clock))
        return Promise.reject(info.error ?? new Error('not resent'));
      if (info.errorType === 'THROTTLING') logThrottle(next, info);
      return Promise.resolve(new Attempts(previous.firstAttemptAt, next.throttleRetries, next.transientRetries, next.delayMs / delayScale));
    },
    recordSuccess: () => undefined,
  };
}

const systemClock: Clock = { now: () => Date.now() };

interface NextAttempt {
  throttleRetries: number;
  transientRetries: number;
  /** Wait before the next attempt, in clock ms. */
  delayMs: number;
}

/** The next attempt for this error, or undefined if it is not to be resent. Each kind backs off on its own count. */
function nextAttempt(previous: Attempts, info: RetryErrorInfo, resendTransient: boolean, random: () => number): NextAttempt | undefined {
  const { throttleRetries, transientRetries } = previous;
  if (info.errorType === 'THROTTLING') {
    return { throttleRetries: throttleRetries + 1, transientRetries, delayMs: fullJitter(THROTTLE_BACKOFF, throttleRetries, random) };
  }
  const transient = info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR';
  if (!resendTransient || !transient || transientRetries + 1 >= TRANSIENT_ATTEMPTS) return undefined;
  return { throttleRetries, transientRetries: transientRetries + 1, delayMs: fullJitter(TRANSIENT_BACKOFF, transientRetries, random) };
}

/** "Full jitter": uniform on [0, min(cap, base × 2^retry)], in whole ms. */
function fullJitter(backoff: { baseMs: number; capMs: number }, retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(backoff.capMs, backoff.baseMs * 2 ** retry));
}

/** Whether the wait ends before the invocation's deadline (on its clock), or within the budget outside one. */
function endsBeforeDeadline(delayMs: number, firstAttemptAt: number, clock: Clock): boolean {
  const invocation = currentInvocation();
  if (invocation) return invocation.clock.now() + delayMs <= invocation.deadline;
  return clock.now() + delayMs <= firstAttemptAt + THROTTLE_BUDGET_WITHOUT_SCOPE_MS;
}

/**
 * One WARN line per resent throttle, through the invocation's logger (none outside an invocation): a
 * throttle is expected under load and handled, not an error, but many of them say the account is busy.
 */
function logThrottle(next: NextAttempt, info: RetryErrorInfo): void {
  const invocation = currentInvocation();
  if (!invocation) return;
  invocation.throttleRetries += 1;
  const call = currentCall();
  // `attempt` is the one AWS throttled (1 = the first); `delayMs` is on the clock (simulated ms locally).
  invocation.logger.warn('AWS throttled the call; retrying', {
    operation: call?.operation,
    awsService: call?.awsService,
    attempt: next.throttleRetries + next.transientRetries,
    delayMs: next.delayMs,
    errorCode: codeOf(info.error),
  });
}
