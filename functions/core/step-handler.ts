import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { STEP_LAMBDA_TIMEOUT_SECONDS } from '../../workflows/steps';
import { isBuildId } from './build-ids';
import { clientsFor, type AwsClients } from './clients';
import type { BuildState } from './contracts';
import { AwaitingAction, BuildError, ResourceNotReady, WorkflowContractError } from './errors';
import { plan, type Plan } from './plan';
import { invocationScope, systemClock, withinInvocation, type Clock, type DeadlinePolicy, type InvocationScope } from './retry-scope';
import type { BuildSpec } from './spec';
import { isReadableSpecVersion, readVersionedSpec, SPEC_VERSION } from './spec-validation';

/** The Powertools service name on every log line of every function. */
export const SERVICE_NAME = 'k8s-ec2-builder';

export type { Clock } from './retry-scope';

/** Everything a step's work function gets: the state, the spec and plan read from it, clients, a logger, the clock. */
export interface StepContext<S extends BuildState = BuildState> {
  state: S;
  spec: BuildSpec;
  plan: Plan;
  clients: AwsClients;
  /** This invocation's logger: Lambda context, build id, step and execution ARN on every line. */
  logger: Logger;
  clock: Clock;
}

/**
 * Reads a step's input: the build id (the build execution's name) and the spec the API stored normalised
 * (docs/design.md "3.4 Validated once, stored normalised"). Nothing is defaulted and no rule re-applied
 * here. Input the API could not have written is a WorkflowContractError: our bug (or a hand-made input),
 * never the user's spec, and never retried.
 */
export function parseStepInput(state: BuildState): { spec: BuildSpec; plan: Plan } {
  if (!state || typeof state.buildId !== 'string' || !isBuildId(state.buildId)) {
    throw new WorkflowContractError('$.buildId: expected the build execution name (1–80 letters, digits, "-" or "_")');
  }
  if (!isReadableSpecVersion(state.specVersion)) {
    throw new WorkflowContractError(
      `$.specVersion: this release reads normalised specs up to version ${SPEC_VERSION}, the input has ${JSON.stringify(state.specVersion)}; ` +
        'start executions through the API (POST /builds, DELETE /builds/{id}), which writes it',
    );
  }
  const result = readVersionedSpec(state.specVersion, state.spec);
  if (!result.ok) {
    const problems = result.errors.map((e) => `$.spec.${e.field}: ${e.message}`).join('; ');
    throw new WorkflowContractError(problems, { details: { errors: result.errors } });
  }
  return { spec: result.spec, plan: plan(result.spec, state.buildId, typeof state.deployment === 'string' ? state.deployment : undefined) };
}

/** What a step handler is given from outside, so another runtime can run it unchanged. */
export interface StepDependencies {
  /**
   * The AWS clients for the spec's region. Default: `clientsFor(region)`, from the standard endpoint
   * variables and the Lambda role's credentials. The local runtime gives each step its own role's
   * credentials and the embedded cloud's endpoints here, so every call is authorised as AWS would.
   */
  clientsFor?: (region: string) => AwsClients;
  /** The function's logger. Default: one Powertools Logger (level from POWERTOOLS_LOG_LEVEL). */
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
}

/** A step's Lambda handler; `withDependencies` makes the same handler with other dependencies (the local runtime). */
export type StepHandler<S, R> = ((state: S, context?: Context) => Promise<R>) & {
  withDependencies(deps: StepDependencies): (state: S, context?: Context) => Promise<R>;
};

/**
 * Wraps one state's work: reads the input, gets clients, logs structured JSON and lets errors propagate
 * (Step Functions can only Retry/Catch what is thrown).
 *
 * One Logger per function (module), made when the handler is; each invocation logs through a child of it
 * that carries the Lambda context (Powertools' `function_request_id`, `function_name`, `cold_start`…) and
 * `buildId`, `step` and `executionArn`. A child per invocation, not `appendKeys` on the one logger: the
 * local runtime runs many executions' invocations of one function at once, and keys appended by one
 * would show on another's lines.
 */
