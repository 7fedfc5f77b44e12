import { codeOf } from '../core/errors';

/**
 * Why a read-only question preflight asks (a Service Quotas limit, the account's EBS defaults) got no
 * answer, or undefined when the error is an ordinary one that the step's retry policy handles (throttling,
 * a 5xx). "No answer" is a fact about the endpoint or our permissions, not about the account: the quota is
 * not listed, we may not ask, the endpoint (moto, LocalStack) does not implement the call, or nothing
 * answers at that address. Preflight then records what it could not check and goes on: AWS itself
 * enforces the limit when the resource is created, and a refusal there rolls the build back.
 */
const NO_ANSWER_CODES = new Set([
  // Service Quotas: the quota is not in its catalogue (moto knows only a few), or our role may not read it.
  // https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html#API_GetServiceQuota_Errors
  'NoSuchResourceException',
  'AccessDeniedException',
  // EC2 refuses an action the caller may not call with UnauthorizedOperation.
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html#CommonErrors
  'UnauthorizedOperation',
  'AccessDenied',
  // An endpoint that does not implement the action: AWS JSON and query protocols, and emulators.
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
  'UnsupportedOperation',
]);

/** Failures to reach the endpoint at all (no HTTP answer): a wrong URL, no route from a VPC, a refused port. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'TimeoutError']);

/** HTTP statuses of an endpoint without the route: 404 (no such API), 501 (LocalStack's "not yet implemented"). */
const NO_ROUTE_STATUSES = new Set([404, 501]);

export function whyUnanswered(error: unknown): string | undefined {
  const code = codeOf(error) ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (NO_ANSWER_CODES.has(code)) return `the endpoint answered ${code}`;
  if (status !== undefined && NO_ROUTE_STATUSES.has(status)) return `the endpoint answered HTTP ${status}${code ? ` ${code}` : ''}`;
  if (status === undefined && UNREACHABLE_CODES.has(code)) return `the endpoint could not be reached (${code})`;
  return undefined;
}
