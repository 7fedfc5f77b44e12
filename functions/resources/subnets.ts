import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  paginateDescribeSubnets,
  type DescribeSubnetsCommandInput,
  type Subnet,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { codeOf, NotYetVisible, ResourceConflict, translateAwsError } from '../core/errors';
import type { Plan, SubnetPlan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications } from '../core/tags';
import { describeAll, ignoringGone, requireCarried, withCarried } from './owned';

/**
 * The subnets: one private subnet per AZ and the public one. A subnet is identified by its CIDR, which the
 * plan fixes and which is unique inside the VPC: AWS refuses a second subnet on the same CIDR with
 * InvalidSubnet.Conflict, which we read as "it exists, we just do not see it yet", never as a reason to
 * create again. CreateSubnet takes no ClientToken, so we look by tag, then for the id carried in state, then create.
 */
export interface SubnetIds {
  /** availability zone → subnet id */
  privateSubnetIds: Record<string, string>;
  /** availability zone → public subnet id (none without a bastion or NAT gateway, one per zone for "nat-per-az") */
  publicSubnetIds: Record<string, string>;
}

/**
 * What ensureSubnets did. `allCreated`: every subnet came from a CreateSubnet that succeeded in this call.
 * As CreateSubnet refuses a CIDR already taken in the VPC (InvalidSubnet.Conflict), no earlier attempt got
 * as far as the subnets, so none made what comes after them (see ensureNetwork).
 */
export interface EnsuredSubnets {
  ids: SubnetIds;
  allCreated: boolean;
}

export async function ensureSubnets(
  clients: AwsClients,
  plan: Plan,
  vpcId: string,
  known: Partial<SubnetIds> = {},
): Promise<EnsuredSubnets> {
  const existing = await findOwnedSubnets(clients, plan.buildId);
  let allCreated = true;
  const ensure = async (subnet: SubnetPlan, knownId?: string): Promise<[string, string]> => {
    const foundId =
      existing.find((s) => s.CidrBlock === subnet.cidr && s.VpcId === vpcId)?.SubnetId ??
      (await carriedSubnetId(clients, plan.buildId, knownId));
    const { id, created } = foundId ? { id: foundId, created: false } : await createSubnet(clients, plan, vpcId, subnet);
    allCreated &&= created;
    return [subnet.az, id];
  };
  const privateSubnetIds: Array<[string, string]> = [];
  for (const subnet of plan.privateSubnets) privateSubnetIds.push(await ensure(subnet, known.privateSubnetIds?.[subnet.az]));
  const publicSubnetIds: Array<[string, string]> = [];
  for (const subnet of plan.publicSubnets) publicSubnetIds.push(await ensure(subnet, known.publicSubnetIds?.[subnet.az]));
  return {
    ids: { privateSubnetIds: Object.fromEntries(privateSubnetIds), publicSubnetIds: Object.fromEntries(publicSubnetIds) },
    allCreated,
  };
}

/**
 * Deletes the build's subnets. Instances and the NLB's lingering interfaces hold ENIs in them: AWS answers
 * DependencyViolation, classified ResourceNotReady, and the teardown retries. Already gone is success.
 */
export async function deleteSubnets(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly (string | undefined)[] = [],
): Promise<string[]> {
  const ids = withCarried(
    (await findOwnedSubnets(clients, buildId)).map((s) => s.SubnetId),
    carriedIds,
  );
  for (const subnetId of ids) {
    await ignoringGone('DeleteSubnet', () => clients.ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })));
  }
  return ids;
}

async function findOwnedSubnets(clients: AwsClients, buildId: string): Promise<Subnet[]> {
  const subnets = await describeSubnets(clients, { Filters: ownedFilters(buildId) });
  return subnets.filter((s) => s.SubnetId && isOwnedBy(fromTagList(s.Tags), buildId));
}

/** A subnet id the state carries that Describe-by-tag did not show: look it up by id. */
async function carriedSubnetId(clients: AwsClients, buildId: string, subnetId?: string): Promise<string | undefined> {
  if (!subnetId) return undefined;
  // InvalidSubnetID.NotFound is classified NotYetVisible: retried, never created again.
  requireCarried('subnet', subnetId, buildId, (await describeSubnets(clients, { SubnetIds: [subnetId] }))[0]);
  return subnetId;
}

/** `created: false` when the CIDR turned out taken by a subnet of ours that the lookup by tag did not show. */
async function createSubnet(clients: AwsClients, plan: Plan, vpcId: string, subnet: SubnetPlan): Promise<{ id: string; created: boolean }> {
  let subnetId: string | undefined;
  try {
    const out = await clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        AvailabilityZone: subnet.az,
        CidrBlock: subnet.cidr,
        TagSpecifications: tagSpecifications('subnet', subnet.tags),
      }),
    );
    subnetId = out.Subnet?.SubnetId;
  } catch (error) {
    if (codeOf(error) !== 'InvalidSubnet.Conflict') throw translateAwsError(error, 'CreateSubnet');
    return { id: await conflictingSubnetId(clients, plan.buildId, vpcId, subnet, error), created: false };
  }
  if (!subnetId) throw new NotYetVisible(`CreateSubnet returned no subnet id for ${subnet.cidr}`);
  return { id: subnetId, created: true };
}

/**
 * CreateSubnet said the CIDR is taken. Ours (created by an earlier attempt, not yet visible by tag): use it.
 * Someone else's: a conflict a retry cannot fix. Not visible at all yet: NotYetVisible, retried.
 */
async function conflictingSubnetId(
  clients: AwsClients,
  buildId: string,
  vpcId: string,
  subnet: SubnetPlan,
  cause: unknown,
): Promise<string> {
  const [match] = await describeSubnets(clients, {
    Filters: [
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'cidr-block', Values: [subnet.cidr] },
    ],
  });
  if (!match?.SubnetId)
    throw new NotYetVisible(`subnet ${subnet.cidr} in ${vpcId} exists (InvalidSubnet.Conflict) but is not visible yet`, { cause });
  if (!isOwnedBy(fromTagList(match.Tags), buildId)) {
    throw new ResourceConflict(
      `CIDR ${subnet.cidr} in ${vpcId} is taken by subnet ${match.SubnetId}, which is not tagged as belonging to build ${buildId}`,
      { cause },
    );
  }
  return match.SubnetId;
}

async function describeSubnets(clients: AwsClients, input: DescribeSubnetsCommandInput): Promise<Subnet[]> {
  return describeAll(
    'DescribeSubnets',
    () => paginateDescribeSubnets({ client: clients.ec2 }, input),
    (page) => page.Subnets,
  );
}