export function createStepHandler<R, S extends BuildState = BuildState>(
  step: string,
  work: (ctx: StepContext<S>) => Promise<R>,
): StepHandler<S, R> {
  const make = (deps: StepDependencies) => {
    const functionLogger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
    const clock = deps.clock ?? systemClock;
    let coldStart = true;
    return async (state: S, context?: Context): Promise<R> => {
      const logger = invocationLogger(
        functionLogger,
        { step, buildId: state?.buildId, executionArn: state?.executionArn },
        context,
        coldStart,
      );
      coldStart = false;
      const started = clock.now();
      const invocation = invocationScope(clock, context, logger, STEP_DEADLINE);
      try {
        const { spec, plan: buildPlan } = parseStepInput(state);
        const clients = deps.clientsFor ? deps.clientsFor(spec.region) : clientsFor(spec.region);
        const result = await withinInvocation(invocation, () => work({ state, spec, plan: buildPlan, clients, logger, clock }));
        logger.info('step finished', { durationMs: clock.now() - started, ...throttleCount(invocation) });
        return result;
      } catch (error) {
        logFailure(logger, error, invocation);
        throw error;
      }
    };
  };
  return Object.assign(make({}), { withDependencies: make });
}

/**
 * Time the handler keeps after its last AWS retry, to throw, log and return before Lambda ends the invocation
 * (a timed-out invocation reaches the state machine as States.Timeout, without our error or its logs).
 */
export const AWS_RETRY_MARGIN_MS = 10_000;

/**
 * Until when the SDK may resend a step's throttled calls (core/retry-strategy.ts): the Lambda's remaining time
 * less AWS_RETRY_MARGIN_MS; without a context (a test, a script), as if the invocation had just started with the
 * steps' Lambda timeout (core/retry-scope.ts `invocationScope`).
 */
const STEP_DEADLINE: DeadlinePolicy = { marginMs: AWS_RETRY_MARGIN_MS, withoutContextMs: STEP_LAMBDA_TIMEOUT_SECONDS * 1000 };

/** The SDK's throttle retries in this invocation, on the step's last line when there were any. */
function throttleCount(invocation: InvocationScope): { throttleRetries?: number } {
  return invocation.throttleRetries > 0 ? { throttleRetries: invocation.throttleRetries } : {};
}

/**
 * One line per failed invocation, at the level of what it means for the build: waiting is INFO; an error the
 * state machine retries (BuildError with `retryable`: AwsThrottled, AwsUnavailable, NotYetVisible) is a WARN
 * without a stack, since the build goes on; only a terminal or unknown error is an ERROR with the error
 * object (stack and cause), because the build stops or rolls back on it.
 */
function logFailure(logger: Logger, error: unknown, invocation: InvocationScope): void {
  if (error instanceof ResourceNotReady) logger.info('not ready yet', { reason: error.message });
  else if (error instanceof AwaitingAction) logger.info('waiting for a person', { reason: error.message });
  else if (error instanceof BuildError && error.retryable) {
    logger.warn('step will be retried by the state machine', {
      errorName: error.name,
      // Not `message`: Powertools reserves that key (the line's own message) and drops it.
      errorMessage: error.message,
      awsCode: error.awsCode,
      ...throttleCount(invocation),
    });
  } else {
    logger.error('step failed', { errorName: (error as Error)?.name, error: error as Error, retryable: isRetryable(error) });
  }
}

function isRetryable(error: unknown): boolean | undefined {
  return error instanceof BuildError ? error.retryable : undefined;
}

/**
 * A child of the function's logger for one invocation. Powertools counts cold starts per Logger instance
 * (the first `addContext` records `cold_start: true`), so a child is always "cold": for a warm invocation
 * the context is added twice, the first use spends the child's own cold start, and `cold_start` then says
 * whether this function's container was new, as it does in Lambda.
 */
function invocationLogger(functionLogger: Logger, keys: Record<string, string | undefined>, context: Context | undefined, cold: boolean) {
  const logger = functionLogger.createChild({ persistentKeys: definedOnly(keys) });
  if (context) {
    if (!cold) logger.addContext(context);
    logger.addContext(context);
  }
  return logger;
}

function definedOnly(keys: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
