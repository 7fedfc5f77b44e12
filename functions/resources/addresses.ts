import { AllocateAddressCommand, DescribeAddressesCommand, ReleaseAddressCommand, type Address } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, NotYetVisible, ResourceNotReady } from '../core/errors';
import { fromTagList, isOwnedBy, ownedFilters, TAG, tagSpecifications, type Role, type Tags } from '../core/tags';
import { ignoringGone, onlyOne, requireCarried } from './owned';

/**
 * The build's Elastic IPs: the bastion's and one per NAT gateway. AllocateAddress takes no ClientToken
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateAddress.html), so the allocation id the state
 * carries is used, else an address is looked for by tag, and only then allocated; an address allocated by this
 * call is returned at once (`created: true`) so that the state machine records its id before any other AWS call
 * can fail, and the next run (in whatever Lambda container) finds it by that id instead of allocating again.
 */
export interface AddressKind {
  /** Names the address in messages: "bastion Elastic IP". */
  what: string;
  role: Role;
  /** Where a build has several addresses of one role (a NAT gateway per zone), the Name tag that tells them apart. */
  name?: string;
}

/** An address found (`created: false`) or allocated by this call (`created: true`: return its id at once). */
export interface EnsuredAddress {
  address: Address;
  created: boolean;
}

/**
 * `knownId`, the allocation id the state carries, came from this build's own AllocateAddress: it is used as it
 * is, without a Describe (docs/design.md "13.2 Build steps: fewer calls"), and is never a reason to allocate
 * again; the caller that needs more of the address (its association) reads it by id (`carriedAddress`). Without
 * one, the address is looked for by tag (a repeat after a lost answer) and allocated only if none is found.
 */
export async function ensureAddress(
  clients: AwsClients,
  buildId: string,
  kind: AddressKind,
  tags: Tags,
  knownId?: string,
): Promise<EnsuredAddress> {
  if (knownId) return { address: { AllocationId: knownId }, created: false };
  const existing = await findOwnedAddress(clients, buildId, kind);
  if (existing) return { address: existing, created: false };
  return { address: await allocateAddress(clients, tags), created: true };
}

/** The one address of `kind` tagged for the build; two are a ResourceConflict naming both (see `onlyOne`). */
export async function findOwnedAddress(clients: AwsClients, buildId: string, kind: AddressKind): Promise<Address | undefined> {
  return onlyOne(kind.what, buildId, await describeOwnedAddresses(clients, buildId, kind), (address) => address.AllocationId);
}

/** Every address of the kind's role (and Name, when given) tagged for the build, duplicates included. */
export async function describeOwnedAddresses(clients: AwsClients, buildId: string, kind: Omit<AddressKind, 'what'>): Promise<Address[]> {
  const filters = ownedFilters(buildId, kind.role);
  if (kind.name) filters.push({ Name: `tag:${TAG.name}`, Values: [kind.name] });
  const out = await aws('DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({ Filters: filters })));
  return (out.Addresses ?? []).filter((address) => address.AllocationId && isOwnedBy(fromTagList(address.Tags), buildId));
}

/**
 * The address whose allocation id the state carries but which DescribeAddresses does not show by tag yet.
 * InvalidAllocationID.NotFound (or an empty answer) here means "not visible yet" (NotYetVisible): retry,
 * never allocate again.
 */
export async function carriedAddress(clients: AwsClients, buildId: string, allocationId?: string): Promise<Address | undefined> {
  if (!allocationId) return undefined;
  const out = await aws('DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })));
  return requireCarried('Elastic IP', allocationId, buildId, out.Addresses?.[0]);
}

/**
 * Releases one address; already released is success. An address still in use (right after its disassociation,
 * or while the NAT gateway that held it is being deleted) is waited for (ResourceNotReady), not a failure.
 */
export async function releaseAddress(clients: AwsClients, allocationId: string): Promise<void> {
  try {
    await ignoringGone('ReleaseAddress', () => clients.ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId })));
  } catch (error) {
    if (codeOf(error) === 'InvalidIPAddress.InUse') {
      throw new ResourceNotReady(`Elastic IP ${allocationId} is still in use; retrying once its association is gone`, { cause: error });
    }
    throw error;
  }
}

/** Sent once (`ec2Once`): an SDK resend after a lost answer would allocate a second address (see createClients). */
async function allocateAddress(clients: AwsClients, tags: Tags): Promise<Address> {
  const out = await aws('AllocateAddress', () =>
    clients.ec2Once.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpecifications('elastic-ip', tags) })),
  );
  if (!out.AllocationId) throw new NotYetVisible('AllocateAddress returned no allocation id');
  return { AllocationId: out.AllocationId, PublicIp: out.PublicIp };
}
