import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Machines } from '../api/executions';
import { errorResponse, HttpError } from '../api/http';
import { parseStateMachineArn } from '../api/ids';
import { route } from '../api/router';
import { createSfnClient } from '../core/service-clients';

/**
 * The API Gateway (REST, proxy integration) entry: POST/GET /builds, GET/DELETE /builds/{id},
 * GET /builds/{id}/artifacts/{name}. Routing and the routes live in functions/api/.
 * Env: BUILD_STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN; the region is the one in those ARNs.
 */
export interface ApiDeps {
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

function machinesFrom(env: Record<string, string | undefined>): Machines {
  const build = parseStateMachineArn(env.BUILD_STATE_MACHINE_ARN ?? '');
  const teardown = parseStateMachineArn(env.TEARDOWN_STATE_MACHINE_ARN ?? '');
  if (!build || !teardown) throw new Error('BUILD_STATE_MACHINE_ARN and TEARDOWN_STATE_MACHINE_ARN must be state machine ARNs');
  return { build, teardown };
}

export function createApiHandler(deps: ApiDeps = {}) {
  const logger = deps.logger ?? new Logger({ serviceName: 'k8s-ec2-builder', persistentKeys: { function: 'api' } });
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
      logger.error('api is misconfigured', { requestId, reason: (error as Error).message });
      return errorResponse(new HttpError(500, 'INTERNAL', 'internal error; quote the request id when reporting it'), requestId);
    }
    const region = machines.build.region || env.AWS_REGION || 'us-east-1';
    const outcome = await route(event.httpMethod, event.path ?? '/', { event, sfn: sfnFor(region, env), machines, requestId, now, random });
    // Never the body: a spec holds nothing secret, but request bodies stay out of info logs on principle.
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

export const handler = createApiHandler();
