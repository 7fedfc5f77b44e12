import { AssociateAddressCommand, DisassociateAddressCommand, type Address } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { publicSubnetIn } from '../core/carried';
import type { BastionDisabled, BastionIds, BastionProgress, NetworkIds } from '../core/contracts';
import { awsReading, NotYetVisible, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { isOwnedBy } from '../core/tags';
import { carriedAddress, describeOwnedAddresses, ensureAddress, findOwnedAddress, releaseAddress, type AddressKind } from './addresses';
import {
  capacityExhausted,
  describeInstancesById,
  describeOwned,
  isCapacityError,
  LIVE_STATES,
  METADATA_HOP_LIMIT,
  runInstances,
  type InstanceRecord,
  type LaunchRequest,
} from './instances';
import { ignoringGone, onlyOne, withCarried } from './owned';

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
/** One Elastic IP per build has this role: it is found by role alone (WaitUntilReady and teardown have no plan). */
const BASTION_ADDRESS: AddressKind = { what: 'bastion Elastic IP', role: 'bastion-eip' };

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
export async function ensureBastion(
  clients: AwsClients,
  plan: Plan,
  input: BastionInput,
): Promise<Exclude<BastionProgress, BastionDisabled>> {
  const { address: existing, created } = await ensureAddress(
    clients,
    plan.buildId,
    BASTION_ADDRESS,
    plan.bastion.addressTags,
    input.known?.allocationId,
  );
  if (created) return { allocationId: existing.AllocationId as string, publicIp: existing.PublicIp ?? '', complete: false };
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
  const address =
    (await findOwnedAddress(clients, buildId, BASTION_ADDRESS)) ?? (await carriedAddress(clients, buildId, known.allocationId));
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
  const addresses = await describeOwnedAddresses(clients, buildId, BASTION_ADDRESS);
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
    // Right after disassociation EC2 may still see the address in use: releaseAddress waits (ResourceNotReady).
    await releaseAddress(clients, address.AllocationId as string);
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
  const { securityGroupIds } = input.network;
  const publicSubnetId = publicSubnetIn(input.network, plan.bastion.az);
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
    hopLimit: METADATA_HOP_LIMIT.bastion,
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
