/**
 * VPC endpoints to AWS services (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
 * - Interface: one requester-managed interface per subnet (at most one subnet per zone), with the given groups or
 *   else the VPC's default group; `pending`, then `available`. Private DNS (default on) needs the VPC's
 *   enableDnsSupport and enableDnsHostnames, and one endpoint per DNS domain and VPC.
 * - Gateway: a route to the service's prefix list, target the endpoint, in each route table ("A route is
 *   automatically added to each of the route tables with a destination that specifies the prefix list ID of the
 *   service, and a target with the endpoint ID"; the route table APIs cannot add, change or delete it,
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html). Deleting the endpoint removes
 *   the routes (API_DeleteVpcEndpoints.html).
 * Error codes and messages follow what AWS answers (reported in hashicorp/terraform-provider-aws#2697, #18607,
 * terraform-aws-modules/terraform-aws-vpc#451, #982, aws/aws-cdk#1299 and AWS's GuardDuty troubleshooting page).
 */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue, missing } from './args';
import { idempotentCreate } from './client-tokens';
import { endpointServices, invalidServiceName, type EndpointService } from './endpoint-services';
import { applyFilters, FilterFields, paginate } from './filters';
import { vpcEndpointGoneAt, vpcEndpointState, vpcEndpointVisible } from './lifecycles';
import { routeTableNotFound } from './route-tables';
import { addServiceInterface, releaseServiceInterfaces } from './service-interfaces';
import { Ec2Store, VpcEndpointRec, VpcRec } from './store';
import { getSubnet } from './subnets';
import { tagSet, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';

/** The policy AWS attaches when none is given: "a default policy that allows full access to the service". */
const FULL_ACCESS_POLICY = JSON.stringify({
  Version: '2008-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
});

const invalidParameter = (message: string) => new CloudError('InvalidParameter', message);
const endpointNotFound = (id: string) => new CloudError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`);

function serviceOf(s: Ec2Store, e: VpcEndpointRec): EndpointService | undefined {
  return endpointServices(s.region).find((x) => x.name === e.serviceName && x.type === e.type);
}

function endpointWire(s: Ec2Store, e: VpcEndpointRec) {
  const service = serviceOf(s, e);
  const live = vpcEndpointState(s, e) !== 'deleted';
  const dnsEntries =
    e.type === 'Interface' && live && service
      ? [
          { dnsName: `${e.id}-${e.createdAt.toString(36)}.${service.baseEndpointDnsName}` },
          ...(e.privateDnsEnabled && service.privateDnsName ? [{ dnsName: service.privateDnsName }] : []),
        ]
      : [];
  return {
    vpcEndpointId: e.id,
    vpcEndpointType: e.type,
    vpcId: e.vpcId,
    serviceName: e.serviceName,
    state: vpcEndpointState(s, e),
    policyDocument: e.policyDocument,
    routeTableIdSet: e.routeTableIds,
    subnetIdSet: e.subnetIds,
    groupSet: e.groupIds.map((id) => ({ groupId: id, groupName: s.groups.get(id)?.name })),
    ipAddressType: 'ipv4',
    privateDnsEnabled: e.type === 'Interface' ? e.privateDnsEnabled : false,
    requesterManaged: false,
    networkInterfaceIdSet: live ? e.eniIds : [],
    dnsEntrySet: dnsEntries,
    creationTimestamp: new Date(e.createdAt),
    tagSet: tagSet(e.tags),
    ownerId: s.accountId,
  };
}

const liveEndpoints = (s: Ec2Store, vpcId: string) =>
  [...s.vpcEndpoints.values()].filter((e) => e.vpcId === vpcId && vpcEndpointState(s, e) !== 'deleted');

/** Private DNS rules for an interface endpoint, in the order AWS reports them (codes and texts as AWS answers). */
function checkPrivateDns(s: Ec2Store, vpc: VpcRec, service: EndpointService): void {
  if (!vpc.dnsSupport || !vpc.dnsHostnames) {
    throw invalidParameter(
      `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.id}`,
    );
  }
  // S3's interface endpoint resolves its private name only for inbound resolver endpoints by default, which needs the gateway endpoint.
  const s3 = service.name === `com.amazonaws.${s.region}.s3`;
  if (s3 && !liveEndpoints(s, vpc.id).some((e) => e.serviceName === service.name && e.type === 'Gateway')) {
    throw invalidParameter(
      `To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC ${vpc.id} must have a Gateway endpoint for the service.`,
    );
  }
  if (liveEndpoints(s, vpc.id).some((e) => e.serviceName === service.name && e.type === 'Interface' && e.privateDnsEnabled)) {
    throw invalidParameter(
      `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${service.privateDnsName} in the VPC ${vpc.id}`,
    );
  }
}

function createInterfaceEndpoint(s: Ec2Store, a: Args, e: VpcEndpointRec, vpc: VpcRec, service: EndpointService): void {
  if (e.routeTableIds.length) throw invalidParameter('Route table IDs are only supported for Gateway type VPC Endpoint.');
  const subnets = e.subnetIds.map((id) => getSubnet(s, id));
  const zones = new Set<string>();
  for (const subnet of subnets) {
    // AWS documents no code for a subnet of another VPC; InvalidParameterValue is our assumption.
    if (subnet.vpcId !== vpc.id) throw invalidValue(`The subnet ID '${subnet.id}' does not belong to VPC ${vpc.id}`);
    if (zones.has(subnet.az)) {
      throw new CloudError(
        'DuplicateSubnetsInSameZone',
        `Found another VPC endpoint subnet in the availability zone of ${subnet.id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`,
      );
    }
    zones.add(subnet.az);
  }
  for (const id of e.groupIds) {
    const group = s.groups.get(id);
    if (!group) throw new CloudError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    if (group.vpcId !== vpc.id) throw invalidValue(`Security group ${id} and VPC ${vpc.id} belong to different networks`);
  }
  // "If this parameter is not specified, we use the default security group for the VPC" (SecurityGroupId.N).
  if (e.groupIds.length === 0) e.groupIds = [vpc.defaultGroupId];
  // PrivateDnsEnabled "Default: true" for an AWS service.
  e.privateDnsEnabled = a.bool('PrivateDnsEnabled') ?? true;
  if (e.privateDnsEnabled) checkPrivateDns(s, vpc, service);
  for (const subnet of subnets) {
    const eni = addServiceInterface(s, subnet, {
      interfaceType: 'vpc_endpoint',
      description: `VPC Endpoint Interface ${e.id}`,
      groupIds: e.groupIds,
    });
    if (!eni) {
      releaseServiceInterfaces(s, e.eniIds, s.now());
      throw new CloudError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnet.id}'.`);
    }
    e.eniIds.push(eni.id);
  }
}

