/** VPCs. CreateVpc also creates what AWS creates with every VPC: the main route table and the `default` group. */
import { CloudError } from '../contract';
import { QUOTA_CODES } from '../quotas';
import { Actions, Args, invalidValue } from './args';
import { checkPrefix, parseBlock } from './cidr';
import { applyFilters, FilterFields, notFoundError, paginate, selectByIds } from './filters';
import { attachmentLive, natGatewayState, vpcEndpointState } from './lifecycles';
import { Ec2Store, VpcRec } from './store';
import { tagSet, tagsOnCreate } from './tagging';

export const vpcNotFound = notFoundError('InvalidVpcID.NotFound', 'vpc');

export function getVpc(s: Ec2Store, id: string | undefined): VpcRec {
  if (!id) throw new CloudError('MissingParameter', 'The request must contain the parameter VpcId');
  const vpc = s.vpcs.get(id);
  if (!vpc) throw vpcNotFound([id]);
  return vpc;
}

const FIELDS: FilterFields<VpcRec> = {
  'vpc-id': (v) => v.id,
  cidr: (v) => v.cidrBlock,
  'cidr-block': (v) => v.cidrBlock,
  'cidr-block-association.cidr-block': (v) => v.cidrBlock,
  state: () => 'available',
  'is-default': () => false,
  'dhcp-options-id': () => 'default',
};

export function vpcWire(s: Ec2Store, v: VpcRec) {
  return {
    vpcId: v.id,
    ownerId: s.accountId,
    state: 'available',
    cidrBlock: v.cidrBlock,
    cidrBlockAssociationSet: [{ associationId: v.cidrAssociationId, cidrBlock: v.cidrBlock, cidrBlockState: { state: 'associated' } }],
    dhcpOptionsId: 'default',
    instanceTenancy: 'default',
    isDefault: false,
    tagSet: tagSet(v.tags),
  };
}

export function vpcActions(s: Ec2Store): Actions {
  const fields: FilterFields<VpcRec> = { ...FIELDS, 'owner-id': () => s.accountId };
  return {
    CreateVpc(a: Args) {
      const block = parseBlock(a.required('CidrBlock'), 'cidrBlock');
      checkPrefix(block, 'InvalidVpc.Range', 'VPC');
      if (s.vpcs.size >= s.quotas.value(QUOTA_CODES.vpcsPerRegion)) {
        throw new CloudError('VpcLimitExceeded', 'The maximum number of VPCs has been reached.');
      }
      const tags = tagsOnCreate(a, 'vpc');
      const vpc: VpcRec = {
        id: s.newId('vpc'),
        tags,
        cidrBlock: `${block.base}/${block.bitmask}`,
        cidrAssociationId: s.newId('vpc-cidr-assoc'),
        dnsSupport: true,
        dnsHostnames: false,
        mainRouteTableId: s.newId('rtb'),
        defaultGroupId: s.newId('sg'),
      };
      s.vpcs.set(vpc.id, vpc);
      s.routeTables.set(vpc.mainRouteTableId, {
        id: vpc.mainRouteTableId,
        tags: new Map(),
        vpcId: vpc.id,
        routes: [{ destination: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }],
        associations: [{ id: s.newId('rtbassoc'), main: true }],
      });
      s.groups.set(vpc.defaultGroupId, {
        id: vpc.defaultGroupId,
        tags: new Map(),
        vpcId: vpc.id,
        name: 'default',
        description: 'default VPC security group',
        createdAt: s.now(),
        rules: [
          {
            id: s.newId('sgr'),
            tags: new Map(),
            groupId: vpc.defaultGroupId,
            egress: false,
            protocol: '-1',
            refGroupId: vpc.defaultGroupId,
          },
          { id: s.newId('sgr'), tags: new Map(), groupId: vpc.defaultGroupId, egress: true, protocol: '-1', cidr: '0.0.0.0/0' },
        ],
      });
      // A just-created VPC is `pending` on real AWS for a moment; callers poll DescribeVpcs, which says available.
      return { vpc: { ...vpcWire(s, vpc), state: 'pending' } };
    },

    ModifyVpcAttribute(a: Args) {
      const vpc = getVpc(s, a.str('VpcId'));
      const hostnames = a.obj('EnableDnsHostnames')?.bool('Value');
      const support = a.obj('EnableDnsSupport')?.bool('Value');
      const given = [hostnames, support, a.obj('EnableNetworkAddressUsageMetrics')?.bool('Value')].filter((v) => v !== undefined);
      if (given.length !== 1) {
        throw new CloudError('InvalidParameterCombination', 'Exactly one attribute must be specified per ModifyVpcAttribute call.');
      }
      if (hostnames === true && !vpc.dnsSupport) {
        throw invalidValue('Cannot enable DNS hostnames for a VPC that has DNS support disabled.');
      }
      if (hostnames !== undefined) vpc.dnsHostnames = hostnames;
      if (support !== undefined) vpc.dnsSupport = support;
      return { return: true };
    },

    DescribeVpcAttribute(a: Args) {
      const vpc = getVpc(s, a.str('VpcId'));
      const attribute = a.required('Attribute');
      if (attribute === 'enableDnsHostnames') return { vpcId: vpc.id, enableDnsHostnames: { value: vpc.dnsHostnames } };
      if (attribute === 'enableDnsSupport') return { vpcId: vpc.id, enableDnsSupport: { value: vpc.dnsSupport } };
      if (attribute === 'enableNetworkAddressUsageMetrics') return { vpcId: vpc.id, enableNetworkAddressUsageMetrics: { value: false } };
      throw invalidValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
    },

    DescribeVpcs(a: Args) {
      const selected = selectByIds([...s.vpcs.values()], a.strings('VpcId'), (v) => v.id, vpcNotFound);
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { vpcSet: page.map((v) => vpcWire(s, v)), nextToken };
    },

    DeleteVpc(a: Args) {
      const vpc = getVpc(s, a.str('VpcId'));
      const blocking =
        [...s.subnets.values()].some((x) => x.vpcId === vpc.id) ||
        [...s.igws.values()].some((x) => x.vpcId === vpc.id) ||
        [...s.groups.values()].some((x) => x.vpcId === vpc.id && x.id !== vpc.defaultGroupId) ||
        [...s.routeTables.values()].some((x) => x.vpcId === vpc.id && x.id !== vpc.mainRouteTableId) ||
        s.liveEnis().some((x) => x.vpcId === vpc.id) ||
        // "You must detach or delete all gateways and resources that are associated with the VPC before you can
        // delete it" (API_DeleteVpc.html): a gateway endpoint has no interface, an attachment awaiting acceptance none yet.
        [...s.vpcEndpoints.values()].some((x) => x.vpcId === vpc.id && vpcEndpointState(s, x) !== 'deleted') ||
        [...s.tgwAttachments.values()].some((x) => x.vpcId === vpc.id && attachmentLive(s, x)) ||
        [...s.natGateways.values()].some((x) => x.vpcId === vpc.id && !['failed', 'deleted'].includes(natGatewayState(s, x)));
      if (blocking) throw new CloudError('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
      s.routeTables.delete(vpc.mainRouteTableId);
      s.groups.delete(vpc.defaultGroupId);
      s.vpcs.delete(vpc.id);
      return { return: true };
    },
  };
}
