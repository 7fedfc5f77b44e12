import { Logger } from '@aws-lambda-powertools/logger';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createProxyHandler, type ProxyHandlerDeps } from '../api/proxy-handler';
import type { AwsClients } from '../core/clients';
import { invocationScope, systemClock, withinInvocation, type Clock, type DeadlinePolicy, type RemainingTime } from '../core/retry-scope';
import { readClientsFor } from '../ops/clients';
import { createPricingClient } from '../ops/pricing-client';
import { OPERATION_ROUTES } from '../ops/router';

/**
 * The operations function (docs/design.md "12. Operating builds"): POST /plans, POST /builds/{id}/verify,
 * GET /orphans, POST /orphans/{buildId}/sweep. Its role reads the account (EC2, ELBv2, IAM, Service Quotas,
 * the Price List) and may start the teardown state machine; it changes nothing itself.
 * Env: BUILD_STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN (the region is theirs), AWS_ENDPOINT_URL_* as every client reads them.
 */
export interface OperationsDeps extends ProxyHandlerDeps {
  /** Default: `clientsFor(region)` under the function's role. The local runtime passes its role's credentials and the cloud's endpoints. */
  clientsFor?: (region: string) => AwsClients;
  /** Default: a Price List Query API client in us-east-1. */
  pricing?: PricingClient;
  /** As the api function's, plus `warn`: the SDK's throttle retries log one WARN line each (core/retry-strategy.ts). */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Default: the clock. Orphan ages and drift check times are read on it, and so is each request's deadline
   * (OPERATIONS_DEADLINE): the local runtime passes its simulated clock, which its clients' retry delays run on.
   */
  now?: () => Date;
}

/**
 * How long a request may resend throttled calls (core/retry-scope.ts `invocationScope`): every call of a request
 * shares one deadline, the Lambda's remaining time less 5 s, so that a route the account throttles past it still
 * answers 503 (functions/api/router.ts) before the function's timeout; without one, each of a drift check's
 * dozens of calls had its own 20 s and the request could run into Lambda's timeout (API Gateway: 502/504). The
 * 5 s cover the answer to the request in flight at the deadline, the route's 503 and its log line. Without a
 * Lambda context (the local runtime, a test): the function's timeout, infra/functions.ts OPERATIONS_TIMEOUT
 * (25 s, under API Gateway's 29 s integration timeout), so 20 s in all.
 */
export const OPERATIONS_DEADLINE: DeadlinePolicy = { marginMs: 5_000, withoutContextMs: 25_000 };

/** The operations function's Lambda handler: one proxy request, its AWS calls within one invocation scope. */
export type OperationsHandler = (event: APIGatewayProxyEvent, context?: RemainingTime) => Promise<APIGatewayProxyResult>;

export function createOperationsHandler(deps: OperationsDeps = {}): OperationsHandler {
  let pricing = deps.pricing;
  let clientsFor = deps.clientsFor;
  const logger = deps.logger ?? new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { function: 'operations' } });
  const now = deps.now;
  const clock: Clock = now ? { now: () => now().getTime() } : systemClock;
  const serve = createProxyHandler('operations', OPERATION_ROUTES, { ...deps, logger }, (base) => ({
    ...base,
    clientsFor: (clientsFor ??= readClientsFor(base.env)),
    pricing: (pricing ??= createPricingClient(base.env)),
  }));
  return (event, context) => withinInvocation(invocationScope(clock, context, logger, OPERATIONS_DEADLINE), () => serve(event));
}

export const handler = createOperationsHandler();
