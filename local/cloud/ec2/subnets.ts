/** Subnets: carved from their VPC's block, never overlapping, one AZ each. */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue } from './args';
import { availabilityZones } from './catalog';
import { checkPrefix, overlaps, parseBlock, usableCount } from './cidr';
import { applyFilters, FilterFields, notFoundError, paginate, selectByIds } from './filters';
import { attachmentLive } from './lifecycles';
import { Ec2Store, SubnetRec } from './store';
import { tagSet, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';
import { Netmask } from 'netmask';

export const subnetNotFound = notFoundError('InvalidSubnetID.NotFound', 'subnet');

export function getSubnet(s: Ec2Store, id: string | undefined): SubnetRec {
  if (!id) throw new CloudError('MissingParameter', 'The request must contain the parameter SubnetId');
  const subnet = s.subnets.get(id);
  if (!subnet) throw subnetNotFound([id]);
  return subnet;
}

export function subnetWire(s: Ec2Store, x: SubnetRec) {
  const zones = availabilityZones(s.region);
  const used = s.liveEnis().filter((e) => e.subnetId === x.id).length;
  return {
    subnetId: x.id,
    subnetArn: `arn:aws:ec2:${s.region}:${s.accountId}:subnet/${x.id}`,
    state: 'available',
    vpcId: x.vpcId,
    ownerId: s.accountId,
    cidrBlock: x.cidrBlock,
    availableIpAddressCount: usableCount(x.cidrBlock) - used,
    availabilityZone: x.az,
    availabilityZoneId: zones.find((z) => z.name === x.az)?.id,
    defaultForAz: false,
    mapPublicIpOnLaunch: x.mapPublicIpOnLaunch,
    assignIpv6AddressOnCreation: false,
    tagSet: tagSet(x.tags),
  };
}

export function subnetActions(s: Ec2Store): Actions {
  const zones = availabilityZones(s.region);
  const fields: FilterFields<SubnetRec> = {
    'subnet-id': (x) => x.id,
    'vpc-id': (x) => x.vpcId,
    'availability-zone': (x) => x.az,
    'availability-zone-id': (x) => zones.find((z) => z.name === x.az)?.id,
    cidr: (x) => x.cidrBlock,
    'cidr-block': (x) => x.cidrBlock,
    cidrBlock: (x) => x.cidrBlock,
    state: () => 'available',
    'default-for-az': () => false,
    'map-public-ip-on-launch': (x) => x.mapPublicIpOnLaunch,
    'owner-id': () => s.accountId,
  };
  return {
    CreateSubnet(a: Args) {
      const vpc = getVpc(s, a.required('VpcId'));
      const block = parseBlock(a.required('CidrBlock'), 'cidrBlock');
      const zoneId = a.str('AvailabilityZoneId');
      const az = a.str('AvailabilityZone') ?? zones.find((z) => z.id === zoneId)?.name ?? zones[0].name;
      if (!zones.some((z) => z.name === az)) {
        throw invalidValue(
          `Value (${az}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`,
        );
      }
      const vpcBlock = new Netmask(vpc.cidrBlock);
      if (!vpcBlock.contains(block.base) || block.bitmask < vpcBlock.bitmask) {
        throw new CloudError('InvalidSubnet.Range', `The CIDR '${block.base}/${block.bitmask}' is invalid.`);
      }
      checkPrefix(block, 'InvalidSubnet.Range', 'subnet');
      const clash = [...s.subnets.values()].find((x) => x.vpcId === vpc.id && overlaps(new Netmask(x.cidrBlock), block));
      if (clash) throw new CloudError('InvalidSubnet.Conflict', `The CIDR '${block.base}/${block.bitmask}' conflicts with another subnet`);
      const subnet: SubnetRec = {
        id: s.newId('subnet'),
        tags: tagsOnCreate(a, 'subnet'),
        vpcId: vpc.id,
        cidrBlock: `${block.base}/${block.bitmask}`,
        az,
        mapPublicIpOnLaunch: false,
        createdAt: s.now(),
      };
      s.subnets.set(subnet.id, subnet);
      return { subnet: subnetWire(s, subnet) };
    },

    ModifySubnetAttribute(a: Args) {
      const subnet = getSubnet(s, a.str('SubnetId'));
      const mapPublic = a.obj('MapPublicIpOnLaunch')?.bool('Value');
      if (mapPublic !== undefined) subnet.mapPublicIpOnLaunch = mapPublic;
      return { return: true };
    },

    DescribeSubnets(a: Args) {
      const selected = selectByIds([...s.subnets.values()], a.strings('SubnetId'), (x) => x.id, subnetNotFound);
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { subnetSet: page.map((x) => subnetWire(s, x)), nextToken };
    },

    DeleteSubnet(a: Args) {
      const subnet = getSubnet(s, a.str('SubnetId'));
      // Instances (until terminated) and lingering NLB interfaces both hold an ENI in the subnet, as do NAT gateways,
      // VPC attachments and interface endpoints until deleted. An attachment awaiting acceptance has no interface yet
      // but names the subnet: that it holds it too is our assumption (AWS documents neither answer).
      const attached = [...s.tgwAttachments.values()].some((x) => x.subnetIds.includes(subnet.id) && attachmentLive(s, x));
      if (attached || s.liveEnis().some((e) => e.subnetId === subnet.id)) {
        throw new CloudError('DependencyViolation', `The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
      }
      // AWS drops the subnet's route table association along with it.
      for (const rt of s.routeTables.values()) rt.associations = rt.associations.filter((x) => x.subnetId !== subnet.id);
      s.subnets.delete(subnet.id);
      return { return: true };
    },
  };
}
