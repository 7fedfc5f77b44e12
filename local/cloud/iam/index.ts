/**
 * IAM in the embedded cloud: every EC2, ELBv2 and Service Quotas request is authorised against the caller's
 * identity-based policy before it runs, with the resources and condition keys AWS would evaluate (built by
 * each service module's `authorizations`) plus the permissions AWS checks besides the called action
 * (infra/dependent-permissions.ts). What is modelled and what is not: docs/design.md "10.8 IAM enforcement" and "10.10 What it does not enforce".
 */
import { DEPENDENT_PERMISSIONS, ELB_SERVICE_LINKED_ROLE_ACTION, ELB_SERVICE_NAME } from '../../../infra/dependent-permissions';
import { ELB_SERVICE_LINKED_ROLE, resolvePattern } from '../../../infra/iam';
import type { AuthorizationRequest } from '../contract';
import { denialError, type AuthorizingService } from './denial';
import { PolicyEvaluator } from './evaluate';
import { IamAccount, type Principal } from './principals';

export { accessKeyOf, type IssuedCredentials, type Principal } from './principals';

const IAM_PREFIX: Record<AuthorizingService, string> = { ec2: 'ec2', elbv2: 'elasticloadbalancing', servicequotas: 'servicequotas' };

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
      context: { 'aws:RequestedRegion': this.region, ...r.context },
    }));
    const denial = await this.evaluator.firstDenial(principal, all);
    if (denial) throw denialError(service, principal, denial);
  }

  /** Bookkeeping after a request succeeded: ELB's service-linked role exists after the first load balancer. */
  succeeded(service: AuthorizingService, action: string): void {
    if (service === 'elbv2' && action === 'CreateLoadBalancer') this.account.serviceLinkedRoles.add(ELB_SERVICE_NAME);
  }

  private dependentRequests(iamAction: string): AuthorizationRequest[] {
    const reads = (DEPENDENT_PERMISSIONS[iamAction]?.requires ?? []).map((action) => ({ action, resource: '*', context: {} }));
    if (iamAction === 'elasticloadbalancing:CreateLoadBalancer' && !this.account.serviceLinkedRoles.has(ELB_SERVICE_NAME)) {
      reads.push({
        action: ELB_SERVICE_LINKED_ROLE_ACTION,
        resource: resolvePattern(ELB_SERVICE_LINKED_ROLE, this.partition, this.accountId),
        context: { 'iam:AWSServiceName': ELB_SERVICE_NAME },
      });
    }
    return reads;
  }
}
