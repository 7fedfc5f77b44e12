import type { PricingClient } from '@aws-sdk/client-pricing';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { RouteContext } from '../api/context';
import type { AwsClients } from '../core/clients';

/**
 * What an operations route gets (POST /plans, POST /builds/{id}/verify, GET /orphans, POST /orphans/{buildId}/sweep):
 * the api routes' context plus read access to the account. The operations function's role can only read
 * (docs/design.md "12.5 API, IAM and the daily report"); the sweep starts the teardown workflow, whose steps
 * delete under their own roles.
 */
export interface OperationsContext extends RouteContext {
  /** AWS clients for a region, under the operations function's role. */
  clientsFor: (region: string) => AwsClients;
  /** The Price List Query API client (us-east-1). */
  pricing: PricingClient;
  /** The region the stack (and its state machines) runs in: where orphans are looked for. */
  region: string;
}

export type OperationsRoute = (ctx: OperationsContext) => Promise<APIGatewayProxyResult>;
