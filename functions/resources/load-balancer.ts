import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { NetworkIds } from '../core/contracts';
import { aws, awsOnFreshIds, codeOf, NotYetVisible, ResourceConflict, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { elbTags, lookupOwned, ownedArns, type Lookup } from './elb-owned';
import { goneAs, wasDeleted } from './owned';
import { deleteTargetGroups, namedTargetGroupArns } from './target-groups';

/**
 * The build's internal Network Load Balancer (docs/design.md "1.1 Topology and defaults"): one subnet mapping per private subnet, the NLB
 * security group, cross-zone load balancing as planned. Readiness and teardown find it by its name and treat it
 * as ours only when its tags carry our build id; the build gets it from CreateLoadBalancer itself (see
 * ensureLoadBalancer). The security group goes in at creation: an NLB created without one can
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

/** CreateLoadBalancer met a load balancer of the build's name whose settings differ from the plan's. */
function nameInUse(plan: Plan, cause: unknown): ResourceConflict {
  return new ResourceConflict(
    `loadBalancer: the name ${plan.loadBalancer.name} is used by a load balancer with other settings than build ${plan.buildId} plans ` +
      "(another build's, or changed by hand since); pick another cluster name or delete that load balancer",
    { cause, details: { field: 'name' } },
  );
}

/**
 * Creates the NLB, or gets back the one an earlier attempt created, and sets cross-zone load balancing.
 * CreateLoadBalancer is idempotent, "If you attempt to create multiple load balancers with the same settings,
 * each call succeeds" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html),
 * but each call draws on ELB's resource-intensive bucket: 10 tokens, refilled one every 5 s for the whole account
 * and region (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html). Fifty
 * builds at once wait minutes for those tokens; a step retried after a later call was throttled would spend
 * another on the NLB it already made. So one Describe by name comes first (the non-mutating bucket: 40, and 10 a
 * second): an NLB of that name in this build's VPC is the one an earlier attempt made (the VPC is this build's
 * alone); otherwise the create, whose settings (this build's subnets and group) no one else's NLB has, and a
 * same-named NLB with other settings is DuplicateLoadBalancerName, a ResourceConflict (preflight has checked the
 * name is free). Does not wait for `active`: listeners can be added while it provisions, and the readiness step
 * waits (≈2.5 min) in the state machine instead.
 */
export async function ensureLoadBalancer(clients: AwsClients, plan: Plan, network: NetworkIds): Promise<LoadBalancerStatus> {
  const made = await madeInVpc(clients, plan, network.vpcId);
  const status = statusOf(made ?? (await createLoadBalancer(clients, plan, network)));
  await setCrossZone(clients, status.loadBalancerArn, plan.loadBalancer.crossZone);
  return status;
}

/** The NLB of the plan's name, if there is one in `vpcId` (an earlier attempt's); not found or elsewhere, undefined. */
async function madeInVpc(clients: AwsClients, plan: Plan, vpcId: string): Promise<LoadBalancer | undefined> {
  const found = await aws('DescribeLoadBalancers', () =>
    clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [plan.loadBalancer.name] })),
  ).catch((error: unknown) => {
    if (codeOf(error) === 'LoadBalancerNotFound' || error instanceof NotYetVisible) return undefined;
    throw error;
  });
  return found?.LoadBalancers?.find((lb) => lb.VpcId === vpcId && lb.LoadBalancerArn);
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
  // returns the existing NLB, so a repeat after a lost answer hands back that NLB rather than making a second
  // one (different settings answer DuplicateLoadBalancerName → ResourceConflict). No ledger entry is needed.
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
  ).catch((error: unknown) => {
    throw codeOf(error) === 'DuplicateLoadBalancerName' ? nameInUse(plan, error) : error;
  });
  const lb = out.LoadBalancers?.[0];
  if (!lb?.LoadBalancerArn) throw new NotYetVisible(`CreateLoadBalancer: no load balancer returned for ${plan.loadBalancer.name}`);
  return lb;
}

/**
 * Sets cross-zone load balancing as planned, without reading it first: ModifyLoadBalancerAttributes sets the
 * value given, whatever it was, and leaves the other attributes as they are
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyLoadBalancerAttributes.html),
 * so a repeat changes nothing. An NLB just created may answer LoadBalancerNotFound (NotYetVisible, retried).
 */
