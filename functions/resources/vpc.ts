import {
  CreateVpcCommand,
  DeleteVpcCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeVpcs,
  type DescribeVpcsCommandInput,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, NotYetVisible, ResourceConflict } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications } from '../core/tags';
import { describeAll, ignoringGone, onlyOne, requireCarried, withCarried, type Ensured } from './owned';

/**
 * Finds the VPC and turns DNS support and hostnames on (nodes resolve each other by name), or creates it.
 * CreateVpc takes no ClientToken, so it looks by tag, then for the id carried in state, and only then
 * creates; two VPCs tagged for the build are a ResourceConflict naming both.
 * A VPC created by this call is returned at once (`created: true`), before any other AWS call could fail:
 * the caller hands the id to the state machine, and the next run finds it as a carried id and finishes it.
 */
export async function ensureVpc(clients: AwsClients, plan: Plan, knownId?: string): Promise<Ensured> {
  const existing =
    onlyOne('VPC', plan.buildId, await findOwnedVpcs(clients, plan.buildId), (vpc) => vpc.VpcId) ??
    (await carriedVpc(clients, plan.buildId, knownId));
  if (!existing) return { id: await createVpc(clients, plan), created: true };
  if (existing.CidrBlock && existing.CidrBlock !== plan.vpc.cidr) {
    throw new ResourceConflict(
      `VPC ${existing.VpcId} of build ${plan.buildId} has CIDR ${existing.CidrBlock}, but the spec asks for ${plan.vpc.cidr}`,
    );
  }
  await enableDns(clients, existing.VpcId as string);
  return { id: existing.VpcId as string, created: false };
}

/**
 * Deletes the build's VPC(s), every one (duplicates too). Runs last: anything still inside makes AWS answer
 * DependencyViolation, which is classified ResourceNotReady so the teardown retries. Already gone is
 * success. Returns the deleted ids.
 */
export async function deleteVpc(clients: AwsClients, buildId: string, carriedId?: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const vpcId of await ownedVpcIds(clients, buildId, carriedId)) {
    await ignoringGone('DeleteVpc', () => clients.ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
    deleted.push(vpcId);
  }
  return deleted;
}

/** Ids of the build's VPCs: visible by tag, plus the one carried in state (created moments ago, maybe not visible yet). */
export async function ownedVpcIds(clients: AwsClients, buildId: string, carriedId?: string): Promise<string[]> {
  return withCarried(
    (await findOwnedVpcs(clients, buildId)).map((vpc) => vpc.VpcId),
    [carriedId],
  );
}

async function findOwnedVpcs(clients: AwsClients, buildId: string): Promise<Vpc[]> {
  const vpcs = await describeVpcs(clients, { Filters: ownedFilters(buildId, 'vpc') });
  return vpcs.filter((vpc) => vpc.VpcId && isOwnedBy(fromTagList(vpc.Tags), buildId));
}

/**
 * The VPC whose id the state carries but which Describe-by-tag did not show. Not found by id either means
 * "not visible yet": NotYetVisible (retried), never a second CreateVpc.
 */
async function carriedVpc(clients: AwsClients, buildId: string, vpcId?: string): Promise<Vpc | undefined> {
  if (!vpcId) return undefined;
  return requireCarried('VPC', vpcId, buildId, (await describeVpcs(clients, { VpcIds: [vpcId] }))[0]);
}

/** Sent once (`ec2Once`): an SDK resend after a lost answer would make a second VPC (see createClients). */
async function createVpc(clients: AwsClients, plan: Plan): Promise<string> {
  const out = await aws('CreateVpc', () =>
    clients.ec2Once.send(new CreateVpcCommand({ CidrBlock: plan.vpc.cidr, TagSpecifications: tagSpecifications('vpc', plan.vpc.tags) })),
  );
  if (!out.Vpc?.VpcId) throw new NotYetVisible('CreateVpc returned no VPC id');
  return out.Vpc.VpcId;
}

/**
 * AWS accepts one attribute per ModifyVpcAttribute call, and refuses DNS hostnames while DNS support is
 * off, so support goes first. Both calls are idempotent; a VPC just created may answer
 * InvalidVpcID.NotFound (NotYetVisible, retried).
 */
async function enableDns(clients: AwsClients, vpcId: string): Promise<void> {
  await aws('ModifyVpcAttribute', () =>
    clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } })),
  );
  await aws('ModifyVpcAttribute', () =>
    clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })),
  );
}

async function describeVpcs(clients: AwsClients, input: DescribeVpcsCommandInput): Promise<Vpc[]> {
  return describeAll(
    'DescribeVpcs',
    () => paginateDescribeVpcs({ client: clients.ec2 }, input),
    (page) => page.Vpcs,
  );
}
