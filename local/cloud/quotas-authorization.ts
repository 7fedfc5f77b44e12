/**
 * What IAM evaluates for a Service Quotas request: GetServiceQuota on the quota's ARN
 * (`arn:aws:servicequotas:<region>:<account>:<ServiceCode>/<QuotaCode>`, the `quota` resource type of the
 * Service Authorization Reference), every other action on `*`.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_servicequotas.html
 */
import type { AuthorizationRequest } from './contract';

export function quotaAuthorizations(
  action: string,
  body: Record<string, unknown>,
  region: string,
  accountId: string,
): AuthorizationRequest[] {
  const { ServiceCode: service, QuotaCode: quota } = body;
  const resource =
    action === 'GetServiceQuota' && typeof service === 'string' && typeof quota === 'string'
      ? `arn:aws:servicequotas:${region}:${accountId}:${service}/${quota}`
      : '*';
  return [{ action: `servicequotas:${action}`, resource, context: {} }];
}
