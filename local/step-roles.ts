import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { clientsFor, type StaticCredentials } from '../functions/core/clients';
import { systemClock } from '../functions/core/retry-scope';
import { SERVICE_NAME, type Clock, type StepHandler } from '../functions/core/step-handler';
import { policyDocument, type Grant } from '../infra/iam';
import { STEP_PERMISSIONS } from '../infra/permissions';
import { STEP_FUNCTIONS, STEP_LAMBDA_TIMEOUT_SECONDS, type StepFunctionId } from '../workflows/steps';
import type { EmbeddedCloud } from './cloud';
import type { IssuedCredentials } from './cloud/iam';
import { lambdaContext } from './lambda-context';
import { loadHandler, type LocalHandler } from './stepfunctions/tasks';
import { WAIT_UNTIL_FIELD } from '../workflows/scale';

/**
 * Each step's Lambda as the deployed stack runs it: under its own role, whose policy is the step's row of
 * the permission table (infra/permissions.ts — the table the CDK stack renders). In the embedded cloud the
 * role is created in its IAM and the handler gets that role's credentials through its dependencies, so
 * every call the step makes is authorised as AWS would authorise it. Endpoints are passed the same way,
 * never through process.env.
 */

/** The standard endpoint variables (`AWS_ENDPOINT_URL_EC2`…) that name where the handlers' clients go. */
export type Endpoints = Record<string, string | undefined>;

/** Lets a test change one step's permissions (e.g. drop one action) before its role is created. */
export type PermissionOverride = (step: StepFunctionId, grants: Grant[]) => Grant[];

export interface StepRoles {
  /** The handler for a Task's handler name, running under its step's role. */
  handler(name: string): LocalHandler;
  /** Each step's role session credentials (absent with external endpoints: their own credentials apply). */
  credentials: Partial<Record<StepFunctionId, IssuedCredentials>>;
  /**
   * Credentials for a function outside the workflows, under its own role whose policy is `grants` (its rows of
   * infra/operations-permissions.ts), made once per name; with external endpoints, their credentials.
   */
  functionCredentials(name: FunctionRoleName, grants: Grant[]): StaticCredentials | undefined;
}

/** The functions outside the workflows whose AWS calls the cloud checks (api calls only the local Step Functions, which checks none). */
export type FunctionRoleName = 'operations' | 'orphan-report' | 'notify';

export interface StepRolesOptions {
  endpoints: Endpoints;
  cloud?: EmbeddedCloud;
  override?: PermissionOverride;
  /** The steps' log level (the deployed functions read POWERTOOLS_LOG_LEVEL). */
  logLevel: LogLevel;
  region: string;
  /** Credentials for external endpoints (LocalStack, moto), which accept any. */
  externalCredentials?: StaticCredentials;
  /**
   * The simulated clock (the embedded cloud's): steps read the time on it, their Lambda context's remaining
   * time runs on it, and so do their SDK clients' retry budgets and backoffs. Default: the system clock.
   */
  clock?: Clock;
  /**
   * Simulated seconds per real second of `clock` (the stack's timeScale): SDK backoffs sleep delay / timeScale
   * real ms, and a step's `waitSeconds` becomes a real `waitUntil` through it (`scaleWaitRequest`). Default 1.
   */
  timeScale?: number;
  /**
   * Whether the definitions the steps answer to are scaled (workflows/scale.ts), so that a step's `waitSeconds`
   * needs a real `waitUntil` beside it (default true). False on the event clock: its definitions run as deployed.
   */
  scaleWaits?: boolean;
}

const STEP_OF_HANDLER = new Map(Object.entries(STEP_FUNCTIONS).map(([id, entry]) => [entry.handler as string, id as StepFunctionId]));
const LOCAL_ACCOUNT = '000000000000';

/**
 * One handler per function for the runtime's life, as one warm Lambda container: its logger is made once,
 * and each invocation gets a Lambda context of its own (request id, function name).
 */