function createGatewayEndpoint(s: Ec2Store, e: VpcEndpointRec, vpc: VpcRec, service: EndpointService): void {
  if (e.subnetIds.length) throw invalidParameter('Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.');
  const tables = e.routeTableIds.map((id) => {
    const rt = s.routeTables.get(id);
    if (!rt) throw routeTableNotFound([id]);
    // AWS documents no code for a route table of another VPC; InvalidParameterValue is our assumption.
    if (rt.vpcId !== vpc.id) throw invalidValue(`route table ${id} and VPC ${vpc.id} belong to different networks`);
    // "you cannot have multiple endpoints to the same service in a single route table" (gateway-endpoints.html); the code is our assumption.
    if (rt.routes.some((r) => r.prefixListId === service.prefixListId)) {
      throw new CloudError('RouteAlreadyExists', `The route identified by ${service.prefixListId} already exists.`);
    }
    return rt;
  });
  for (const rt of tables) rt.routes.push({ prefixListId: service.prefixListId, gatewayId: e.id, origin: 'CreateRoute' });
}

function createEndpoint(s: Ec2Store, a: Args): VpcEndpointRec {
  const vpc = getVpc(s, a.required('VpcId'));
  const serviceName = a.required('ServiceName');
  // "VpcEndpointType … Default: Gateway".
  const type = a.str('VpcEndpointType') ?? 'Gateway';
  if (type !== 'Interface' && type !== 'Gateway')
    throw invalidValue(`The embedded cloud models Interface and Gateway endpoints, not ${type}`);
  const offered = endpointServices(s.region).filter((x) => x.name === serviceName);
  if (offered.length === 0) throw invalidServiceName(serviceName);
  const service = offered.find((x) => x.type === type);
  if (!service) throw invalidParameter(`Endpoint type (${type}) does not match service type (${offered[0].type}).`);
  const e: VpcEndpointRec = {
    id: s.newId('vpce'),
    tags: tagsOnCreate(a, 'vpc-endpoint'),
    type,
    vpcId: vpc.id,
    serviceName,
    subnetIds: [...new Set(a.strings('SubnetId'))],
    groupIds: [...new Set(a.strings('SecurityGroupId'))],
    routeTableIds: [...new Set(a.strings('RouteTableId'))],
    privateDnsEnabled: false,
    policyDocument: a.str('PolicyDocument') ?? FULL_ACCESS_POLICY,
    eniIds: [],
    createdAt: s.now(),
  };
  if (type === 'Interface') createInterfaceEndpoint(s, a, e, vpc, service);
  else createGatewayEndpoint(s, e, vpc, service);
  s.vpcEndpoints.set(e.id, e);
  return e;
}

