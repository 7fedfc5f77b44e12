/**
 * ClientToken idempotency: one implementation for every EC2 create that takes a token. Of the actions this
 * cloud serves, those are RunInstances, CreateRouteTable, CreateNatGateway and CreateVpcEndpoint (the ones whose
 * request has a `ClientToken` in the EC2 API reference; CreateVpc, CreateSubnet, CreateSecurityGroup,
 * CreateInternetGateway, AllocateAddress, CreateTransitGateway and CreateTransitGatewayVpcAttachment have none). The rules, from https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html:
 * - a repeat with the same token and the same parameters succeeds without doing anything again: it answers
 *   with the resource the first request made (possibly in a newer state);
 * - a repeat with the same token and different parameters fails with IdempotentParameterMismatch; a
 *   different Region or Availability Zone does not count as different;
 * - a token is at most 64 ASCII characters (the ClientToken parameter of each action, e.g.
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRouteTable.html). The error code for a
 *   longer one is not documented; InvalidParameterValue is our assumption.
 * Tokens are kept per action: AWS says not to reuse a token for another request and documents no answer
 * for it, so none is invented here.
 */
import { CloudError } from '../contract';
import { Args, invalidValue } from './args';
import { Ec2Store } from './store';

export const MAX_CLIENT_TOKEN_LENGTH = 64;
/** Parameters that never make a repeat "different": the token itself, DryRun, and the zone (see above). */
const NOT_COMPARED = ['ClientToken', 'DryRun', 'AvailabilityZone', 'AvailabilityZoneId'];

export interface Created<T> {
  /** The id of what the request made, to find it again on a repeat. */
  resourceId: string;
  /** The answer to the first request. */
  result: T;
}

/**
 * Runs `create` once per (action, ClientToken). A repeat answers `current(resourceId)`, or the first answer
 * when the resource is gone (the token still names that request, and AWS does no further action).
 */
export function idempotentCreate<T>(
  s: Ec2Store,
  action: string,
  a: Args,
  create: () => Created<T>,
  current: (resourceId: string) => T | undefined,
): T {
  const token = a.str('ClientToken');
  if (!token) return create().result;
  if (token.length > MAX_CLIENT_TOKEN_LENGTH) {
    throw invalidValue(`Value (${token}) for parameter clientToken is invalid. It must be at most ${MAX_CLIENT_TOKEN_LENGTH} characters.`);
  }
  const key = `${action}\n${token}`;
  const fingerprint = a.fingerprint(NOT_COMPARED);
  const first = s.clientTokens.get(key);
  if (first) {
    if (first.fingerprint !== fingerprint) {
      throw new CloudError(
        'IdempotentParameterMismatch',
        'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
      );
    }
    return current(first.resourceId) ?? (first.firstResult as T);
  }
  const made = create();
  s.clientTokens.set(key, { fingerprint, resourceId: made.resourceId, firstResult: made.result });
  return made.result;
}
