import type { APIGatewayProxyResult } from 'aws-lambda';
import { codeOf, classOf, AwsThrottled, AwsUnavailable } from '../core/errors';
import { getArtifact, getBuild, listBuildsRoute } from './builds-read';
import { createBuild, deleteBuild } from './builds-write';
import type { RouteContext } from './context';
import { errorResponse, HttpError } from './http';

/** A route table: method and path template → the route that answers. */
export type RouteTable<C extends RouteContext = RouteContext> = ReadonlyArray<{
  method: string;
  path: string;
  route: (ctx: C) => Promise<APIGatewayProxyResult>;
}>;

/**
 * The routes the api function serves (Step Functions only). The operations function serves functions/ops/router.ts's;
 * openapi.yaml documents both tables exactly (a test checks both ways).
 */
export const ROUTES: RouteTable<RouteContext> = [
  { method: 'POST', path: '/builds', route: createBuild },
  { method: 'GET', path: '/builds', route: listBuildsRoute },
  { method: 'GET', path: '/builds/{id}', route: getBuild },
  { method: 'DELETE', path: '/builds/{id}', route: deleteBuild },
  { method: 'GET', path: '/builds/{id}/artifacts/{name}', route: getArtifact },
];

interface Match {
  template: string;
  params: Record<string, string>;
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) {
      try {
        params[param[1]] = decodeURIComponent(got[i]);
      } catch {
        params[param[1]] = got[i];
      }
    } else if (part !== got[i]) return undefined;
  }
  return params;
}

/** The route template a path belongs to (whatever the method), for logging and 404/405. */
export function matchPath(path: string, table: RouteTable<never>): Match | undefined {
  for (const template of new Set(table.map((r) => r.path))) {
    const params = matchTemplate(template, path);
    if (params) return { template, params };
  }
  return undefined;
}

/** SDK errors the client can act on get their own status; anything else is a 500 with the request id. */
export function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const code = codeOf(error);
  if (code === 'ExecutionLimitExceeded') {
    return new HttpError(
      429,
      'TOO_MANY_BUILDS',
      'the account runs as many executions as Step Functions allows; try again when some have ended',
      { headers: { 'Retry-After': '60' } },
    );
  }
  if (code === 'InvalidToken')
    return new HttpError(400, 'INVALID_VALUE', 'nextToken is not valid (tokens expire after 24 hours)', { field: 'nextToken' });
  const errorClass = classOf(error);
  if (errorClass === AwsThrottled || errorClass === AwsUnavailable) {
    return new HttpError(
      503,
      'SERVICE_UNAVAILABLE',
      'an AWS service this route calls (Step Functions, EC2, ELB, IAM, the Price List) is busy or unavailable; try again shortly',
      {
        headers: { 'Retry-After': '2' },
      },
    );
  }
  return new HttpError(500, 'INTERNAL', 'internal error; quote the request id when reporting it');
}

export function route(
  method: string,
  path: string,
  ctx: Omit<RouteContext, 'params'>,
): Promise<{ template?: string; result: APIGatewayProxyResult; error?: unknown }> {
  return routeIn(ROUTES, method, path, ctx);
}

/** Finds the route of `table` for a request and runs it; 404/405 for what the table does not serve. */
export async function routeIn<C extends RouteContext>(
  table: RouteTable<C>,
  method: string,
  path: string,
  ctx: Omit<C, 'params'>,
): Promise<{ template?: string; result: APIGatewayProxyResult; error?: unknown }> {
  const match = matchPath(path, table);
  if (!match) return { result: errorResponse(new HttpError(404, 'NOT_FOUND', `no route ${path}; see openapi.yaml`), ctx.requestId) };
  const entry = table.find((r) => r.path === match.template && r.method === method.toUpperCase());
  if (!entry) {
    const allow = table
      .filter((r) => r.path === match.template)
      .map((r) => r.method)
      .join(', ');
    const error = new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${match.template}; allowed: ${allow}`, {
      headers: { Allow: allow },
    });
    return { template: match.template, result: errorResponse(error, ctx.requestId) };
  }
  try {
    return { template: match.template, result: await entry.route({ ...ctx, params: match.params } as C) };
  } catch (error) {
    return {
      template: match.template,
      result: errorResponse(httpErrorOf(error), ctx.requestId),
      error: error instanceof HttpError ? undefined : error,
    };
  }
}
