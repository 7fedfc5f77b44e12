import { DescribeInstancesCommand, DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand as DescribeElbTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients, type StaticCredentials } from '../functions/core/clients';
import { codeOf } from '../functions/core/errors';
import { TAG } from '../functions/core/tags';

/**
 * What is still tagged with a build id, asked the way a user would ask any EC2/ELBv2 endpoint (the embedded
 * cloud, LocalStack, moto or AWS): EC2 DescribeTags by key and value (terminated instances excepted: AWS
 * keeps their tags visible for a while), and the build's NLB by name. Asked with the operator's own
 * credentials (given, or the SDK's default chain), which the embedded cloud treats as the account's administrator.
 */
export async function findLeftovers(
  buildId: string,
  clusterName: string,
  region: string,
  endpoints: Record<string, string | undefined>,
  credentials?: StaticCredentials,
): Promise<string[]> {
  const { ec2, elbv2 } = createClients(region, endpoints, credentials);
  return [...(await ec2Leftovers(ec2, buildId)), ...(await loadBalancerLeftovers(elbv2, buildId, `${clusterName}-nlb`))];
}

async function ec2Leftovers(ec2: EC2Client, buildId: string): Promise<string[]> {
  const tagged: Array<{ id: string; type: string }> = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'key', Values: [TAG.buildId] },
          { Name: 'value', Values: [buildId] },
        ],
        NextToken,
      }),
    );
    for (const t of page.Tags ?? []) if (t.ResourceId) tagged.push({ id: t.ResourceId, type: t.ResourceType ?? 'resource' });
    NextToken = page.NextToken;
  } while (NextToken);
  const instanceIds = tagged.filter((t) => t.type === 'instance').map((t) => t.id);
  const gone = new Set<string>();
  if (instanceIds.length) {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
    for (const r of found.Reservations ?? [])
      for (const i of r.Instances ?? []) if (i.State?.Name === 'terminated' && i.InstanceId) gone.add(i.InstanceId);
  }
  return tagged.filter((t) => !gone.has(t.id)).map((t) => `${t.type} ${t.id}`);
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
