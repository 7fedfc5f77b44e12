/**
 * The checks IAM makes of a role's trust policy (AssumeRolePolicyDocument) before CreateRole, each answered
 * with MalformedPolicyDocument (HTTP 400, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
 * A trust policy is a resource-based policy: it names who may assume the role (`Principal`), allows only the
 * STS actions that assume a role, and has no `Resource` (the role is the resource)
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html). The messages
 * are IAM's wording as callers see it.
 */
import { CloudError } from '../contract';

const malformed = (message: string): CloudError => new CloudError('MalformedPolicyDocument', message, 400);

/** The STS actions a trust policy may allow (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html). */
const ASSUME_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
]);

/** A service principal is a service's DNS-like name, e.g. `ec2.amazonaws.com`. */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function checkPrincipal(principal: unknown): void {
  if (principal === undefined) throw malformed('Missing required field Principal');
  if (principal === '*') return;
  if (typeof principal !== 'object' || principal === null) throw malformed('Syntax errors in policy.');
  for (const service of asList((principal as Record<string, unknown>).Service)) {
    if (typeof service !== 'string' || !SERVICE_PRINCIPAL.test(service))
      throw malformed(`Invalid principal in policy: "SERVICE":"${String(service)}"`);
  }
}

function checkStatement(statement: unknown): void {
  if (typeof statement !== 'object' || statement === null) throw malformed('Syntax errors in policy.');
  const s = statement as Record<string, unknown>;
  if ('Resource' in s) throw malformed('Has prohibited field Resource');
  if ('NotResource' in s) throw malformed('Has prohibited field NotResource');
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Missing required field Effect');
  checkPrincipal(s.Principal ?? s.NotPrincipal);
  const actions = asList(s.Action);
  if (actions.length === 0) throw malformed('Missing required field Action');
  if (!actions.every((a) => typeof a === 'string' && (ASSUME_ACTIONS.has(a.toLowerCase()) || a === 'sts:*'))) {
    throw malformed('AssumeRole policy may only specify STS AssumeRole actions.');
  }
}

/** Throws MalformedPolicyDocument unless `document` is a trust policy IAM would accept. */
export function checkTrustPolicy(document: string): void {
  let policy: unknown;
  try {
    policy = JSON.parse(document);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw malformed('This policy contains invalid Json');
  const statements = asList((policy as Record<string, unknown>).Statement);
  if (statements.length === 0) throw malformed('Syntax errors in policy.');
  statements.forEach(checkStatement);
}
