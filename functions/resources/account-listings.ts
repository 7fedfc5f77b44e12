import { paginateDescribeVpcs, type Vpc } from '@aws-sdk/client-ec2';
import { paginateDescribeLoadBalancers, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { describeAll } from './owned';

/**
 * The region-wide listings that more than one preflight check reads, each read at most once per preflight
 * (docs/design.md "13.2 Build steps: fewer calls"): every VPC (the VPC quota counts them, the cluster-name
 * check reads their tags, which DescribeVpcs returns with each VPC) and every load balancer (the NLB quota
 * counts the network ones, the cluster-name check looks for the build's NLB name among them). A listing is
 * asked for only when a check first needs it, so a quota whose limit Service Quotas does not give still reads
 * nothing for it.
 */
export interface AccountListings {
  vpcs(): Promise<Vpc[]>;
  loadBalancers(): Promise<LoadBalancer[]>;
}

export function accountListings(clients: AwsClients): AccountListings {
  return {
    vpcs: once(() =>
      describeAll(
        'ec2:DescribeVpcs',
        () => paginateDescribeVpcs({ client: clients.ec2 }, {}),
        (page) => page.Vpcs,
      ),
    ),
    loadBalancers: once(() =>
      describeAll(
        'elbv2:DescribeLoadBalancers',
        () => paginateDescribeLoadBalancers({ client: clients.elbv2 }, {}),
        (page) => page.LoadBalancers,
      ),
    ),
  };
}

/** One shared answer for every caller, asked for at most once (a failure too: the step's retry asks again). */
export function once<T>(ask: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => (answer ??= ask());
}
