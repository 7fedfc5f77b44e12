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
import { describeAll, ignoringGone, onlyOne, withCarried, type Ensured } from './owned';

/**
 * Finds the VPC, or creates it, and turns DNS hostnames on (nodes resolve each other by name).
 * CreateVpc takes no ClientToken: a VPC created by this call is returned at once (`created: true`), before
 * any other AWS call could fail; the caller hands the id to the state machine and the next run receives it
 * as `knownId`. That id came from this build's own CreateVpc, so it is used as it is, without a Describe
 * (docs/design.md "13.2 Build steps: fewer calls"): it names the VPC and its planned CIDR, and it is never a
 * reason to create again. A VPC that EC2 does not show yet answers the next call InvalidVpcID.NotFound:
 * NotYetVisible, retried. Without a known id (a repeat after a lost CreateVpc answer) it looks by tag
 * first; two VPCs tagged for the build are a ResourceConflict naming both.
 * `dnsHostnamesOn`: an earlier run has turned DNS hostnames on already (see ensureNetwork), so no call is made.
 */
export async function ensureVpc(clients: AwsClients, plan: Plan, knownId?: string, dnsHostnamesOn = false): Promise<Ensured> {
  const vpcId = knownId ?? (await foundVpcId(clients, plan));
  if (!vpcId) return { id: await createVpc(clients, plan), created: true };
  if (!dnsHostnamesOn) await enableDnsHostnames(clients, vpcId);
  return { id: vpcId, created: false };
}

/** The build's one VPC by tag, checked against the planned CIDR; undefined when there is none. */
async function foundVpcId(clients: AwsClients, plan: Plan): Promise<string | undefined> {
  const existing = onlyOne('VPC', plan.buildId, await findOwnedVpcs(clients, plan.buildId), (vpc) => vpc.VpcId);
  if (!existing) return undefined;
  if (existing.CidrBlock && existing.CidrBlock !== plan.vpc.cidr) {
    throw new ResourceConflict(
      `VPC ${existing.VpcId} of build ${plan.buildId} has CIDR ${existing.CidrBlock}, but the spec asks for ${plan.vpc.cidr}`,
    );
  }
  return existing.VpcId;
}

/**
 * Deletes the build's VPC(s), every one (duplicates too): `vpcIds` as deleteNetwork found them with ownedVpcIds at
 * its start (one DescribeVpcs for the whole teardown run). Runs last: anything still inside makes AWS answer
 * DependencyViolation, which is classified ResourceNotReady so the teardown retries. Already gone is
 * success. Returns the deleted ids.
 */
export async function deleteVpc(clients: AwsClients, vpcIds: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const vpcId of vpcIds) {
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

/** Sent once (`ec2Once`): an SDK resend after a lost answer would make a second VPC (see createClients). */
async function createVpc(clients: AwsClients, plan: Plan): Promise<string> {
  const out = await aws('CreateVpc', () =>
    clients.ec2Once.send(new CreateVpcCommand({ CidrBlock: plan.vpc.cidr, TagSpecifications: tagSpecifications('vpc', plan.vpc.tags) })),
  );
  if (!out.Vpc?.VpcId) throw new NotYetVisible('CreateVpc returned no VPC id');
  return out.Vpc.VpcId;
}

/**
 * A new VPC has DNS support on and DNS hostnames off ("DNS attributes for your VPC",
 * https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html#vpc-dns-support; the embedded
 * cloud's CreateVpc does the same), so only hostnames need a call; AWS refuses them while DNS support is off,
 * which only a person could have done to a VPC of ours. Idempotent: a repeat sets the same value. A VPC just
 * created may answer InvalidVpcID.NotFound (NotYetVisible, retried).
 */
async function enableDnsHostnames(clients: AwsClients, vpcId: string): Promise<void> {
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
