/**
 * NAT gateways (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html). CreateNatGateway makes a
 * requester-managed interface in the subnet ("This action creates a network interface in the specified subnet",
 * API_CreateNatGateway.html) and, for a public gateway, maps its Elastic IP onto it. The gateway is `pending`,
 * then `available` — or `failed` for the causes AWS reports in failureCode / failureMessage (API_NatGateway.html):
 * the request itself succeeds. Deleting "disassociates its Elastic IP address, but does not release the address"
 * and leaves the routes to it in `blackhole` (vpc-nat-gateway.html#nat-gateway-deleting); the interface and the
 * association last until the gateway is `deleted`.
 */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue, missing } from './args';
import { idempotentCreate } from './client-tokens';
import { applyFilters, FilterFields, notFoundError, paginate } from './filters';
import { natGatewayEndsAt, natGatewayState, natGatewayVisible } from './lifecycles';
import { addServiceInterface, releaseServiceInterfaces } from './service-interfaces';
import { Ec2Store, NatGatewayRec } from './store';
import { getSubnet } from './subnets';
import { tagSet, tagsOnCreate } from './tagging';

export const natGatewayNotFound = notFoundError('NatGatewayNotFound', 'natGateway');

/** A NAT gateway still listed (deleted and failed ones are, for about an hour). */
export function findNatGateway(s: Ec2Store, id: string): NatGatewayRec | undefined {
  const n = s.natGateways.get(id);
  return n && natGatewayVisible(s, n) ? n : undefined;
}

function natGatewayWire(s: Ec2Store, n: NatGatewayRec) {
  const state = natGatewayState(s, n);
  const end = natGatewayEndsAt(s, n);
  const eni = n.eniId ? s.enis.get(n.eniId) : undefined;
  return {
    createTime: new Date(n.createdAt),
    deleteTime: state === 'deleted' && end !== undefined ? new Date(end) : undefined,
    failureCode: state === 'failed' ? n.failure?.code : undefined,
    failureMessage: state === 'failed' ? n.failure?.message : undefined,
    natGatewayAddressSet: [
      {
        allocationId: n.allocationId,
        publicIp: n.publicIp,
        networkInterfaceId: eni?.id,
        privateIp: eni?.privateIp,
        associationId: n.associationId,
        isPrimary: true,
        status: n.failure ? 'failed' : 'succeeded',
      },
    ],
    natGatewayId: n.id,
    state,
    subnetId: n.subnetId,
    vpcId: n.vpcId,
    connectivityType: n.connectivityType,
    tagSet: tagSet(n.tags),
  };
}

/**
 * Why AWS would fail the gateway at the end of `pending`, in the order we check (the failure codes and messages
 * are AWS's, API_NatGateway.html; a public gateway "must be created in a VPC with an internet gateway",
 * nat-gateway-troubleshooting.html). Decided at creation: an internet gateway attached later does not save it.
 */
function failureOf(s: Ec2Store, n: NatGatewayRec): NatGatewayRec['failure'] {
  if (!n.eniId) {
    return { code: 'InsufficientFreeAddressesInSubnet', message: 'Subnet has insufficient free addresses to create this NAT gateway' };
  }
  if (n.connectivityType === 'private') return undefined;
  if (![...s.igws.values()].some((g) => g.vpcId === n.vpcId)) {
    return { code: 'Gateway.NotAttached', message: `Network ${n.vpcId} has no Internet gateway attached` };
  }
  // Mapped onto an instance, an interface or another NAT gateway's interface (until that one is deleted).
  const address = s.addresses.get(n.allocationId as string);
  if (address && s.addressAssociation(address)) {
    return { code: 'Resource.AlreadyAssociated', message: `Elastic IP address ${n.allocationId} is already associated` };
  }
  return undefined;
}

