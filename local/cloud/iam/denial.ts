/**
 * How each service says "denied". The message follows IAM's documented form, "User: <arn> is not authorized
 * to perform: <action> on resource: <arn> because no identity-based policy allows the <action> action"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
 * - EC2: `UnauthorizedOperation`, HTTP 403, with an "Encoded authorization failure message" for
 *   resource-level denials, which `sts:DecodeAuthorizationMessage` turns into JSON naming the principal, the
 *   action, the resource and the request's condition keys
 *   (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html). Ours is that
 *   JSON, base64url-encoded but not encrypted: decode it with `base64 -d`.
 * - ELBv2: `AccessDenied`, HTTP 403, no encoded part (as observed; the ELB guide documents no form).
 * - IAM: `AccessDenied`, HTTP 403, as observed ("An error occurred (AccessDenied) when calling the CreateRole
 *   operation: User: … is not authorized to perform: iam:CreateRole on resource: …").
 * - Service Quotas (AWS JSON protocol): `AccessDeniedException`, HTTP 400.
 * - Price List (AWS JSON protocol): `AccessDeniedException`, HTTP 401, as the service's API model declares it
 *   (the model @aws-sdk/client-pricing is generated from; "General authentication failure", API reference
 *   https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_Operations_AWS_Price_List_Service.html).
 */
import { CloudError, type AuthorizationRequest } from '../contract';
import type { Denial } from './evaluate';
import type { Principal } from './principals';

export type AuthorizingService = 'ec2' | 'elbv2' | 'iam' | 'servicequotas' | 'pricing';

function iamMessage(principal: Principal, denial: Denial): string {
  const { action, resource } = denial.request;
  const on = resource === '*' ? '' : ` on resource: ${resource}`;
  const because = denial.explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${principal.arn} is not authorized to perform: ${action}${on} ${because}`;
}

/** The decoded form of an EC2 encoded authorization failure message. */
function decodedMessage(principal: Principal, denial: Denial, request: AuthorizationRequest): object {
  const conditions = Object.entries(request.context).map(([key, value]) => ({
    key,
    values: { items: [value].flat().map((v) => ({ value: v })) },
  }));
  return {
    allowed: false,
    explicitDeny: denial.explicit,
    matchedStatements: { items: [] },
    failures: { items: [] },
    context: { principal: { arn: principal.arn }, action: request.action, resource: request.resource, conditions: { items: conditions } },
  };
}

export function denialError(service: AuthorizingService, principal: Principal, denial: Denial): CloudError {
  const message = iamMessage(principal, denial);
  if (service === 'ec2') {
    const encoded =
      denial.request.resource === '*'
        ? ''
        : ` Encoded authorization failure message: ${Buffer.from(JSON.stringify(decodedMessage(principal, denial, denial.request))).toString('base64url')}`;
    return new CloudError('UnauthorizedOperation', `You are not authorized to perform this operation. ${message}.${encoded}`, 403);
  }
  if (service === 'elbv2' || service === 'iam') return new CloudError('AccessDenied', message, 403);
  if (service === 'pricing') return new CloudError('AccessDeniedException', message, 401);
  return new CloudError('AccessDeniedException', message, 400);
}
