import { Logger } from '@aws-lambda-powertools/logger';
import { clientsFor, type AwsClients } from './clients';
import { BuildError, InvalidSpec, ResourceNotReady } from './errors';
import type { BuildState } from './contracts';
import { plan, type Plan } from './plan';
import { parseSpecShape, validateSpec, type BuildSpec } from './spec';

/** Everything a step's work function gets: the parsed state, the plan, clients and a logger. */
export interface StepContext<S extends BuildState = BuildState> {
  state: S;
  spec: BuildSpec;
  plan: Plan;
  clients: AwsClients;
  logger: Logger;
}

const BUILD_ID = /^[A-Za-z0-9-_]{1,80}$/;

/** How strictly a step reads the spec: builds apply every rule; teardown only needs its shape (see parseSpecShape). */
export type SpecReading = 'full' | 'shape';

/** Parses a step's input: a build id (the execution name) and a spec that passes the shared schema. */
export function parseStepInput(state: BuildState, reading: SpecReading = 'full'): { spec: BuildSpec; plan: Plan } {
  if (!state || typeof state.buildId !== 'string' || !BUILD_ID.test(state.buildId)) {
    throw new InvalidSpec('buildId: expected the execution name (1–80 letters, digits, "-" or "_")');
  }
  const result = reading === 'full' ? validateSpec(state.spec) : parseSpecShape(state.spec);
  if (!result.ok) {
    throw new InvalidSpec(result.errors.map((e) => `${e.field}: ${e.message}`).join('; '), { details: { errors: result.errors } });
  }
  return { spec: result.spec, plan: plan(result.spec, state.buildId) };
}

/** What a step handler is given from outside, so another runtime can run it unchanged. */
export interface StepDependencies {
  /**
   * The AWS clients for the spec's region. Default: `clientsFor(region)`, from the standard endpoint
   * variables and the Lambda role's credentials. The local runtime gives each step its own role's
   * credentials here, so the embedded cloud authorises every call as AWS would authorise that role.
   */
  clientsFor?: (region: string) => AwsClients;
}

/** A step's Lambda handler; `withDependencies` gives the same handler other clients (the local runtime). */
export type StepHandler<S, R> = ((state: S) => Promise<R>) & { withDependencies(deps: StepDependencies): (state: S) => Promise<R> };

/**
 * Wraps one state's work: validates input, builds clients, logs structured JSON with the build id and the
 * step as persistent keys, and lets errors propagate (Step Functions can only Retry/Catch what is thrown).
 */
export function stepHandler<R, S extends BuildState = BuildState>(
  step: string,
  work: (ctx: StepContext<S>) => Promise<R>,
  reading: SpecReading = 'full',
): StepHandler<S, R> {
  const handle =
    (deps: StepDependencies) =>
    async (state: S): Promise<R> => {
      const logger = new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { step, buildId: state?.buildId } });
      const { spec, plan: buildPlan } = parseStepInput(state, reading);
      const started = Date.now();
      try {
        const clients = deps.clientsFor ? deps.clientsFor(spec.region) : clientsFor(spec.region);
        const result = await work({ state, spec, plan: buildPlan, clients, logger });
        logger.info('step finished', { durationMs: Date.now() - started });
        return result;
      } catch (error) {
        if (error instanceof ResourceNotReady) logger.info('not ready yet', { reason: error.message });
        else
          logger.error('step failed', {
            errorName: (error as Error)?.name,
            error: error as Error,
            retryable: error instanceof BuildError ? error.retryable : undefined,
          });
        throw error;
      }
    };
  return Object.assign(handle({}), { withDependencies: handle });
}
