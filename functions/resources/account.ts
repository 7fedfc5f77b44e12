import { DescribeAvailabilityZonesCommand, DescribeKeyPairsCommand, paginateDescribeInstanceTypeOfferings } from '@aws-sdk/client-ec2';
import { DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, translateAwsError } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, MANAGED_BY, TAG } from '../core/tags';
import { accountListings, type AccountListings } from './account-listings';
import { describeAll, goneAs } from './owned';

/**
 * Read-only account checks for preflight (docs/design.md "5.2 Preflight"). Each returns a list of problems (empty = fine) so
 * that preflight can report everything at once; each problem names the spec field and the fix.
 */
export interface Problem {
  check: string;
  field?: string;
  message: string;
}

export async function checkAvailabilityZones(clients: AwsClients, plan: Plan): Promise<Problem[]> {
  const wanted = plan.spec.availabilityZones;
  const result = await aws('ec2:DescribeAvailabilityZones', () =>
    clients.ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'region-name', Values: [plan.spec.region] }] })),
  );
  const available = new Set((result.AvailabilityZones ?? []).filter((z) => z.State === 'available').map((z) => z.ZoneName));
  return wanted
    .map((zone, index) => ({ zone, index }))
    .filter(({ zone }) => !available.has(zone))
    .map(({ zone, index }) => ({
      check: 'availability-zones',
      field: `availabilityZones[${index}]`,
      message: `${zone} is not an available zone of ${plan.spec.region} in this account; available: ${[...available].sort().join(', ') || 'none'}`,
    }));
}

/** Every listed instance type must be offered in every zone where that role places a node. */
export async function checkInstanceTypeOfferings(clients: AwsClients, plan: Plan): Promise<Problem[]> {
  const demands: Array<{ field: string; types: string[]; zones: string[] }> = [
    { field: 'controlPlane.instanceTypes', types: plan.spec.controlPlane.instanceTypes, zones: zonesOf(plan, 'control-plane') },
    { field: 'workers.instanceTypes', types: plan.spec.workers.instanceTypes, zones: zonesOf(plan, 'worker') },
    { field: 'bastion.instanceType', types: [plan.bastion.instanceType], zones: [plan.bastion.az] },
  ].filter((d) => d.zones.length > 0);
  const allTypes = [...new Set(demands.flatMap((d) => d.types))];
  const offerings = await describeAll(
    'ec2:DescribeInstanceTypeOfferings',
    () =>
      paginateDescribeInstanceTypeOfferings(
        { client: clients.ec2 },
        {
          LocationType: 'availability-zone',
          Filters: [
            { Name: 'instance-type', Values: allTypes },
            { Name: 'location', Values: plan.spec.availabilityZones },
          ],
        },
      ),
    (page) => page.InstanceTypeOfferings,
  );
  const offered = new Set(offerings.map((offer) => `${offer.InstanceType}@${offer.Location}`));
  return demands.flatMap(({ field, types, zones }) =>
    types.flatMap((type) => {
      const missing = zones.filter((zone) => !offered.has(`${type}@${zone}`));
      return missing.length
        ? [
            {
              check: 'instance-type-offerings',
              field,
              message: `${type} is not offered in ${missing.join(', ')}; pick a type offered in every zone used, or other zones`,
            },
          ]
        : [];
    }),
  );
}

function zonesOf(plan: Plan, role: 'control-plane' | 'worker'): string[] {
  return [...new Set(plan.nodes.filter((n) => n.role === role).map((n) => n.az))];
}

export async function checkKeyPair(clients: AwsClients, plan: Plan): Promise<Problem[]> {
  try {
    await clients.ec2.send(new DescribeKeyPairsCommand({ KeyNames: [plan.spec.keyName] }));
    return [];
  } catch (error) {
    if (codeOf(error) === 'InvalidKeyPair.NotFound') {
      return [
        {
          check: 'key-pair',
          field: 'keyName',
          message: `key pair "${plan.spec.keyName}" does not exist in ${plan.spec.region}; import your public key (aws ec2 import-key-pair) or set keyName`,
        },
      ];
    }
    throw translateAwsError(error, 'ec2:DescribeKeyPairs');
  }
}

/**
 * The cluster name must not belong to another live build: names of the NLB and target groups derive from it.
 * It reads the region's VPCs and load balancers from `listings`, which the quota check shares (one
 * DescribeVpcs and one DescribeLoadBalancers for both), and matches tags and the name itself.
 */
export async function checkClusterNameFree(
  clients: AwsClients,
  plan: Plan,
  listings: AccountListings = accountListings(clients),
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const [vpcs, loadBalancers] = await Promise.all([listings.vpcs(), listings.loadBalancers()]);
  for (const vpc of vpcs) {
    const tags = fromTagList(vpc.Tags);
    if (tags[TAG.cluster] !== plan.spec.name || tags[TAG.managedBy] !== MANAGED_BY) continue;
    const owner = tags[TAG.buildId];
    if (owner !== plan.buildId) {
      problems.push({
        check: 'cluster-name',
        field: 'name',
        message: `cluster name "${plan.spec.name}" is in use by build ${owner} (${vpc.VpcId}); destroy that build or choose another name`,
      });
    }
  }
  const lbName = plan.loadBalancer.name;
  const arn = loadBalancers.find((lb) => lb.LoadBalancerName === lbName)?.LoadBalancerArn;
  if (arn) {
    // Deleted since the listing: its name is free after all.
    const tags = await goneAs(undefined, 'elbv2:DescribeTags', () => clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] })));
    const owner = tags && fromTagList(tags.TagDescriptions?.[0]?.Tags)[TAG.buildId];
    if (tags && owner !== plan.buildId) {
      problems.push({
        check: 'cluster-name',
        field: 'name',
        message: `load balancer name "${lbName}" is taken${owner ? ` by build ${owner}` : ''}; choose another cluster name`,
      });
    }
  }
  return problems;
}
