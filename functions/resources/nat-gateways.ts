import {
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  paginateDescribeNatGateways,
  type Address,
  type DescribeNatGatewaysCommandInput,
  type NatGateway,
} from '@aws-sdk/client-ec2';
import { clientToken } from '../core/client-token';
import type { AwsClients } from '../core/clients';
import { aws, awsReading, NotYetVisible, ResourceConflict } from '../core/errors';
import type { NatGatewayPlan, Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, TAG, tagSpecifications } from '../core/tags';
import { describeOwnedAddresses, ensureAddress, releaseAddress, type AddressKind } from './addresses';
import { carriedUnseen, describeAll, onlyOne, resourceFailed, wasDeleted, type Ensured } from './owned';

/**
 * NAT gateways (egress "nat-single" / "nat-per-az"): one per planned zone, in that zone's public subnet, each
 * with its own Elastic IP. The address comes first: AllocateAddress takes no ClientToken (see addresses.ts), so
 * a run that allocates one returns at once. CreateNatGateway takes one
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNatGateway.html), so a repeat, in any
 * Lambda container, gets the gateway the first request made. A gateway is `pending`, then `available`, or
 * `failed` (the request itself succeeded: the reason is in FailureCode / FailureMessage).
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
 */

/** States from which a gateway never carries traffic again: a lookup by tag passes over them. */
const DEAD: readonly string[] = ['deleting', 'deleted', 'failed'];
/** The NAT addresses of a build, all zones together (teardown releases every one). */
const NAT_ADDRESSES = { role: 'nat-eip' } as const;

/** A NAT gateway's Elastic IP: found by role and Name, else by the allocation id the state carries, else allocated. */
export async function ensureNatAddress(clients: AwsClients, plan: Plan, nat: NatGatewayPlan, knownId?: string): Promise<Ensured> {
  const kind: AddressKind = { what: `Elastic IP of NAT gateway ${nat.name}`, role: 'nat-eip', name: nat.addressTags[TAG.name] };
  const { address, created } = await ensureAddress(clients, plan.buildId, kind, nat.addressTags, knownId);
  return { id: address.AllocationId as string, created };
}

/**
 * The gateway of `nat`: the live one its tags find, else CreateNatGateway. Its ClientToken covers the subnet
 * and the address, since reusing a token with other parameters is IdempotentParameterMismatch. A gateway that
 * failed is passed over here, and the create then returns that same gateway (same token): natGatewayStates
 * reports it, with AWS's reason, as a terminal error.
 */
export async function ensureNatGateway(
  clients: AwsClients,
  plan: Plan,
  nat: NatGatewayPlan,
  subnetId: string,
  allocationId: string,
): Promise<string> {
  const found = onlyOne(
    `NAT gateway ${nat.name}`,
    plan.buildId,
    (await findOwnedGateways(clients, plan.buildId)).filter((g) => !DEAD.includes(g.State ?? '') && nameOf(g) === nat.name),
    (g) => g.NatGatewayId,
  );
  if (found) {
    if (found.SubnetId !== subnetId)
      throw new ResourceConflict(`NAT gateway ${found.NatGatewayId} (${nat.name}) is in subnet ${found.SubnetId}, not in ${subnetId}`);
    return found.NatGatewayId as string;
  }
  const out = await aws('CreateNatGateway', () =>
    clients.ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: subnetId,
        AllocationId: allocationId,
        ClientToken: clientToken('nat-gateway', plan.buildId, nat.name, subnetId, allocationId),
        TagSpecifications: tagSpecifications('natgateway', nat.tags),
      }),
    ),
  );
  const gatewayId = out.NatGateway?.NatGatewayId;
  if (!gatewayId) throw new NotYetVisible(`CreateNatGateway returned no gateway id for ${nat.name}`);
  return gatewayId;
}

/**
 * id → state (pending, available, deleting, deleted) of gateways this build created. NatGatewayNotFound for an
 * id we hold can only mean "not visible yet" (NotYetVisible, retried); a `failed` gateway is a terminal error
 * carrying AWS's FailureCode and FailureMessage (see `resourceFailed`).
 */
