/** Internet gateways: one per VPC; detaching is refused while public addresses are mapped in the VPC. */
import { CloudError } from '../contract';
import { Actions, Args } from './args';
import { applyFilters, FilterFields, notFoundError, paginate, selectByIds } from './filters';
import { Ec2Store, IgwRec } from './store';
import { tagSet, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';

export const igwNotFound = notFoundError('InvalidInternetGatewayID.NotFound', 'internetGateway');

function getIgw(s: Ec2Store, id: string | undefined): IgwRec {
  if (!id) throw new CloudError('MissingParameter', 'The request must contain the parameter InternetGatewayId');
  const igw = s.igws.get(id);
  if (!igw) throw igwNotFound([id]);
  return igw;
}

function igwWire(s: Ec2Store, g: IgwRec) {
  return {
    internetGatewayId: g.id,
    ownerId: s.accountId,
    attachmentSet: g.vpcId ? [{ vpcId: g.vpcId, state: 'available' }] : [],
    tagSet: tagSet(g.tags),
  };
}

/** True while an EIP or an instance's public IP is mapped onto an interface in the VPC. */
function hasMappedPublicAddress(s: Ec2Store, vpcId: string): boolean {
  const eip = [...s.addresses.values()].some((a) => s.addressAssociation(a)?.eni.vpcId === vpcId);
  const auto = [...s.instances.values()].some((i) => i.vpcId === vpcId && i.publicIp && s.instanceState(i) !== 'terminated');
  return eip || auto;
}

export function gatewayActions(s: Ec2Store): Actions {
  const fields: FilterFields<IgwRec> = {
    'internet-gateway-id': (g) => g.id,
    'attachment.vpc-id': (g) => g.vpcId,
    'attachment.state': (g) => (g.vpcId ? 'available' : undefined),
    'owner-id': () => s.accountId,
  };
  return {
    CreateInternetGateway(a: Args) {
      const igw: IgwRec = { id: s.newId('igw'), tags: tagsOnCreate(a, 'internet-gateway') };
      s.igws.set(igw.id, igw);
      return { internetGateway: igwWire(s, igw) };
    },

    AttachInternetGateway(a: Args) {
      const igw = getIgw(s, a.str('InternetGatewayId'));
      const vpc = getVpc(s, a.required('VpcId'));
      if (igw.vpcId) throw new CloudError('Resource.AlreadyAssociated', `resource ${igw.id} is already attached to network ${igw.vpcId}`);
      const other = [...s.igws.values()].find((g) => g.vpcId === vpc.id);
      if (other) throw new CloudError('Resource.AlreadyAssociated', `Network ${vpc.id} already has an internet gateway attached`);
      igw.vpcId = vpc.id;
      return { return: true };
    },

    DetachInternetGateway(a: Args) {
      const igw = getIgw(s, a.str('InternetGatewayId'));
      const vpcId = a.required('VpcId');
      if (igw.vpcId !== vpcId) throw new CloudError('Gateway.NotAttached', `resource ${igw.id} is not attached to network ${vpcId}`);
      if (hasMappedPublicAddress(s, vpcId)) {
        throw new CloudError(
          'DependencyViolation',
          `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
        );
      }
      igw.vpcId = undefined;
      return { return: true };
    },

    DeleteInternetGateway(a: Args) {
      const igw = getIgw(s, a.str('InternetGatewayId'));
      if (igw.vpcId) throw new CloudError('DependencyViolation', `The internetGateway '${igw.id}' has dependencies and cannot be deleted.`);
      s.igws.delete(igw.id);
      return { return: true };
    },

    DescribeInternetGateways(a: Args) {
      const selected = selectByIds([...s.igws.values()], a.strings('InternetGatewayId'), (g) => g.id, igwNotFound);
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { internetGatewaySet: page.map((g) => igwWire(s, g)), nextToken };
    },
  };
}
