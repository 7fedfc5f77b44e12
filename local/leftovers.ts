import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand as DescribeElbTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients, type StaticCredentials } from '../functions/core/clients';
import { codeOf } from '../functions/core/errors';
import { TAG } from '../functions/core/tags';
import { describeTagged, liveOnly } from '../functions/ops/inventory-ec2';

/**
 * What is still tagged with a build id, asked the way a user would ask any EC2/ELBv2 endpoint (the embedded
 * cloud, LocalStack, moto or AWS): EC2 DescribeTags by key and value, and the build's NLB by name. What AWS
 * keeps listing for a while after it ended is not left over (functions/ops/inventory-ec2.ts, shared with the
 * orphan listing): terminated instances, deleted or failed NAT gateways, deleted VPC endpoints and transit
 * gateways, deleted or rejected VPC attachments. Asked with the operator's own credentials (given, or the SDK's
 * default chain), which the embedded cloud treats as the account's administrator.
 */
export async function findLeftovers(
  buildId: string,
  clusterName: string,
  region: string,
  endpoints: Record<string, string | undefined>,
  credentials?: StaticCredentials,
): Promise<string[]> {
  const { ec2, elbv2 } = createClients(region, endpoints, credentials);
  const tagged = await describeTagged(ec2, [
    { Name: 'key', Values: [TAG.buildId] },
    { Name: 'value', Values: [buildId] },
  ]);
  const ec2Leftovers = (await liveOnly(ec2, tagged)).map((r) => `${r.type} ${r.id}`);
  return [...ec2Leftovers, ...(await loadBalancerLeftovers(elbv2, buildId, `${clusterName}-nlb`))];
}

async function loadBalancerLeftovers(elbv2: ElasticLoadBalancingV2Client, buildId: string, name: string): Promise<string[]> {
  try {
    const found = await elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }));
    const arns = (found.LoadBalancers ?? []).map((lb) => lb.LoadBalancerArn!).filter(Boolean);
    if (!arns.length) return [];
    const tags = await elbv2.send(new DescribeElbTagsCommand({ ResourceArns: arns }));
    return (tags.TagDescriptions ?? [])
      .filter((d) => d.Tags?.some((t) => t.Key === TAG.buildId && t.Value === buildId))
      .map((d) => `load-balancer ${d.ResourceArn}`);
  } catch (error) {
    if (codeOf(error) === 'LoadBalancerNotFound') return [];
    throw error;
  }
}
