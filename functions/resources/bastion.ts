import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  type Address,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { BastionIds, BastionProgress, NetworkIds } from '../core/contracts';
import { aws, awsReading, codeOf, NotYetVisible, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications } from '../core/tags';
import {
  capacityExhausted,
  describeInstancesById,
  describeOwned,
  isCapacityError,
  LIVE_STATES,
  runInstances,
  type InstanceRecord,
  type LaunchRequest,
} from './instances';
import { ignoringGone, onlyOne, requireCarried, withCarried } from './owned';

/**
 * The SSH bastion: one hardened instance in the public subnet (no automatic public IP) and an Elastic IP.
 *
 * Association is deliberately separate from launch. AWS rejects AssociateAddress while the instance is
 * `pending` (InvalidInstanceID: "The pending instance … is not in a valid state for this operation"; by
 * interface, IncorrectInstanceState), and a Lambda must not sleep through the ≈15 s boot. So:
 * - `ensureBastion` (LaunchBastion) launches the instance and allocates the address; it associates them
 *   only if the instance is already `running` (a repeat), otherwise returns without `associationId`;
 * - `associateBastionAddress` (WaitUntilReady) associates once the instance runs and throws
 *   `ResourceNotReady` until then, so the state machine waits; it is a no-op once associated.
 * Two bastion instances, or two Elastic IPs, tagged for the build are a ResourceConflict naming both.
 */
/** The bastion is instance 1 of its role; the index only feeds the launch's ClientToken. */
const BASTION_INDEX = 1;

export interface BastionInput {
  imageId: string;
  network: NetworkIds;
  /** What an earlier LaunchBastion returned (`state.bastion`): its ids are used if not visible by tag. */
  known?: Partial<BastionIds>;
}

/**
 * The address first, then the instance. AllocateAddress takes no ClientToken: a call that has just allocated
 * the address returns at once, `complete: false`, before any other AWS call can fail, so that the state
 * machine records the allocation id and the next call (in whatever Lambda container) receives it as `known`
 * instead of allocating a second address. The instance's launch carries a ClientToken (a repeat gets the same
 * instance back), and nothing after a fresh launch calls AWS (a pending instance is associated later), so its
 * id always reaches the state: a refused allocation (AddressLimitExceeded…) fails before any launch, and a
 * rollback never meets a bastion it cannot find by id.
 */
export async function ensureBastion(clients: AwsClients, plan: Plan, input: BastionInput): Promise<BastionProgress> {
  const existing = (await findAddress(clients, plan.buildId)) ?? (await carriedAddress(clients, plan.buildId, input.known?.allocationId));
  if (!existing) {
    const address = await allocateAddress(clients, plan);
    return { allocationId: address.AllocationId as string, publicIp: address.PublicIp ?? '', complete: false };
  }
  const instance = (await findBastion(clients, plan.buildId, input.known?.instanceId)) ?? (await launchBastion(clients, plan, input));
  return { ...(await link(clients, instance, existing, 'return-unassociated')), complete: true };
}

/**
 * Associates the bastion's Elastic IP once the instance runs; `ResourceNotReady` until then. `known` is what
 * LaunchBastion returned (`state.bastion`), used when a Describe by tag does not show the instance or address yet.
 */
export async function associateBastionAddress(clients: AwsClients, buildId: string, known: Partial<BastionIds> = {}): Promise<BastionIds> {
  const instance = await findBastion(clients, buildId, known.instanceId);
  if (!instance) throw new NotYetVisible(`the bastion instance of build ${buildId} is not visible yet`);
  const address = (await findAddress(clients, buildId)) ?? (await carriedAddress(clients, buildId, known.allocationId));
  if (!address) throw new NotYetVisible(`the bastion Elastic IP of build ${buildId} is not visible yet`);
  return link(clients, instance, address, 'wait-until-running');
}

async function link(
  clients: AwsClients,
  instance: InstanceRecord,
  address: Address,
  whilePending: 'return-unassociated' | 'wait-until-running',
): Promise<BastionIds> {
  const known = ids(instance, address);
  if (address.AssociationId && address.InstanceId === instance.instanceId) return { ...known, associationId: address.AssociationId };
  if (instance.state !== 'running') {
    if (whilePending === 'return-unassociated') return known;
    throw new ResourceNotReady(`bastion ${instance.instanceId} is ${instance.state}; its Elastic IP is associated once it is running`);
  }
  return { ...known, associationId: await associate(clients, address, instance) };
}

function ids(instance: InstanceRecord, address: Address): BastionIds {
  return {
    instanceId: instance.instanceId,
    allocationId: address.AllocationId as string,
    publicIp: address.PublicIp ?? '',
    privateIp: instance.privateIp,
  };
}

/**
 * Disassociates and releases the build's Elastic IP(s), every one (duplicates too), and those whose
 * allocation ids the state carries (allocated moments ago and not yet visible by tag: released by id rather
 * than leaked). Runs first in teardown: an associated address keeps the Internet Gateway from detaching.
 * Already gone is success. Returns the released allocation ids.
 */
export async function releaseBastionAddress(
  clients: AwsClients,
  buildId: string,
  carriedAllocationIds: readonly string[] = [],
): Promise<string[]> {
  const addresses = await describeAddresses(clients, buildId);
  const seen = addresses.map((address) => address.AllocationId);
  addresses.push(
    ...withCarried([], carriedAllocationIds)
      .filter((id) => !seen.includes(id))
      .map((AllocationId): Address => ({ AllocationId })),
  );
  const released: string[] = [];
  for (const address of addresses) {
    if (address.AssociationId) {
      await ignoringGone('DisassociateAddress', () =>
        clients.ec2.send(new DisassociateAddressCommand({ AssociationId: address.AssociationId })),
      );
    }
    try {
      await ignoringGone('ReleaseAddress', () => clients.ec2.send(new ReleaseAddressCommand({ AllocationId: address.AllocationId })));
    } catch (error) {
      // Right after disassociation EC2 may still see the address in use: wait and retry, don't fail.
      if (codeOf(error) === 'InvalidIPAddress.InUse') {
        throw new ResourceNotReady(`Elastic IP ${address.AllocationId} is still in use; retrying after disassociation settles`, {
          cause: error,
        });
      }
      throw error;
    }
    released.push(address.AllocationId as string);
  }
  return released;
}

