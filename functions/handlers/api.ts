import { createProxyHandler, type ProxyHandlerDeps } from '../api/proxy-handler';
import { ROUTES } from '../api/router';

/**
 * The API Gateway (REST, proxy integration) entry: POST/GET /builds, GET/DELETE /builds/{id},
 * GET /builds/{id}/artifacts/{name}. Routing and the routes live in functions/api/; this function only
 * talks to Step Functions (the operations function serves the routes that read the account).
 * Env: BUILD_STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN; the region is the one in those ARNs.
 */
export type ApiDeps = ProxyHandlerDeps;

export function createApiHandler(deps: ApiDeps = {}) {
  return createProxyHandler('api', ROUTES, deps, (base) => base);
}

export const handler = createApiHandler();
