import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Machines } from './executions';
import { HttpError } from './http';
import { isBuildId } from '../core/build-ids';

/** What a route gets: the request, its path parameters and the collaborators (replaceable in tests). */
export interface RouteContext {
  event: APIGatewayProxyEvent;
  params: Record<string, string>;
  sfn: SFNClient;
  machines: Machines;
  requestId: string;
  now: () => Date;
  random: () => number;
}

export type Route = (ctx: RouteContext) => Promise<APIGatewayProxyResult>;

/**
 * A build id path parameter (`{id}`, or `{buildId}` under /orphans), checked before any AWS call: a build
 * execution's name, not a teardown's.
 */
export function buildIdParam(ctx: RouteContext, name = 'id'): string {
  const id = ctx.params[name] ?? '';
  if (!isBuildId(id)) {
    throw new HttpError(
      400,
      'INVALID_BUILD_ID',
      'a build id is 1–80 letters, digits, "-" or "_" (the execution name returned by POST /builds, tagged k8s-ec2:build-id)',
      { field: name },
    );
  }
  return id;
}

export function notFound(buildId: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `no build with id "${buildId}"`, { field: 'id' });
}
