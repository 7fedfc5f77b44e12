import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { NetworkIds } from '../core/contracts';
import { aws, awsOnFreshIds, NotYetVisible, ResourceConflict, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { elbTags, lookupOwned, type Lookup } from './elb-owned';
import { deleteListeners } from './listeners';
import { wasDeleted } from './owned';

/**
 * The build's internal Network Load Balancer (docs/design.md "1.1 Topology and defaults"): one subnet mapping per private subnet, the NLB
 * security group, cross-zone load balancing as planned. Found by its name, and only ever treated as ours
 * when its tags carry our build id. The security group goes in at creation: an NLB created without one can
 * never have one (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html).
 */
export const CROSS_ZONE_ATTRIBUTE = 'load_balancing.cross_zone.enabled';

export interface LoadBalancerStatus {
  loadBalancerArn: string;
  dnsName: string;
  /** `provisioning`, `active`, `active_impaired` or `failed`. */
  state: string;
}

function findLoadBalancer(clients: AwsClients, plan: Plan): Promise<Lookup<LoadBalancer>> {
  const Names = [plan.loadBalancer.name];
  return lookupOwned(
    clients,
    plan.buildId,
    'DescribeLoadBalancers',
    async () => (await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names }))).LoadBalancers,
    (lb) => lb.LoadBalancerArn,
  );
}

function statusOf(lb: LoadBalancer): LoadBalancerStatus {
  return { loadBalancerArn: lb.LoadBalancerArn ?? '', dnsName: lb.DNSName ?? '', state: lb.State?.Code ?? 'unknown' };
}

function nameInUse(plan: Plan, arn: string): ResourceConflict {
  return new ResourceConflict(
    `loadBalancer: the name ${plan.loadBalancer.name} is used by a load balancer that is not part of build ${plan.buildId} (${arn}); ` +
      'pick another cluster name or delete that load balancer',
    { details: { field: 'name', loadBalancerArn: arn } },
  );
}

/**
 * Finds or creates the NLB and sets cross-zone load balancing. Does not wait for `active`: listeners can be
 * added while it provisions, and the readiness step waits (≈2.5 min) in the state machine instead.
 */
export async function ensureLoadBalancer(clients: AwsClients, plan: Plan, network: NetworkIds): Promise<LoadBalancerStatus> {
  const found = await findLoadBalancer(clients, plan);
  if (found.kind === 'foreign') throw nameInUse(plan, found.arn);
  const lb = found.kind === 'owned' ? found.resource : await createLoadBalancer(clients, plan, network);
  const status = statusOf(lb);
  await ensureCrossZone(clients, status.loadBalancerArn, plan.loadBalancer.crossZone);
  return status;
}

async function createLoadBalancer(clients: AwsClients, plan: Plan, network: NetworkIds): Promise<LoadBalancer> {
  // Mappings follow the plan's zone order, so a repeated create sends identical settings (see below).
  const SubnetMappings = plan.privateSubnets.map(({ az }) => {
    const SubnetId = network.privateSubnetIds[az];
    if (!SubnetId)
      throw new WorkflowContractError(`state.network.privateSubnetIds: no private subnet for ${az}; CreateNetwork makes one per zone`);
    return { SubnetId };
  });
  const nlbGroup = network.securityGroupIds.nlb;
  if (!nlbGroup) throw new WorkflowContractError('state.network.securityGroupIds.nlb: missing; CreateNetwork makes it');
  // CreateLoadBalancer takes no ClientToken but is idempotent by name: the same name with the same settings
  // returns the existing NLB. So when DescribeLoadBalancers lags behind an earlier create, this call hands
  // back that NLB rather than making a second one (different settings answer DuplicateLoadBalancerName →
  // ResourceConflict). No ledger entry is needed.
  // The subnets and the group were created by this build's CreateNetwork moments ago, and ELBv2 may not see
  // them yet (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). SubnetNotFound and
  // InvalidSecurityGroup are NotYetVisible everywhere (errors.ts); InvalidSubnet is too, but only here: its
  // documented causes (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html)
  // are a subnet out of addresses or, internet-facing only, a VPC without an Internet Gateway, and an
  // internal NLB needs one address in each of these fresh subnets, which spec validation sized for the nodes
  // plus that interface. Were one full after all, the retries end within TRANSIENT_AWS_RETRY's bound and the
  // error keeps AWS's message.
  const out = await awsOnFreshIds('CreateLoadBalancer', ['InvalidSubnet'], () =>
    clients.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: plan.loadBalancer.name,
        Type: 'network',
        Scheme: 'internal',
        IpAddressType: 'ipv4',
        SubnetMappings,
        // An NLB's security groups can only be attached when it is created: an NLB created without one can
        // never get one, and its targets would have to admit the listener ports from the whole VPC.
        SecurityGroups: [nlbGroup],
        Tags: elbTags(plan.loadBalancer.tags),
      }),
    ),
  );
  const lb = out.LoadBalancers?.[0];
  if (!lb?.LoadBalancerArn) throw new NotYetVisible(`CreateLoadBalancer: no load balancer returned for ${plan.loadBalancer.name}`);
  return lb;
}

/** NLBs start with cross-zone off; change the attribute only when it differs (keeps a rerun read-only). */
async function ensureCrossZone(clients: AwsClients, loadBalancerArn: string, crossZone: boolean): Promise<void> {
  const out = await aws('DescribeLoadBalancerAttributes', () =>
    clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: loadBalancerArn })),
  );
  const wanted = String(crossZone);
  if (out.Attributes?.find((a) => a.Key === CROSS_ZONE_ATTRIBUTE)?.Value === wanted) return;
  await aws('ModifyLoadBalancerAttributes', () =>
    clients.elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: loadBalancerArn,
        Attributes: [{ Key: CROSS_ZONE_ATTRIBUTE, Value: wanted }],
      }),
    ),
  );
}

/** The build's NLB and its state code, or undefined when there is none of ours (for readiness and teardown). */
export async function describeLoadBalancer(clients: AwsClients, plan: Plan): Promise<LoadBalancerStatus | undefined> {
  const found = await findLoadBalancer(clients, plan);
  return found.kind === 'owned' ? statusOf(found.resource) : undefined;
}

/**
 * Deletes the build's NLB: its listeners first, then the NLB. Absent, or a same-named NLB that is not ours,
 * is nothing to do. Returns the ARNs deleted. The NLB's network interfaces linger for a while after this
 * returns; the network teardown retries on DependencyViolation until they are gone.
 */
export async function deleteLoadBalancer(clients: AwsClients, plan: Plan): Promise<string[]> {
  const found = await findLoadBalancer(clients, plan);
  if (found.kind !== 'owned') return [];
  const deleted = await deleteListeners(clients, found.arn);
  const gone = await wasDeleted('DeleteLoadBalancer', () =>
    clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: found.arn })),
  );
  return gone ? [...deleted, found.arn] : deleted;
}
