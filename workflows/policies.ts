import { AWAITING_ACTION_ERROR, READINESS_ERROR, THROTTLE_ERRORS, TRANSIENT_ERRORS } from '../functions/core/errors';
import type { Catcher, Retrier, TaskState, Transition } from './asl';
import { STEP_FUNCTIONS, type StepFunctionId } from './steps';

/**
 * The one retry/catch/timeout policy every Task gets. Terminal errors (InvalidSpec, QuotaExceeded…) are
 * deliberately absent from every Retry: retrying a permanent problem only delays the rollback. For the
 * same reason no Retry names `States.ALL` or `States.TaskFailed`.
 */

/**
 * Errors of the Lambda service itself, not of our code: the invocation never ran or its answer was lost,
 * so running the step again is safe (every handler is idempotent). aws-cdk's LambdaInvoke retries the
 * same family (2 s, ×2, 6 attempts). Full jitter spreads parallel branches and builds apart. Lambda's own
 * throttle (`Lambda.TooManyRequestsException`, the concurrency limit) is not here but in THROTTLE_RETRY: a burst
 * of builds meets it first, and like any throttle it must be waited out by time, not by 6 attempts (≤ 90 s).
 */
export const LAMBDA_SERVICE_RETRY: Retrier = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.ClientExecutionTimeoutException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/** Lambda's throttle: the account's (or the function's reserved) concurrency is in use, the invocation never ran. */
export const LAMBDA_THROTTLE_ERROR = 'Lambda.TooManyRequestsException';

/**
 * AWS throttled a step past its invocation's budget: the SDK has already resent the call with backoff until
 * the Lambda's deadline (functions/core/retry-strategy.ts), so the account's buckets are drained for longer
 * than a minute — by a burst of builds or by other workloads in the region. Or Lambda throttled the step's
 * invocation itself (LAMBDA_THROTTLE_ERROR: the account's concurrency is in use, by a burst of builds or other
 * functions). A throttle says the account is busy, not that the build is wrong, so this retry is bounded by
 * time, not by a handful of attempts:
 * capped exponential backoff with full jitter (AWS's advice,
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html) starting at 5 s, doubling to a
 * 60 s cap, for 18 attempts: waits ≤ 5+10+20+40+14×60 = 915 s ≈ 15 min (`retryWaitBound`),
 * on top of each invocation's own ~50 s of SDK retries. Full jitter keeps parallel branches and builds that
 * were throttled together from coming back together.
 */
export const THROTTLE_RETRY: Retrier = {
  ErrorEquals: [...THROTTLE_ERRORS, LAMBDA_THROTTLE_ERROR],
  IntervalSeconds: 5,
  MaxAttempts: 18,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/**
 * Our transient AWS answers (5xx or no answer, eventual consistency), which clear within seconds to a
 * minute: a short capped backoff with full jitter; waits ≤ 2+4+8+16+30+30 = 90 s.
 */
export const TRANSIENT_AWS_RETRY: Retrier = {
  ErrorEquals: [...TRANSIENT_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/**
 * Waiting for AWS (instances booting and passing status checks ≈2–5 min, an NLB provisioning ≈2.5 min,
 * its ENIs lingering after delete): the handler checks once and throws ResourceNotReady; the state machine
 * polls. A steady 5 s poll (BackoffRate 1, no jitter: a poll should not drift) for 240 attempts bounds
 * the waiting at 240 × 5 s = 1,200 s = 20 min, plus the checks' own run time. See `retryWaitBound`.
 * 5 s rather than 10 s: the poll interval is pure latency added after the last resource is ready
 * (half an interval on average), and each poll is one cheap Lambda call of read-only Describes.
 */
export const READINESS_RETRY: Retrier = {
  ErrorEquals: [READINESS_ERROR],
  IntervalSeconds: 5,
  MaxAttempts: 240,
  BackoffRate: 1,
  JitterStrategy: 'NONE',
};

/**
 * Waiting for a person (an attachment to accept in another account): a poll every 30 s for 40 attempts
 * bounds the wait at 20 min like READINESS_RETRY, with a sixth of its Lambda calls and AWS reads — a person
 * takes minutes, and half a poll interval after the acceptance is small beside the attachment's own ≈90 s.
 */
export const AWAITING_ACTION_RETRY: Retrier = {
  ErrorEquals: [AWAITING_ACTION_ERROR],
  IntervalSeconds: 30,
  MaxAttempts: 40,
  BackoffRate: 1,
  JitterStrategy: 'NONE',
};

/** Where a Catch puts the error; the state's own input is kept beside it for the rollback. */
export const ERROR_PATH = '$.error';

/**
 * The longest a retrier can sleep in total before it gives up (jitter only shortens waits):
 * Σ min(IntervalSeconds × BackoffRate^k, MaxDelaySeconds) over k = 0 … MaxAttempts−1.
 */
export function retryWaitBound(retrier: Retrier): number {
  let total = 0;
  for (let attempt = 0; attempt < retrier.MaxAttempts; attempt++) {
    const wait = retrier.IntervalSeconds * retrier.BackoffRate ** attempt;
    total += retrier.MaxDelaySeconds === undefined ? wait : Math.min(wait, retrier.MaxDelaySeconds);
  }
  return total;
}

export interface TaskOptions {
  /** Where the handler's piece goes in the state (`$.network`…); the handler returns only its piece. */
  resultPath: string;
  /** The state that runs after a success: `{ Next }`, or `{ End: true }` at the end of a branch. */
  then: Transition;
  /** The state a failure (after retries) goes to; it finds the error at `$.error`. */
  onError: string;
  /**
   * Whether this step may wait for AWS by throwing ResourceNotReady. Off for checks whose "not ready"
   * is a verdict (Preflight, VerifyBaseline): there it goes straight to the Catch.
   */
  waitsForReadiness: boolean;
  /** Whether this step may wait for a person (AwaitingAction, polled every 30 s). */
  waitsForAction?: boolean;
  comment?: string;
}

/**
 * A Task that invokes one of our Lambdas directly: `Resource` is the `${…FunctionArn}` substitution that
 * the deployed stack fills in (DefinitionSubstitutions) and the local runtime resolves by state name.
 */
export function lambdaTask(step: StepFunctionId, options: TaskOptions): TaskState {
  const { substitution, timeoutSeconds } = STEP_FUNCTIONS[step];
  const catchAll: Catcher = { ErrorEquals: ['States.ALL'], ResultPath: ERROR_PATH, Next: options.onError };
  return {
    Type: 'Task',
    ...(options.comment ? { Comment: options.comment } : {}),
    Resource: `\${${substitution}}`,
    ResultPath: options.resultPath,
    TimeoutSeconds: timeoutSeconds,
    // Copies, so that a caller editing one Task (e.g. scaling) never edits every other Task.
    Retry: [
      LAMBDA_SERVICE_RETRY,
      THROTTLE_RETRY,
      TRANSIENT_AWS_RETRY,
      ...(options.waitsForReadiness ? [READINESS_RETRY] : []),
      ...(options.waitsForAction ? [AWAITING_ACTION_RETRY] : []),
    ].map((retrier) => structuredClone(retrier)),
    Catch: [catchAll],
    ...options.then,
  };
}
