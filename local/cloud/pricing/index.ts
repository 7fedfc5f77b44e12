/**
 * The Price List Query API (AWS JSON 1.1, `X-Amz-Target: AWSPriceListService.<Action>`) over a small labelled
 * sample (catalog.ts): GetProducts and DescribeServices, the two calls a cost estimate and a person checking
 * it make. Prices are public data: the actions have no resource types, so IAM authorises them on `*`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awspricelist.html). The API publishes
 * no request rate, so nothing is throttled.
 */
import type { AuthorizationRequest } from '../contract';
import { CloudError } from '../contract';
import { serviceAttributes } from './catalog';
import { FORMAT_VERSION, getProducts, validServiceCode } from './products';

export { SAMPLE_LABEL } from './catalog';

export const PRICING_TARGET_PREFIX = 'AWSPriceListService.';

export function handlePricing(action: string, body: Record<string, unknown>): unknown {
  if (action === 'GetProducts') return getProducts(body);
  if (action === 'DescribeServices') return describeServices(body);
  throw new CloudError('UnknownOperationException', `The operation ${action} is not supported by the embedded cloud's Price List API.`);
}

/** Without ServiceCode every service of the sample, with it that one service's attribute names. */
function describeServices(body: Record<string, unknown>): unknown {
  const services = serviceAttributes();
  const codes = body.ServiceCode === undefined ? [...services.keys()] : [validServiceCode(body.ServiceCode)];
  return {
    FormatVersion: FORMAT_VERSION,
    Services: codes.map((code) => ({ ServiceCode: code, AttributeNames: services.get(code) ?? [] })),
  };
}

/**
 * `pricing:<Action>` on `*`. `aws:RequestedRegion` is the region the request is signed for (the Price List
 * endpoints are us-east-1, ap-south-1 and eu-central-1), read from the SigV4 credential scope
 * `Credential=<key>/<date>/<region>/pricing/aws4_request`.
 */
export function pricingAuthorizations(action: string, authorization: string | undefined): AuthorizationRequest[] {
  const region = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  return [{ action: `pricing:${action}`, resource: '*', context: region ? { 'aws:RequestedRegion': region } : {} }];
}
