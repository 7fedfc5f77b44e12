/**
 * IAM in the embedded cloud: every EC2, ELBv2, IAM and Service Quotas request is authorised against the caller's
 * identity-based policy before it runs, with the resources and condition keys AWS would evaluate (built by
 * each service module's `authorizations`) plus the permissions AWS checks besides the called action
 * (infra/dependent-permissions.ts). What is modelled and what is not: docs/design.md "10.8 IAM enforcement" and "10.10 What it does not enforce".
 */
import {
  DEPENDENT_PERMISSIONS,
  ELB_SERVICE_LINKED_ROLE_ACTION as SERVICE_LINKED_ROLE_ACTION,
  SERVICE_LINKED_ROLES,
} from '../../../infra/dependent-permissions';
import { resolvePattern, serviceLinkedRoleArn } from '../../../infra/iam';
import type { AuthorizationRequest } from '../contract';
import { denialError, type AuthorizingService } from './denial';
import { PolicyEvaluator } from './evaluate';
import { IamAccount, type Principal } from './principals';

export { accessKeyOf, type IssuedCredentials, type Principal } from './principals';

const IAM_PREFIX: Record<AuthorizingService, string> = {
  ec2: 'ec2',
  elbv2: 'elasticloadbalancing',
  iam: 'iam',
  servicequotas: 'servicequotas',
  pricing: 'pricing',
};

/**
 * `aws:RequestedRegion` of an IAM call: "IAM calls are always made to the us-east-1 Region" (its one endpoint),
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
 */
const IAM_REQUESTED_REGION = 'us-east-1';

export class CloudIam {
  readonly account: IamAccount;
  private readonly evaluator: PolicyEvaluator;

  constructor(
    readonly partition: string,
    readonly accountId: string,
    private readonly region: string,
  ) {
    this.account = new IamAccount(partition, accountId);
    this.evaluator = new PolicyEvaluator(accountId);
  }

  /** Throws the service's denial error unless the principal may make this request. */
  async authorize(service: AuthorizingService, action: string, principal: Principal, requests: AuthorizationRequest[]): Promise<void> {
    const all = [...requests, ...this.dependentRequests(`${IAM_PREFIX[service]}:${action}`)].map((r) => ({
      ...r,
      context: { 'aws:RequestedRegion': service === 'iam' ? IAM_REQUESTED_REGION : this.region, ...r.context },
    }));
    const denial = await this.evaluator.firstDenial(principal, all);
    if (denial) throw denialError(service, principal, denial);
  }

  /** Bookkeeping after a request succeeded: ELB's service-linked role exists after the first load balancer. */
  succeeded(service: AuthorizingService, action: string): void {
    const dependency = SERVICE_LINKED_ROLES[`${IAM_PREFIX[service]}:${action}`];
    if (dependency) this.account.serviceLinkedRoles.add(dependency.serviceName);
  }

  private dependentRequests(iamAction: string): AuthorizationRequest[] {
    const reads = (DEPENDENT_PERMISSIONS[iamAction]?.requires ?? []).map((action) => ({ action, resource: '*', context: {} }));
    const dependency = SERVICE_LINKED_ROLES[iamAction];
    if (dependency && !this.account.serviceLinkedRoles.has(dependency.serviceName)) {
      reads.push({
        action: SERVICE_LINKED_ROLE_ACTION,
        resource: resolvePattern(serviceLinkedRoleArn(dependency), this.partition, this.accountId),
        context: { 'iam:AWSServiceName': dependency.serviceName },
      });
    }
    return reads;
  }
}
