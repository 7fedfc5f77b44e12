import type { PricingClient } from '@aws-sdk/client-pricing';
import { createProxyHandler, type ProxyHandlerDeps } from '../api/proxy-handler';
import type { AwsClients } from '../core/clients';
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
}

export function createOperationsHandler(deps: OperationsDeps = {}) {
  let pricing = deps.pricing;
  let clientsFor = deps.clientsFor;
  return createProxyHandler('operations', OPERATION_ROUTES, deps, (base) => ({
    ...base,
    clientsFor: (clientsFor ??= readClientsFor(base.env)),
    pricing: (pricing ??= createPricingClient(base.env)),
  }));
}

export const handler = createOperationsHandler();