export async function natGatewayStates(clients: AwsClients, ids: readonly string[]): Promise<Record<string, string>> {
  if (!ids.length) return {};
  const gateways = await awsReading('DescribeNatGateways', { NatGatewayNotFound: NotYetVisible }, () =>
    describeGateways(clients, { NatGatewayIds: [...ids] }),
  );
  const states: Record<string, string> = {};
  for (const gateway of gateways) {
    const id = gateway.NatGatewayId as string;
    if (gateway.State === 'failed') {
      throw resourceFailed(`NAT gateway ${id}${nameOf(gateway) ? ` (${nameOf(gateway)})` : ''}`, {
        code: gateway.FailureCode,
        message: gateway.FailureMessage,
      });
    }
    states[id] = gateway.State ?? 'pending';
  }
  return states;
}

/**
 * Deletes the build's NAT gateways (by tag, and the ids the state carries), then releases their addresses.
 * A gateway's interface holds its subnet and its Elastic IP until it is `deleted` (AWS then unmaps the address
 * but does not release it), so while any is on its way it is returned in `pending` and no address is released
 * yet; releasing one still mapped is refused (AuthFailure or InvalidIPAddress.InUse, per
 * kubernetes/kops#1604), which the check of each address's association avoids. A failed gateway holds nothing
 * (AWS deletes it itself). Already gone is success.
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-deleting
 */
export async function deleteNatGateways(
  clients: AwsClients,
  buildId: string,
  carried: { natGatewayIds?: readonly string[]; addressIds?: readonly string[] } = {},
): Promise<{ deleted: string[]; pending: string[] }> {
  const gateways = await findOwnedGateways(clients, buildId);
  gateways.push(
    ...(await carriedUnseen(
      gateways.map((g) => g.NatGatewayId),
      carried.natGatewayIds ?? [],
      async (id) => (await describeGateways(clients, { NatGatewayIds: [id] }))[0],
      (NatGatewayId): NatGateway => ({ NatGatewayId }),
    )),
  );
  const deleted: string[] = [];
  const pending: string[] = [];
  for (const gateway of gateways) {
    const id = gateway.NatGatewayId as string;
    if (gateway.State === 'deleted' || gateway.State === 'failed') deleted.push(id);
    else if (gateway.State === 'deleting') pending.push(id);
    else if (await wasDeleted('DeleteNatGateway', () => clients.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id }))))
      pending.push(id);
    else deleted.push(id);
  }
  if (pending.length) return { deleted, pending };
  return releaseNatAddresses(clients, buildId, carried.addressIds ?? [], deleted);
}

/** Releases the NAT addresses once no gateway holds them; one still mapped is `pending` (AWS unmaps it soon). */
async function releaseNatAddresses(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly string[],
  deleted: string[],
): Promise<{ deleted: string[]; pending: string[] }> {
  const addresses = await describeOwnedAddresses(clients, buildId, NAT_ADDRESSES);
  addresses.push(
    ...(await carriedUnseen(
      addresses.map((a) => a.AllocationId),
      carriedIds,
      async (id) =>
        (await aws('DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] })))).Addresses?.[0],
      (AllocationId): Address => ({ AllocationId }),
    )),
  );
  const pending: string[] = [];
  for (const address of addresses) {
    const id = address.AllocationId as string;
    if (address.AssociationId) pending.push(id);
    else {
      await releaseAddress(clients, id);
      deleted.push(id);
    }
  }
  return { deleted, pending };
}

async function findOwnedGateways(clients: AwsClients, buildId: string): Promise<NatGateway[]> {
  const gateways = await describeGateways(clients, { Filter: ownedFilters(buildId, 'nat-gateway') });
  return gateways.filter((g) => g.NatGatewayId && isOwnedBy(fromTagList(g.Tags), buildId));
}

function nameOf(gateway: NatGateway): string | undefined {
  return fromTagList(gateway.Tags)[TAG.name];
}

/** DescribeNatGateways names its filter list `Filter`, not `Filters`. */
async function describeGateways(clients: AwsClients, input: DescribeNatGatewaysCommandInput): Promise<NatGateway[]> {
  return describeAll(
    'DescribeNatGateways',
    () => paginateDescribeNatGateways({ client: clients.ec2 }, input),
    (page) => page.NatGateways,
  );
}
