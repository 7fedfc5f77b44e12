/**
 * Network interfaces: instances' primary ENIs and the requester-managed ENIs of NLBs, NAT gateways, VPC
 * attachments and interface endpoints. An NLB's are what ELBv2 creates through `Ec2View` (elbv2-view.ts); the
 * others come from service-interfaces.ts. After their service is deleted they stay `in-use` until their release
 * time, blocking subnet and security-group deletes as on AWS.
 */
import { CloudError } from '../contract';
import { Actions, Args } from './args';
import { applyFilters, FilterFields, paginate } from './filters';
import { publicIpOf } from './instance-views';
import { Ec2Store, EniRec, InstanceRec } from './store';
import { tagSet } from './tagging';

function eniWire(s: Ec2Store, e: EniRec) {
  const instance = e.instanceId ? (s.instances.get(e.instanceId) as InstanceRec) : undefined;
  const eip = [...s.addresses.values()].find((a) => s.addressAssociation(a)?.eni.id === e.id);
  const publicIp = instance ? publicIpOf(s, instance) : eip?.publicIp;
  const association = publicIp
    ? { publicIp, ipOwnerId: eip ? s.accountId : 'amazon', allocationId: eip?.id, associationId: eip?.associationId }
    : undefined;
  const lb = e.interfaceType === 'network_load_balancer';
  const managed = e.interfaceType !== 'interface';
  return {
    networkInterfaceId: e.id,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.az,
    description: e.description,
    ownerId: s.accountId,
    requesterId: e.requesterId,
    requesterManaged: managed,
    status: 'in-use',
    macAddress: e.mac,
    privateIpAddress: e.privateIp,
    privateDnsName: `ip-${e.privateIp.replace(/\./g, '-')}.${s.region}.compute.internal`,
    // NAT gateways and transit gateways forward traffic that is not theirs.
    sourceDestCheck: !['nat_gateway', 'transit_gateway'].includes(e.interfaceType),
    interfaceType: e.interfaceType,
    groupSet: e.groupIds.map((id) => ({ groupId: id, groupName: s.groups.get(id)?.name })),
    attachment: {
      attachmentId: e.attachmentId,
      instanceId: e.instanceId,
      instanceOwnerId: lb ? 'amazon-elb' : managed ? 'amazon-aws' : s.accountId,
      deviceIndex: managed ? 1 : 0,
      status: 'attached',
      attachTime: new Date(e.createdAt),
      deleteOnTermination: !managed,
    },
    association,
    privateIpAddressesSet: [{ privateIpAddress: e.privateIp, primary: true, association }],
    tagSet: tagSet(e.tags),
  };
}

export function networkInterfaceActions(s: Ec2Store): Actions {
  const fields: FilterFields<EniRec> = {
    'network-interface-id': (e) => e.id,
    'vpc-id': (e) => e.vpcId,
    'subnet-id': (e) => e.subnetId,
    'group-id': (e) => e.groupIds,
    description: (e) => e.description,
    'interface-type': (e) => e.interfaceType,
    status: () => 'in-use',
    'availability-zone': (e) => e.az,
    'attachment.instance-id': (e) => e.instanceId,
    'requester-managed': (e) => e.interfaceType !== 'interface',
    'requester-id': (e) => e.requesterId,
    'private-ip-address': (e) => e.privateIp,
    'owner-id': () => s.accountId,
  };
  return {
    DescribeNetworkInterfaces(a: Args) {
      const live = s.liveEnis();
      const ids = a.strings('NetworkInterfaceId');
      const missingIds = ids.filter((id) => !live.some((e) => e.id === id));
      if (missingIds.length)
        throw new CloudError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${missingIds[0]}' does not exist`);
      const selected = ids.length ? live.filter((e) => ids.includes(e.id)) : live;
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { networkInterfaceSet: page.map((e) => eniWire(s, e)), nextToken };
    },
  };
}