export function createStepRoles(options: StepRolesOptions): StepRoles {
  const credentials: StepRoles['credentials'] = {};
  const functions = new Map<string, LocalHandler>();
  const roleCredentials = (step: StepFunctionId): StaticCredentials | undefined => {
    const iam = options.cloud?.iam;
    if (!iam) return options.externalCredentials;
    const grants = options.override ? options.override(step, STEP_PERMISSIONS[step]) : STEP_PERMISSIONS[step];
    credentials[step] ??= iam.account.assumeRole(
      `k8s-ec2-builder-${step}`,
      `k8s-ec2-builder-${STEP_FUNCTIONS[step].handler}`,
      policyDocument(grants, iam.partition, iam.accountId),
    );
    return credentials[step];
  };
  const clock = options.clock ?? systemClock;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`timeScale must be a positive number of simulated seconds per real second, got ${timeScale}`);
  }
  const asFunction = (name: string): LocalHandler => {
    const step = STEP_OF_HANDLER.get(name);
    const handler = loadHandler(name) as LocalHandler & Partial<Pick<StepHandler<unknown, unknown>, 'withDependencies'>>;
    if (!step || !handler.withDependencies) return handler;
    const session = roleCredentials(step);
    const run = handler.withDependencies({
      clientsFor: (region) => clientsFor(region, options.endpoints, session, { retry: { clock, delayScale: timeScale } }),
      logger: new Logger({ serviceName: SERVICE_NAME, logLevel: options.logLevel }),
      clock,
    });
    const functionName = `k8s-ec2-builder-${name}`;
    const account = options.cloud?.iam.accountId ?? LOCAL_ACCOUNT;
    // The Lambda timeout counts simulated seconds, like everything else a step measures.
    const now = () => clock.now();
    const answer = (result: unknown) => (options.scaleWaits === false ? result : scaleWaitRequest(result, timeScale));
    return async (input) =>
      answer(await run(input, lambdaContext(functionName, options.region, account, STEP_LAMBDA_TIMEOUT_SECONDS, now)));
  };
  const functionSessions = new Map<FunctionRoleName, IssuedCredentials>();
  const functionCredentials = (name: FunctionRoleName, grants: Grant[]): StaticCredentials | undefined => {
    const iam = options.cloud?.iam;
    if (!iam) return options.externalCredentials;
    let session = functionSessions.get(name);
    if (!session) {
      // Named like the step roles (k8s-ec2-builder-<name>), so /_cloud/stats and denials name the function.
      session = iam.account.assumeRole(
        `k8s-ec2-builder-${name}`,
        `k8s-ec2-builder-${name}`,
        policyDocument(grants, iam.partition, iam.accountId),
      );
      functionSessions.set(name, session);
    }
    return session;
  };
  return {
    credentials,
    functionCredentials,
    handler(name) {
      let fn = functions.get(name);
      if (!fn) functions.set(name, (fn = asFunction(name)));
      return fn;
    },
  };
}

/**
 * A step's answer as the local state machine is to read it: beside a top-level numeric `waitSeconds` (the
 * WaitRequest of functions/core/expected-latency.ts, simulated seconds) goes `waitUntil`, the real instant
 * that many simulated seconds from now (÷ the time scale). The local definitions read it through a
 * TimestampPath where the deployed ones read `waitSeconds` through a SecondsPath (workflows/scale.ts):
 * aws-local-stepfunctions, like Step Functions, takes only whole seconds through SecondsPath, and 145 s at
 * ×60 would have to round to 3 real seconds (180 simulated), while a timestamp keeps the millisecond. A copy,
 * with `waitSeconds` and every other field as they are; anything else is returned unchanged.
 */
export function scaleWaitRequest(result: unknown, timeScale: number, realNow: () => number = Date.now): unknown {
  if (!isRecord(result) || typeof result.waitSeconds !== 'number') return result;
  return { ...result, [WAIT_UNTIL_FIELD]: new Date(realNow() + (result.waitSeconds * 1000) / timeScale).toISOString() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