function createNatGateway(s: Ec2Store, a: Args): NatGatewayRec {
  const subnet = getSubnet(s, a.str('SubnetId'));
  const connectivityType = a.str('ConnectivityType') ?? 'public';
  if (connectivityType !== 'public' && connectivityType !== 'private') {
    throw invalidValue(`Value (${connectivityType}) for parameter connectivityType is invalid. Valid values: public, private`);
  }
  const allocationId = a.str('AllocationId');
  // "You must associate an Elastic IP address with a public NAT gateway at creation"; "You cannot associate an
  // Elastic IP address with a private NAT gateway" (vpc-nat-gateway.html). The codes for either are not documented.
  if (connectivityType === 'public' && !allocationId) throw missing('AllocationId');
  if (connectivityType === 'private' && allocationId) {
    throw new CloudError('InvalidParameterCombination', 'You cannot specify an Elastic IP address with a private NAT gateway.');
  }
  const address = allocationId ? s.addresses.get(allocationId) : undefined;
  if (allocationId && !address) throw new CloudError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
  const n: NatGatewayRec = {
    id: s.newId('nat'),
    tags: tagsOnCreate(a, 'natgateway'),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    connectivityType,
    allocationId,
    publicIp: address?.publicIp,
    createdAt: s.now(),
  };
  const eni = addServiceInterface(s, subnet, { interfaceType: 'nat_gateway', description: `Interface for NAT Gateway ${n.id}` });
  n.eniId = eni?.id;
  n.privateIp = eni?.privateIp;
  n.failure = failureOf(s, n);
  if (n.failure) {
    // A failed gateway keeps nothing: its interface goes when it fails, and it never held the address.
    releaseServiceInterfaces(s, [n.eniId], natGatewayEndsAt(s, n) as number);
  } else if (address && eni) {
    n.associationId = s.newId('eipassoc');
    address.associationId = n.associationId;
    address.eniId = eni.id;
    address.instanceId = undefined;
  }
  s.natGateways.set(n.id, n);
  return n;
}

export function natGatewayActions(s: Ec2Store): Actions {
  const fields: FilterFields<NatGatewayRec> = {
    'nat-gateway-id': (n) => n.id,
    'subnet-id': (n) => n.subnetId,
    'vpc-id': (n) => n.vpcId,
    state: (n) => natGatewayState(s, n),
  };
  return {
    CreateNatGateway(a: Args) {
      // ClientToken: "Unique, case-sensitive identifier that you provide to ensure the idempotency of the request"
      // (API_CreateNatGateway.html); the answer echoes it.
      const clientToken = a.str('ClientToken');
      return idempotentCreate(
        s,
        'CreateNatGateway',
        a,
        () => {
          const n = createNatGateway(s, a);
          return { resourceId: n.id, result: { clientToken, natGateway: natGatewayWire(s, n) } };
        },
        (id) => {
          const n = findNatGateway(s, id);
          return n && { clientToken, natGateway: natGatewayWire(s, n) };
        },
      );
    },

    DescribeNatGateways(a: Args) {
      const visible = [...s.natGateways.values()].filter((n) => natGatewayVisible(s, n));
      const ids = a.strings('NatGatewayId');
      const missingIds = ids.filter((id) => !visible.some((n) => n.id === id));
      if (missingIds.length) throw natGatewayNotFound(missingIds);
      const selected = ids.length ? visible.filter((n) => ids.includes(n.id)) : visible;
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { natGatewaySet: page.map((n) => natGatewayWire(s, n)), nextToken };
    },

    DeleteNatGateway(a: Args) {
      const id = a.required('NatGatewayId');
      const n = findNatGateway(s, id);
      if (!n) throw natGatewayNotFound([id]);
      // A repeat while deleting or deleted changes nothing (AWS documents no answer for it; ours succeeds).
      if (n.deletedAt === undefined) {
        n.deletedAt = s.now();
        releaseServiceInterfaces(s, [n.eniId], natGatewayEndsAt(s, n) as number);
      }
      return { natGatewayId: n.id };
    },
  };
}

/** True when `eniId` is a NAT gateway's own interface: its Elastic IP is AWS's to unmap, not the account's. */
export function isNatGatewayInterface(s: Ec2Store, eniId: string | undefined): boolean {
  return !!eniId && s.enis.get(eniId)?.interfaceType === 'nat_gateway';
}
