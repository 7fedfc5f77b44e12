import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { AWS_THROTTLE_CODES, codeOf } from './errors';
import { currentCall, currentInvocation, systemClock, type Clock } from './retry-scope';

/**
 * How every AWS SDK client of ours resends a failed request (core/clients.ts builds them all with it).
 *
 * Throttling (RequestLimitExceeded, Throttling…) should not fail a build: EC2 and ELBv2 throttle per account
 * and region, with token buckets shared by every other workload there, and AWS's advice is to back off and
 * try again (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, "Retries and
 * exponential backoff"). So a throttled request is resent with no attempt cap, for as long as the wait before
 * the next attempt ends before a deadline: the invocation's (Lambda's remaining time less a margin: a step's,
 * set by core/step-handler.ts, or an operations request's or the orphan report's, core/retry-scope.ts
 * `invocationScope`), or THROTTLE_BUDGET_WITHOUT_SCOPE_MS from the first attempt outside any invocation (a
 * script). Past it, the SDK throws the throttle, the step fails as AwsThrottled, and the state machine's
 * THROTTLE_RETRY (workflows/policies.ts) runs the step again minutes later.
 *
 * What a throttle is comes from our own table, not from the SDK: an error whose code (as errors.ts `codeOf`
 * reads it) is one of AWS_THROTTLE_CODES, the codes errors.ts translates to AwsThrottled (`isThrottle`). The
 * SDK's errorType 'THROTTLING' also covers any HTTP 429 and names such as LimitExceededException (IAM's quota
 * on roles and instance profiles, a QuotaExceeded here), TransactionInProgressException and
 * BandwidthLimitExceeded (@smithy/core's service-error-classification THROTTLING_ERROR_CODES): resending an
 * account at its IAM quota for a minute, logging "AWS throttled the call", would only delay a terminal error.
 *
 * Other failures keep the SDK's standard mode (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
 * a transient or server error is resent for at most TRANSIENT_ATTEMPTS attempts in all; a client error
 * (4xx other than a throttle) never is. An SDK 'THROTTLING' that is not ours is read by its HTTP status as
 * errors.ts reads it: a 5xx like a server error (errors.ts: AwsUnavailable), anything else as a client error,
 * never resent, so a quota error (IAM's LimitExceeded, HTTP 409) surfaces at once; errors.ts does not read
 * the others as retryable either (unknown codes are rethrown unchanged), so resending them here would only
 * delay the same failure. One more difference: the SDK's standard strategy resends no SERVER_ERROR (a 5xx
 * other than 500/502/503/504); we do, as errors.ts reads every 5xx as AwsUnavailable, retried anyway.
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
/**
 * Backoff of a transient or server error: the SDK standard mode's base and cap as installed (@smithy/core
 * util-retry: StandardRetryStrategy's base is `Retry.delay()`, 50 ms in its 2026 retry defaults, and
 * MAXIMUM_RETRY_DELAY is 20 s; the older DEFAULT_RETRY_DELAY_BASE of 100 ms is still exported but unused).
 */
export const TRANSIENT_BACKOFF = { baseMs: 50, capMs: 20_000 } as const;
/** Attempts in all for a transient or server error, as the SDK's standard mode. */
export const TRANSIENT_ATTEMPTS = 3;
/**
 * How long a throttled call is resent outside any invocation scope (a script, a test: the steps, the operations
 * API and the orphan report each run within one, core/retry-scope.ts), from its first attempt: well inside API
 * Gateway's 29 s integration timeout.
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
 * Resends only throttles (`isThrottle`): requests refused before any work (the `ec2Once` client, whose creates
 * take no ClientToken: any other failure may hide a done request, see core/clients.ts). Throttles are resent as
 * `retryStrategy` does; everything else is rejected at once, so the SDK throws the error.
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
      if (next.throttleRetries > previous.throttleRetries) logThrottle(next, info);
      // A clock with timers of its own waits out the backoff itself; the SDK then resends at once.
      if (clock.sleep) {
        return clock.sleep(next.delayMs).then(() => new Attempts(previous.firstAttemptAt, next.throttleRetries, next.transientRetries, 0));
      }
      return Promise.resolve(new Attempts(previous.firstAttemptAt, next.throttleRetries, next.transientRetries, next.delayMs / delayScale));
    },
    recordSuccess: () => undefined,
  };
}

interface NextAttempt {
  throttleRetries: number;
  transientRetries: number;
  /** Wait before the next attempt, in clock ms. */
  delayMs: number;
}

/**
 * Whether AWS throttled the request, by our table: its code (`codeOf`: an SDK error's `Code`, `code` or `name`)
 * is one errors.ts reads as AwsThrottled. Not the SDK's errorType 'THROTTLING' (see the top of this file).
 */
export function isThrottle(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && AWS_THROTTLE_CODES.includes(code);
}

/** The next attempt for this error, or undefined if it is not to be resent. Each kind backs off on its own count. */
function nextAttempt(previous: Attempts, info: RetryErrorInfo, resendTransient: boolean, random: () => number): NextAttempt | undefined {
  const { throttleRetries, transientRetries } = previous;
  if (isThrottle(info.error)) {
    return { throttleRetries: throttleRetries + 1, transientRetries, delayMs: fullJitter(THROTTLE_BACKOFF, throttleRetries, random) };
  }
  if (!resendTransient || !isTransient(info) || transientRetries + 1 >= TRANSIENT_ATTEMPTS) return undefined;
  return { throttleRetries, transientRetries: transientRetries + 1, delayMs: fullJitter(TRANSIENT_BACKOFF, transientRetries, random) };
}

/**
 * A transient or server error to the SDK, or an SDK 'THROTTLING' that is not ours with a 5xx status (the SDK
 * checks its throttling list first; without it the error would be TRANSIENT or SERVER_ERROR). A 'THROTTLING'
 * with any other status (IAM's LimitExceeded quota is a 409, a bare 429) is a client error: never resent.
 */
function isTransient(info: RetryErrorInfo): boolean {
  if (info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR') return true;
  const status = (info.error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return info.errorType === 'THROTTLING' && status !== undefined && status >= 500;
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
