import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { awsOnFreshIds, NotYetVisible } from '../core/errors';

/** What readiness needs of the NLB: its state code and when it was created. */
export interface LoadBalancerState {
  /** `provisioning`, `active`, `active_impaired` or `failed`. */
  state: string;
  /** CreatedTime, ISO 8601: the NLB is expected `active` EXPECTED_SECONDS.loadBalancerActiveAfterCreate later. */
  createdAt?: string;
  /** State.Reason: why it is `failed` (or impaired). */
  reason?: string;
}

/**
 * One DescribeLoadBalancers by the ARN CreateLoadBalancer put in the state. CreateLoadBalancer and teardown
 * look the NLB up by name and then check its tags (DescribeTags); by the ARN our own create returned, the
 * NLB is known to be ours, so one call does. A LoadBalancerNotFound for it can only be ELBv2 not showing a fresh create yet
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancers.html):
 * NotYetVisible, retried.
 */
export async function describeLoadBalancerState(clients: AwsClients, loadBalancerArn: string): Promise<LoadBalancerState> {
  const out = await awsOnFreshIds('DescribeLoadBalancers', ['LoadBalancerNotFound'], () =>
    clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] })),
  );
  const lb = out.LoadBalancers?.[0];
  if (!lb) throw new NotYetVisible(`DescribeLoadBalancers: ${loadBalancerArn} not visible yet`);
  return {
    state: lb.State?.Code ?? 'unknown',
    ...(lb.CreatedTime && { createdAt: lb.CreatedTime.toISOString() }),
    ...(lb.State?.Reason && { reason: lb.State.Reason }),
  };
}