/** Deleting: a gateway endpoint's routes go at once, an interface endpoint's interfaces when it is `deleted`. */
function deleteEndpoint(s: Ec2Store, e: VpcEndpointRec): void {
  e.deletedAt = s.now();
  for (const rt of s.routeTables.values()) rt.routes = rt.routes.filter((r) => r.gatewayId !== e.id);
  releaseServiceInterfaces(s, e.eniIds, vpcEndpointGoneAt(s, e.deletedAt));
}

export function vpcEndpointActions(s: Ec2Store): Actions {
  const fields: FilterFields<VpcEndpointRec> = {
    'vpc-endpoint-id': (e) => e.id,
    'vpc-id': (e) => e.vpcId,
    'service-name': (e) => e.serviceName,
    'vpc-endpoint-state': (e) => vpcEndpointState(s, e),
    'vpc-endpoint-type': (e) => e.type,
    'ip-address-type': () => 'ipv4',
  };
  const visible = () => [...s.vpcEndpoints.values()].filter((e) => vpcEndpointVisible(s, e));
  return {
    CreateVpcEndpoint(a: Args) {
      const clientToken = a.str('ClientToken');
      return idempotentCreate(
        s,
        'CreateVpcEndpoint',
        a,
        () => {
          const e = createEndpoint(s, a);
          return { resourceId: e.id, result: { vpcEndpoint: endpointWire(s, e), clientToken } };
        },
        (id) => {
          const e = s.vpcEndpoints.get(id);
          return e && vpcEndpointVisible(s, e) ? { vpcEndpoint: endpointWire(s, e), clientToken } : undefined;
        },
      );
    },

    DescribeVpcEndpoints(a: Args) {
      const all = visible();
      const ids = a.strings('VpcEndpointId');
      const missingId = ids.find((id) => !all.some((e) => e.id === id));
      if (missingId) throw endpointNotFound(missingId);
      const selected = ids.length ? all.filter((e) => ids.includes(e.id)) : all;
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return { vpcEndpointSet: page.map((e) => endpointWire(s, e)), nextToken };
    },

    // Per id, not all-or-nothing: an id that cannot be deleted comes back in `unsuccessful` (DeleteVpcEndpoints
    // "unsuccessful: Information about the VPC endpoints that were not successfully deleted").
    DeleteVpcEndpoints(a: Args) {
      const ids = [...new Set(a.strings('VpcEndpointId'))];
      if (ids.length === 0) throw missing('VpcEndpointId');
      const unsuccessful = [];
      for (const id of ids) {
        const e = s.vpcEndpoints.get(id);
        if (!e || !vpcEndpointVisible(s, e) || vpcEndpointState(s, e) === 'deleted') {
          unsuccessful.push({
            error: { code: 'InvalidVpcEndpoint.NotFound', message: `The VPC endpoint '${id}' does not exist` },
            resourceId: id,
          });
        } else if (e.deletedAt === undefined) deleteEndpoint(s, e);
      }
      return { unsuccessful };
    },
  };
}
