import { paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { Tags } from '../core/tags';
import { describeElbTags } from '../resources/elb-owned';
import { describeAll } from '../resources/owned';

/**
 * The account's load balancers and target groups with their tags (docs/design.md "12.4 Orphans and the sweep").
 * ELBv2 has no tag filter on its Describe calls: every one is listed, then DescribeTags reads their tags.
 */

export interface ElbTagged {
  type: 'loadbalancer' | 'targetgroup';
  arn: string;
  name?: string;
  tags: Tags;
  createdAt?: Date;
  /** Target groups: the group as AWS describes it (its port is the NodePort it forwards to). */
  targetGroup?: TargetGroup;
}

/** Every load balancer and target group in the region, with its tags. */
export async function describeElbTagged(clients: AwsClients): Promise<ElbTagged[]> {
  const [loadBalancers, targetGroups] = await Promise.all([
    describeAll(
      'DescribeLoadBalancers',
      () => paginateDescribeLoadBalancers({ client: clients.elbv2 }, {}),
      (page) => page.LoadBalancers,
    ),
    describeAll(
      'DescribeTargetGroups',
      () => paginateDescribeTargetGroups({ client: clients.elbv2 }, {}),
      (page) => page.TargetGroups,
    ),
  ]);
  const found: Array<Omit<ElbTagged, 'tags'>> = [
    ...loadBalancers
      .filter((lb) => lb.LoadBalancerArn)
      .map((lb) => ({
        type: 'loadbalancer' as const,
        arn: lb.LoadBalancerArn as string,
        name: lb.LoadBalancerName,
        createdAt: lb.CreatedTime,
      })),
    ...targetGroups
      .filter((tg) => tg.TargetGroupArn)
      .map((tg) => ({ type: 'targetgroup' as const, arn: tg.TargetGroupArn as string, name: tg.TargetGroupName, targetGroup: tg })),
  ];
  const tags = await describeElbTags(
    clients,
    found.map((r) => r.arn),
  );
  // One deleted between the listing and DescribeTags has no tags: it is gone.
  return found.filter((r) => tags.has(r.arn)).map((r) => ({ ...r, tags: tags.get(r.arn) as Tags }));
}
