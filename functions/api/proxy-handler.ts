import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createSfnClient } from '../core/service-clients';
import type { RouteContext } from './context';
import { machinesFrom, type Machines } from './executions';
import { errorResponse, HttpError } from './http';
import { routeIn, type RouteTable } from './router';

/** What both API functions (api, operations) are given from outside; every field defaults to the deployed thing. */
export interface ProxyHandlerDeps {
  /** Default: one SFNClient for the machines' region, endpoint from AWS_ENDPOINT_URL_SFN. */
  sfn?: SFNClient;
  /** Default: process.env, read on each request. */
  env?: Record<string, string | undefined>;
  /** Default: the clock (build ids carry the start time). */
  now?: () => Date;
  /** Default: Math.random (the random tail of a build id). */
  random?: () => number;
  logger?: Pick<Logger, 'info' | 'error'>;
}

/** What every request of either function knows before its route adds its own collaborators. */
export type BaseContext = Omit<RouteContext, 'params'> & { env: Record<string, string | undefined>; region: string };

/**
 * An API Gateway (REST, proxy integration) handler that serves one route table: reads the state machines from
 * the environment, routes, and logs one line per request (never the body: a spec holds nothing secret, but
 * request bodies stay out of info logs on principle). `contextFor` adds what the table's routes need.
 */
export function createProxyHandler<C extends RouteContext>(
  functionName: string,
  table: RouteTable<C>,
  deps: ProxyHandlerDeps,
  contextFor: (base: BaseContext) => Omit<C, 'params'>,
) {
  const logger = deps.logger ?? new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { function: functionName } });
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const clients = new Map<string, SFNClient>();
  const sfnFor = (region: string, env: Record<string, string | undefined>) => {
    if (deps.sfn) return deps.sfn;
    let client = clients.get(region);
    if (!client) clients.set(region, (client = createSfnClient(region, env)));
    return client;
  };

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const started = Date.now();
    const requestId = event.requestContext?.requestId || randomUUID();
    const env = deps.env ?? process.env;
    let machines: Machines;
    try {
      machines = machinesFrom(env);
    } catch (error) {
      logger.error(`${functionName} is misconfigured`, { requestId, reason: (error as Error).message });
      return errorResponse(new HttpError(500, 'INTERNAL', 'internal error; quote the request id when reporting it'), requestId);
    }
    const region = machines.build.region || env.AWS_REGION || 'us-east-1';
    const base: BaseContext = { event, sfn: sfnFor(region, env), machines, requestId, now, random, env, region };
    const outcome = await routeIn(table, event.httpMethod, event.path ?? '/', contextFor(base));
    const summary = {
      requestId,
      method: event.httpMethod,
      route: outcome.template ?? event.path,
      statusCode: outcome.result.statusCode,
      durationMs: Date.now() - started,
    };
    if (outcome.error)
      logger.error('request failed', {
        ...summary,
        errorName: (outcome.error as Error)?.name,
        errorMessage: (outcome.error as Error)?.message,
      });
    else logger.info('request', summary);
    return outcome.result;
  };
}
