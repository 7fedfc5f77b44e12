/** Elastic IPs: allocation bounded by the EIP quota, association to an instance's (or any) interface. */
import { CloudError } from '../contract';
import { QUOTA_CODES } from '../quotas';
import { Actions, Args, invalidValue } from './args';
import { applyFilters, FilterFields, notFoundError, selectByIds } from './filters';
import { instanceNotFound } from './instance-views';
import { AddressRec, EniRec, Ec2Store } from './store';
import { tagSet, tagsOnCreate } from './tagging';

export const allocationNotFound = notFoundError('InvalidAllocationID.NotFound', 'allocation');

/**
 * A requester-managed interface (a NAT gateway's, a load balancer's…) is its service's: associating an Elastic IP
 * onto one, or disassociating or releasing the address a NAT gateway holds, answers AuthFailure until the service
 * lets go (hashicorp/terraform-provider-aws#3572 and #4675, hashicorp/terraform#14698, kubernetes/kops#1604,
 * eformat/sno-for-100#5; requester-managed interfaces: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html).
 */
const serviceOwned = () => new CloudError('AuthFailure', 'You do not have permission to access the specified resource.');
const requesterManaged = (eni: EniRec | undefined) => !!eni && eni.interfaceType !== 'interface';

function getAddress(s: Ec2Store, a: Args): AddressRec {
  const id = a.str('AllocationId');
  const ip = a.str('PublicIp');
  if (!id && !ip) throw new CloudError('MissingParameter', 'The request must contain the parameter AllocationId');
  const address = id ? s.addresses.get(id) : [...s.addresses.values()].find((x) => x.publicIp === ip);
  if (!address) {
    if (id) throw allocationNotFound([id]);
    throw new CloudError('InvalidAddress.NotFound', `Address '${ip}' not found.`);
  }
  return address;
}

function addressWire(s: Ec2Store, x: AddressRec) {
  const assoc = s.addressAssociation(x);
  return {
    allocationId: x.id,
    publicIp: x.publicIp,
    domain: 'vpc',
    associationId: assoc?.associationId,
    instanceId: assoc?.instanceId,
    networkInterfaceId: assoc?.eni.id,
    networkInterfaceOwnerId: assoc ? s.accountId : undefined,
    privateIpAddress: assoc?.eni.privateIp,
    publicIpv4Pool: 'amazon',
    networkBorderGroup: s.region,
    tagSet: tagSet(x.tags),
  };
}

/** The interface an association targets: the instance's primary ENI, or the ENI named directly. */
function targetInterface(s: Ec2Store, a: Args): EniRec {
  const instanceId = a.str('InstanceId');
  const eniId = a.str('NetworkInterfaceId');
  if (instanceId) {
    const instance = s.instances.get(instanceId);
    if (!instance || s.instanceState(instance) === 'terminated') throw instanceNotFound([instanceId]);
    const state = s.instanceState(instance);
    if (state !== 'running') {
      throw new CloudError('InvalidInstanceID', `The ${state} instance '${instanceId}' is not in a valid state for this operation.`);
    }
    return s.enis.get(instance.eniId) as EniRec;
  }
  if (!eniId) throw new CloudError('MissingParameter', 'Either an instance ID or a network interface ID must be specified');
  const eni = s.liveEnis().find((e) => e.id === eniId);
  if (!eni) throw new CloudError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${eniId}' does not exist`);
  return eni;
}

export function addressActions(s: Ec2Store): Actions {
  const fields: FilterFields<AddressRec> = {
    'allocation-id': (x) => x.id,
    'public-ip': (x) => x.publicIp,
    domain: () => 'vpc',
    'association-id': (x) => s.addressAssociation(x)?.associationId,
    'instance-id': (x) => s.addressAssociation(x)?.instanceId,
    'network-interface-id': (x) => s.addressAssociation(x)?.eni.id,
    'private-ip-address': (x) => s.addressAssociation(x)?.eni.privateIp,
  };
  return {
    AllocateAddress(a: Args) {
      const domain = a.str('Domain') ?? 'vpc';
      if (domain !== 'vpc') throw invalidValue(`Invalid value '${domain}' for domain.`);
      if (s.addresses.size >= s.quotas.value(QUOTA_CODES.elasticIps)) {
        throw new CloudError('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
      }
      const address: AddressRec = { id: s.newId('eipalloc'), tags: tagsOnCreate(a, 'elastic-ip'), publicIp: s.newPublicIp() };
      s.addresses.set(address.id, address);
      return {
        allocationId: address.id,
        publicIp: address.publicIp,
        domain: 'vpc',
        publicIpv4Pool: 'amazon',
        networkBorderGroup: s.region,
      };
    },

    AssociateAddress(a: Args) {
      const address = getAddress(s, a);
      const eni = targetInterface(s, a);
      const current = s.addressAssociation(address);
      if (requesterManaged(eni) || requesterManaged(current?.eni)) throw serviceOwned();
      if (current && current.eni.id !== eni.id && a.bool('AllowReassociation') !== true) {
        throw new CloudError(
          'Resource.AlreadyAssociated',
          `resource ${address.id} is already associated with associate-id ${current.associationId}`,
        );
      }
      if (current && current.eni.id === eni.id) return { associationId: current.associationId };
      if (![...s.igws.values()].some((g) => g.vpcId === eni.vpcId)) {
        throw new CloudError('Gateway.NotAttached', `Network ${eni.vpcId} is not attached to any internet gateway`);
      }
      address.associationId = s.newId('eipassoc');
      address.eniId = eni.id;
      address.instanceId = eni.instanceId;
      return { associationId: address.associationId };
    },

    DisassociateAddress(a: Args) {
      const id = a.str('AssociationId');
      const address = id ? [...s.addresses.values()].find((x) => x.associationId === id && s.addressAssociation(x)) : getAddress(s, a);
      if (!address) throw new CloudError('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
      if (requesterManaged(s.addressAssociation(address)?.eni)) throw serviceOwned();
      address.associationId = address.eniId = address.instanceId = undefined;
      return { return: true };
    },

    ReleaseAddress(a: Args) {
      const address = getAddress(s, a);
      if (requesterManaged(s.addressAssociation(address)?.eni)) throw serviceOwned();
      if (s.addressAssociation(address)) throw new CloudError('InvalidIPAddress.InUse', `Address ${address.publicIp} is in use.`);
      s.addresses.delete(address.id);
      return { return: true };
    },

    DescribeAddresses(a: Args) {
      let selected = selectByIds([...s.addresses.values()], a.strings('AllocationId'), (x) => x.id, allocationNotFound);
      const ips = a.strings('PublicIp');
      if (ips.length) {
        const unknown = ips.filter((ip) => !selected.some((x) => x.publicIp === ip));
        if (unknown.length) throw new CloudError('InvalidAddress.NotFound', `Address '${unknown[0]}' not found.`);
        selected = selected.filter((x) => ips.includes(x.publicIp));
      }
      return { addressesSet: applyFilters(selected, a, fields).map((x) => addressWire(s, x)) };
    },
  };
}