async function setCrossZone(clients: AwsClients, loadBalancerArn: string, crossZone: boolean): Promise<void> {
  await aws('ModifyLoadBalancerAttributes', () =>
    clients.elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: loadBalancerArn,
        Attributes: [{ Key: CROSS_ZONE_ATTRIBUTE, Value: String(crossZone) }],
      }),
    ),
  );
}

/** The build's NLB and its state code, or undefined when there is none of ours (for readiness and teardown). */
export async function describeLoadBalancer(clients: AwsClients, plan: Plan): Promise<LoadBalancerStatus | undefined> {
  const found = await findLoadBalancer(clients, plan);
  return found.kind === 'owned' ? statusOf(found.resource) : undefined;
}

/** What the teardown of the load balancer part did: the ARNs deleted, and whether the NLB has just been deleted. */
export interface LoadBalancerTeardown {
  deleted: string[];
  /**
   * True when this run deleted the NLB, or when an earlier attempt of the step did moments ago: no NLB is found
   * but a target group of ours still is (see deleteLoadBalancer). Either way its interfaces may still linger.
   */
  loadBalancerDeleted: boolean;
}

/**
 * Deletes the build's NLB and its target groups in as few calls as ELBv2 allows: the NLB and the target groups
 * by name (one Describe each), their ownership in one DescribeTags (up to 20 ARNs a call), then the deletes.
 * No listener is listed or deleted: "Deleting a load balancer also deletes its listeners"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html), and once
 * they are gone no listener forwards to the target groups, which can then go
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteTargetGroup.html). ELBv2 often
 * still counts a group in use a moment after the NLB's delete (ResourceInUse → ResourceNotReady): the state machine
 * runs the step again, and the deleted NLB is then no longer found. Such a run still answers `loadBalancerDeleted`
 * when a target group of ours is left without an NLB: the groups go right after the NLB, so one that is still there
 * means the NLB went moments ago, in an earlier attempt, and its interfaces are as likely to linger (the handler
 * records the time of this run, later than the delete: a wait a little long, never short). Absent, or
 * same-named resources that are not ours, are nothing to do. The NLB's network interfaces linger for a minute
 * after; TerminateInstances turns `loadBalancerDeleted` (recorded with its time by the handler) into the
 * teardown's wait.
 */
export async function deleteLoadBalancer(clients: AwsClients, plan: Plan): Promise<LoadBalancerTeardown> {
  const [loadBalancerArn, targetGroupArns] = await Promise.all([namedLoadBalancerArn(clients, plan), namedTargetGroupArns(clients, plan)]);
  const arns = [...(loadBalancerArn ? [loadBalancerArn] : []), ...targetGroupArns];
  if (arns.length === 0) return { deleted: [], loadBalancerDeleted: false };
  const ours = await ownedArns(clients, arns, plan.buildId);
  // DeleteLoadBalancer "succeeds" for a load balancer already deleted: then it is deleted all the same.
  const deletedNow =
    loadBalancerArn !== undefined && ours.has(loadBalancerArn)
      ? await wasDeleted('DeleteLoadBalancer', () =>
          clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: loadBalancerArn })),
        )
      : false;
  const ourGroups = targetGroupArns.filter((arn) => ours.has(arn));
  // No NLB, but our target groups: an earlier attempt deleted the NLB and met ResourceInUse on a group (see above).
  const deletedEarlier = loadBalancerArn === undefined && ourGroups.length > 0;
  const groupsDeleted = await deleteTargetGroups(clients, ourGroups);
  return {
    deleted: [...(deletedNow && loadBalancerArn ? [loadBalancerArn] : []), ...groupsDeleted],
    loadBalancerDeleted: deletedNow || deletedEarlier,
  };
}

/** The ARN of the load balancer named for the build, whoever owns it; undefined when there is none (LoadBalancerNotFound). */
async function namedLoadBalancerArn(clients: AwsClients, plan: Plan): Promise<string | undefined> {
  const Names = [plan.loadBalancer.name];
  const found = await goneAs(
    undefined,
    'DescribeLoadBalancers',
    async () => (await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names }))).LoadBalancers,
  );
  return found?.[0]?.LoadBalancerArn;
}
