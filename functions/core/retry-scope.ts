import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * What the SDK retry strategy (retry-strategy.ts) knows about where it runs. One strategy object serves every
 * call of a client, and the local runtime runs many invocations of one function at once, so what differs per
 * invocation (its deadline, its logger) and per call (the operation) travels in AsyncLocalStorage, which follows
 * each call through its promises.
 */

/** Where a step reads the time (simulated in the local runtime's tests and benchmarks). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Waits `ms` on this clock. A clock with timers of its own (the local runtime's event clock) has it, and then every
   * wait a step makes (an SDK backoff, a paced launch) goes through it; otherwise the step sleeps in real time.
   */
  sleep?(ms: number): Promise<void>;
  /** Runs one AWS call as work the clock waits for (the local event clock stands still until the call settles). */
  during?<T>(call: () => Promise<T>): Promise<T>;
}

/** The system's clock: the default of every function, and of the retry strategy outside the local runtime. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * One Lambda invocation, as its handler sets it around its work: a step's (`createStepHandler`), an operations
 * request's or the orphan report's (functions/handlers/operations.ts, orphan-report.ts). See `invocationScope`.
 */
export interface InvocationScope {
  /** Clock ms after which no throttled call is resent: the SDK throws the throttle, the step fails as AwsThrottled. */
  deadline: number;
  /** The clock `deadline` is read on (simulated in the local runtime). */
  clock: Clock;
  /** The invocation's logger: a throttle retry logs one WARN line here. */
  logger: Pick<Logger, 'warn'>;
  /** Throttled calls resent so far in this invocation (the step logs the count when it ends). */
  throttleRetries: number;
}

const invocations = new AsyncLocalStorage<InvocationScope>();

/** What the deadline needs of a Lambda context (aws-lambda's `Context` has it): the invocation's remaining time. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** How a function sets its invocations' deadline (`invocationScope`). */
export interface DeadlinePolicy {
  /**
   * Time kept after the last resend of a throttled call: for the work to throw, log and answer before Lambda ends
   * the invocation (a timed-out invocation loses its error and its answer: States.Timeout, a 502/504).
   */
  marginMs: number;
  /**
   * The remaining time assumed without a Lambda context (a test, a script, the local runtime's API): the function's
   * timeout, as if the invocation had just started.
   */
  withoutContextMs: number;
}

/**
 * A scope for one invocation starting now: no throttled call is resent past the Lambda's remaining time
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html) less `policy.marginMs`, on `clock` (the
 * local runtime's Lambda contexts count simulated time, as its clock does). Every AWS call the invocation makes
 * shares this one deadline, however many it makes in a row: outside a scope, each call would get its own
 * budget (retry-strategy.ts THROTTLE_BUDGET_WITHOUT_SCOPE_MS) and a sequence of them could outlive the Lambda.
 */
export function invocationScope(
  clock: Clock,
  context: Partial<RemainingTime> | undefined,
  logger: InvocationScope['logger'],
  policy: DeadlinePolicy,
): InvocationScope {
  const remainingMs =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : policy.withoutContextMs;
  return { deadline: clock.now() + remainingMs - policy.marginMs, clock, logger, throttleRetries: 0 };
}

/** Runs `work` (and every AWS call it makes) within `scope`. */
export function withinInvocation<T>(scope: InvocationScope, work: () => Promise<T>): Promise<T> {
  return invocations.run(scope, work);
}

/** The invocation the current AWS call belongs to; undefined outside a step (the operations API, a script). */
export function currentInvocation(): InvocationScope | undefined {
  return invocations.getStore();
}

/** One SDK call, as the naming middleware sees it: what a throttle WARN line names. */
export interface CallScope {
  /** The API action, e.g. `CreateRoute`. */
  operation?: string;
  /** The client's service, e.g. `EC2`, `ElasticLoadBalancingV2` (not `service`: Powertools' key for our own name). */
  awsService?: string;
}

const calls = new AsyncLocalStorage<CallScope>();

/** The SDK call the retry strategy is deciding about, if the client names its calls (`nameEachCall`). */
export function currentCall(): CallScope | undefined {
  return calls.getStore();
}

/**
 * The part of an SDK client's middleware stack that `nameEachCall` uses (generic in the arguments and output,
 * which it only passes on, so that every client's stack fits without an @smithy import).
 */
interface NamingMiddlewareStack {
  add<A, R>(
    middleware: (next: (args: A) => Promise<R>, context: { commandName?: string; clientName?: string }) => (args: A) => Promise<R>,
    options: { step: 'initialize'; name: string },
  ): void;
}

/**
 * Adds a middleware that runs the rest of each call (the SDK's retry middleware included) within a CallScope
 * naming it. The retry strategy's interface is told only the error, never the operation; the handler context
 * names the command (`CreateRouteCommand`) and the client (`EC2Client`).
 */
export function nameEachCall<C extends { middlewareStack: NamingMiddlewareStack }>(client: C, clock?: Clock): C {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const named = () =>
        calls.run(
          { operation: withoutSuffix(context.commandName, 'Command'), awsService: withoutSuffix(context.clientName, 'Client') },
          () => next(args),
        );
      // The whole call, its resends included, is work the clock waits for (its backoffs excepted: they sleep on it).
      return clock?.during ? clock.during(named) : named();
    },
    { step: 'initialize', name: 'nameCallForRetries' },
  );
  return client;
}

function withoutSuffix(name: string | undefined, suffix: string): string | undefined {
  return name?.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}
