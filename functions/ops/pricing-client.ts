import { PricingClient } from '@aws-sdk/client-pricing';
import { endpointFor, type StaticCredentials } from '../core/clients';

/**
 * The Price List Query API answers from us-east-1, ap-south-1 and eu-central-1 only, whatever region is priced
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html): us-east-1 is
 * the one every account can reach without opting in.
 */
export const PRICING_REGION = 'us-east-1';

/**
 * The Pricing client, apart from `AwsClients` on purpose: only the notify and operations functions price a
 * build, and a client in `createClients` would put its SDK into every step's bundle. The endpoint comes from
 * AWS_ENDPOINT_URL_PRICING (or AWS_ENDPOINT_URL), so the embedded cloud can answer it like the other services.
 */
export function createPricingClient(env: Record<string, string | undefined> = process.env, credentials?: StaticCredentials): PricingClient {
  return new PricingClient({
    region: PRICING_REGION,
    endpoint: endpointFor('PRICING', env),
    ...(credentials && { credentials }),
  });
}
