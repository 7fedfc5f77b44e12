import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeTagsCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
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
 * cloud, LocalStack, moto or AWS): EC2 DescribeTags by key and value, and the build's NLB by name. What AWS
 * keeps listing for a while after it ended is not left over: terminated instances, deleted or failed NAT
 * gateways, deleted VPC endpoints and transit gateways, deleted or rejected VPC attachments. Asked with the operator's own
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
  const gone = new Set<string>();
  for (const [type, ended] of Object.entries(ENDED)) {
    const ids = tagged.filter((t) => t.type === type).map((t) => t.id);
    if (ids.length) for (const id of await ended(ec2, ids)) gone.add(id);
  }
  return tagged.filter((t) => !gone.has(t.id)).map((t) => `${t.type} ${t.id}`);
}

/** Of the given ids, those whose resource has ended (or is no longer listed at all). */
type Ended = (ec2: EC2Client, ids: string[]) => Promise<string[]>;

/** The ids whose listed state is one of `endedStates`; an id no longer listed at all has ended too. */
const endedAmong = (ids: string[], listed: Array<[string | undefined, string | undefined]>, endedStates: string[]) => {
  const states = new Map(listed);
  return ids.filter((id) => !states.has(id) || endedStates.includes(states.get(id) ?? ''));
};

// By filter rather than by id (instances aside): asking for an id AWS no longer lists fails the whole request.
const ENDED: Record<string, Ended> = {
  instance: async (ec2, ids) => {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return (found.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name === 'terminated' && i.InstanceId)
      .map((i) => i.InstanceId as string);
  },
  natgateway: async (ec2, ids) => {
    const found = await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'nat-gateway-id', Values: ids }] }));
    return endedAmong(
      ids,
      (found.NatGateways ?? []).map((n) => [n.NatGatewayId, n.State]),
      ['deleted', 'failed'],
    );
  },
  'vpc-endpoint': async (ec2, ids) => {
    const found = await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-endpoint-id', Values: ids }] }));
    return endedAmong(
      ids,
      (found.VpcEndpoints ?? []).map((e) => [e.VpcEndpointId, e.State]),
      ['deleted'],
    );
  },
  'transit-gateway-attachment': async (ec2, ids) => {
    const found = await ec2.send(
      new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: [{ Name: 'transit-gateway-attachment-id', Values: ids }] }),
    );
    return endedAmong(
      ids,
      (found.TransitGatewayVpcAttachments ?? []).map((x) => [x.TransitGatewayAttachmentId, x.State]),
      ['deleted', 'rejected', 'failed'],
    );
  },
  'transit-gateway': async (ec2, ids) => {
    const found = await ec2.send(new DescribeTransitGatewaysCommand({ Filters: [{ Name: 'transit-gateway-id', Values: ids }] }));
    return endedAmong(
      ids,
      (found.TransitGateways ?? []).map((g) => [g.TransitGatewayId, g.State]),
      ['deleted'],
    );
  },
};

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