/**
 * The bastion instance: by tag, else by the id the state carries (launched moments ago, maybe not listed by
 * tag yet; by id it is checked to be ours and alive). Undefined when neither shows one: launch it.
 */
async function findBastion(clients: AwsClients, buildId: string, knownId?: string): Promise<InstanceRecord | undefined> {
  const byTag = onlyOne('bastion instance', buildId, await describeOwned(clients, buildId, ['bastion'], LIVE_STATES), (i) => i.instanceId);
  if (byTag || !knownId) return byTag;
  const [carried] = await describeInstancesById(clients, [knownId]);
  if (carried && !isOwnedBy(carried.tags, buildId))
    throw new ResourceConflict(`instance ${knownId} is not tagged as belonging to build ${buildId}`);
  return carried && (LIVE_STATES as readonly string[]).includes(carried.state) ? carried : undefined;
}

async function launchBastion(clients: AwsClients, plan: Plan, input: BastionInput): Promise<InstanceRecord> {
  const { publicSubnetId, securityGroupIds } = input.network;
  if (!publicSubnetId || !securityGroupIds.bastion) {
    throw new WorkflowContractError('launch-bastion: the network step returned no public subnet or no bastion security group');
  }
  const request: LaunchRequest = {
    buildId: plan.buildId,
    role: 'bastion',
    indices: [BASTION_INDEX],
    name: plan.bastion.name,
    az: plan.bastion.az,
    subnetId: publicSubnetId,
    securityGroupId: securityGroupIds.bastion,
    keyName: plan.spec.keyName,
    imageId: input.imageId,
    instanceTypes: [plan.bastion.instanceType],
    hopLimit: 1,
    tags: plan.bastion.tags,
  };
  const [instance] = await runInstances(clients, request, 0).catch((error: unknown) => {
    throw isCapacityError(error) ? capacityExhausted(request, request.instanceTypes, error) : error;
  });
  return {
    instanceId: instance.InstanceId as string,
    name: plan.bastion.name,
    role: 'bastion',
    az: plan.bastion.az,
    instanceType: instance.InstanceType ?? plan.bastion.instanceType,
    state: instance.State?.Name ?? 'pending',
    privateIp: instance.PrivateIpAddress,
    securityGroupIds: [securityGroupIds.bastion],
    metadata: {},
    volumes: [],
    tags: plan.bastion.tags,
  };
}

/**
 * Only when neither a Describe by tag nor the id carried in state shows an address (see ensureBastion).
 * Sent once (`ec2Once`): an SDK resend after a lost answer would allocate a second address (see createClients).
 */
async function allocateAddress(clients: AwsClients, plan: Plan): Promise<Address> {
  const out = await aws('AllocateAddress', () =>
    clients.ec2Once.send(
      new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpecifications('elastic-ip', plan.bastion.addressTags) }),
    ),
  );
  if (!out.AllocationId) throw new NotYetVisible('AllocateAddress returned no allocation id');
  return { AllocationId: out.AllocationId, PublicIp: out.PublicIp };
}

async function findAddress(clients: AwsClients, buildId: string): Promise<Address | undefined> {
  return onlyOne('bastion Elastic IP', buildId, await describeAddresses(clients, buildId), (address) => address.AllocationId);
}

async function describeAddresses(clients: AwsClients, buildId: string): Promise<Address[]> {
  const out = await aws('DescribeAddresses', () =>
    clients.ec2.send(new DescribeAddressesCommand({ Filters: ownedFilters(buildId, 'bastion-eip') })),
  );
  return (out.Addresses ?? []).filter((address) => address.AllocationId && isOwnedBy(fromTagList(address.Tags), buildId));
}

/**
 * The address whose allocation id the state carries but which DescribeAddresses does not show by tag yet.
 * InvalidAllocationID.NotFound (or an empty answer) here means "not visible yet" (NotYetVisible): retry,
 * never allocate again.
 */
async function carriedAddress(clients: AwsClients, buildId: string, allocationId?: string): Promise<Address | undefined> {
  if (!allocationId) return undefined;
  const out = await aws('DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })));
  return requireCarried('Elastic IP', allocationId, buildId, out.Addresses?.[0]);
}

async function associate(clients: AwsClients, address: Address, instance: InstanceRecord): Promise<string> {
  if (address.AssociationId) {
    // Tagged as ours yet attached elsewhere: someone moved it by hand; never steal it back silently.
    throw new ResourceConflict(
      `Elastic IP ${address.AllocationId} is associated with ${address.InstanceId ?? address.NetworkInterfaceId}, not bastion ${instance.instanceId}`,
    );
  }
  // An instance that is not running after all is waited for (ResourceNotReady), not a failure: EC2 answers
  // InvalidInstanceID for it by instance id (terraform-provider-aws#3072 retries the same answer); the
  // instance was just found by its id, so "unknown instance" is ruled out.
  const out = await awsReading('AssociateAddress', { InvalidInstanceID: ResourceNotReady }, () =>
    clients.ec2.send(new AssociateAddressCommand({ AllocationId: address.AllocationId, InstanceId: instance.instanceId })),
  );
  return out.AssociationId ?? '';
}
