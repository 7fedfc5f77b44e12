import { AssociateAddressCommand, DisassociateAddressCommand, type Address } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { publicSubnetIn } from '../core/carried';
import type { BastionDisabled, BastionIds, BastionProgress, NetworkIds } from '../core/contracts';
import { awsReading, NotYetVisible, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { carriedAddress, describeOwnedAddresses, ensureAddress, releaseAddress, type AddressKind } from './addresses';
import { capacityExhausted, isCapacityError, METADATA_HOP_LIMIT, runInstances, type InstanceRecord, type LaunchRequest } from './instances';
import { ignoringGone, withCarried } from './owned';

/**
 * The SSH bastion: one hardened instance in the public subnet (no automatic public IP) and an Elastic IP.
 *
 * Association is deliberately separate from launch. AWS rejects AssociateAddress while the instance is
 * `pending` (InvalidInstanceID: "The pending instance … is not in a valid state for this operation"; by
 * interface, IncorrectInstanceState), and a Lambda must not sleep through the ≈15 s boot. So:
 * - `ensureBastion` (LaunchBastion) launches the instance and allocates the address; it associates them
 *   only if the instance is already `running` (a repeat), otherwise returns without `associationId`;
 * - `associateBastionAddress` (WaitUntilReady) associates once WaitUntilReady has seen the instance
 *   running; WaitUntilReady carries the association id on, so it associates once.
 * Two Elastic IPs tagged for the build are a ResourceConflict naming both; RunInstances' ClientToken keeps a
 * repeat from launching a second bastion.
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
 * Fewer calls (docs/design.md "13.2 Build steps: fewer calls"): the allocation id and public IP the state
 * carries came from this build's AllocateAddress, so they are used without a DescribeAddresses; and no
 * DescribeInstances comes before RunInstances, whose ClientToken makes it answer with the bastion an earlier
 * attempt launched rather than launch a second one
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
 */
export async function ensureBastion(
  clients: AwsClients,
  plan: Plan,
  input: BastionInput,
): Promise<Exclude<BastionProgress, BastionDisabled>> {
  const known = input.known;
  const ensured = await ensureAddress(clients, plan.buildId, BASTION_ADDRESS, plan.bastion.addressTags, known?.allocationId);
  // A carried allocation id comes with the public IP the allocation answered (BastionProgress).
  const address: Address = known?.allocationId ? { AllocationId: known.allocationId, PublicIp: known.publicIp } : ensured.address;
  if (ensured.created) return { allocationId: address.AllocationId as string, publicIp: address.PublicIp ?? '', complete: false };
  const instance = await launchBastion(clients, plan, input);
  return { ...(await associateIfRunning(clients, plan.buildId, instance, address)), complete: true };
}

/**
 * Associates the bastion's Elastic IP with the bastion, both by the ids LaunchBastion put in the state; the
 * caller (WaitUntilReady) has just seen the instance `running` (DescribeInstanceStatus), so nothing here
 * describes it again. One DescribeAddresses by allocation id, which also checks that the address is tagged
 * for the build, and AssociateAddress only when the address is not associated yet: associated with this
 * bastion already (a retried step) is success without a call. AssociateAddress is idempotent for the same
 * instance, but each repeat counts as a remap, which AWS may charge for
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html), and associated with
 * another instance is someone's hand: a ResourceConflict (see `associate`). An instance that is not running
 * after all is ResourceNotReady, for the caller to wait for.
 */
export async function associateBastionAddress(clients: AwsClients, buildId: string, bastion: BastionIds): Promise<BastionIds> {
  const address = await carriedAddress(clients, buildId, bastion.allocationId);
  if (!address) throw new NotYetVisible(`the bastion Elastic IP ${bastion.allocationId} of build ${buildId} is not visible yet`);
  const known: BastionIds = { ...bastion, publicIp: address.PublicIp ?? bastion.publicIp };
  if (address.AssociationId && address.InstanceId === bastion.instanceId) return { ...known, associationId: address.AssociationId };
  return { ...known, associationId: await associate(clients, address, bastion) };
}

/**
 * A fresh launch is `pending`: its address is associated by WaitUntilReady once it runs (AWS refuses a pending
 * instance), so nothing is called. A repeat that meets the bastion already `running` associates it now, after
 * reading the address by id (it may be associated already: then that association is the answer).
 */
async function associateIfRunning(clients: AwsClients, buildId: string, instance: InstanceRecord, known: Address): Promise<BastionIds> {
  const bastion = ids(instance, known);
  return instance.state === 'running' ? associateBastionAddress(clients, buildId, bastion) : bastion;
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

async function associate(clients: AwsClients, address: Address, instance: Pick<InstanceRecord, 'instanceId'>): Promise<string> {
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
