/**
 * What IAM evaluates for each EC2 request: the resource types of the action (Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html), each with its ARN
 * and the condition keys of that resource in this request:
 * - a resource the request creates: `arn:…:<type>/*` with `aws:RequestTag/<key>` and `aws:TagKeys` from the
 *   TagSpecification of that type — and, when it is tagged, a second authorisation of `ec2:CreateTags` on it
 *   with `ec2:CreateAction` = the action (EC2 User Guide, "Grant permission to tag resources during creation",
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html);
 * - an existing resource: its ARN with `aws:ResourceTag/<key>` and `ec2:ResourceTag/<key>` from its tags.
 * Read-only calls (Describe*, Get*) support no resource-level permissions: one authorisation on `*`.
 *
 * A resource the request names that does not exist is left out: the action then answers its NotFound error,
 * which is what the product's "a delete of something gone is a success" relies on. AWS's documentation does
 * not say which comes first for a missing resource; this order is our assumption (docs/design.md "10.8 IAM enforcement").
 */
import { CloudError, type AuthorizationRequest, type InstanceProfileView, type QueryParams } from '../contract';
import { Args } from './args';
import type { Ec2Store, Tags } from './store';
import { customerKeyAuthorizations } from './authorization-kms';
import { passRoleAuthorizations } from './iam-instance-profile';
import { taggables } from './tags';
import { tagSpecifications } from './tagging';

type Ids = (a: Args, s: Ec2Store) => Array<string | undefined>;

interface ActionModel {
  /** Resource types the action creates (their TagSpecification types). */
  creates?: string[];
  /** Existing resources it acts on or uses: [resource type, ids from the request]. */
  uses?: Array<[string, Ids]>;
  /** The request's tags apply to existing resources (CreateTags). */
  tagsExisting?: boolean;
}

const param =
  (name: string): Ids =>
  (a) => [a.str(name)];
const list =
  (name: string): Ids =>
  (a) =>
    a.strings(name);

/** RunInstances names its subnet and groups either at the top or in its first network interface. */
const launchSubnet: Ids = (a) => [a.list('NetworkInterface')[0]?.str('SubnetId') ?? a.str('SubnetId')];
const launchGroups: Ids = (a) => [
  ...a.strings('SecurityGroupId'),
  ...a.list('NetworkInterface').flatMap((nic) => nic.strings('SecurityGroupId')),
];
const routeTableOfAssociation: Ids = (a, s) =>
  [...s.routeTables.values()].filter((rt) => rt.associations.some((x) => x.id === a.str('AssociationId'))).map((rt) => rt.id);
const subnetOfAssociation: Ids = (a, s) =>
  [...s.routeTables.values()]
    .flatMap((rt) => rt.associations)
    .filter((x) => x.id === a.str('AssociationId'))
    .map((x) => x.subnetId);
const addressOfAssociation: Ids = (a, s) =>
  [...s.addresses.values()].filter((x) => x.associationId === a.str('AssociationId')).map((x) => x.id);
const interfaceOfAssociation: Ids = (a, s) =>
  [...s.addresses.values()].filter((x) => x.associationId === a.str('AssociationId')).map((x) => x.eniId);
const keyPairByName: Ids = (a, s) => [...s.keyPairs.values()].filter((k) => k.name === a.str('KeyName')).map((k) => k.id);
const resourceIds: Ids = (a) => a.strings('ResourceId');

const vpc = param('VpcId');
const securityGroup = param('GroupId');
const vpcOfSubnet: Ids = (a, s) => [s.subnets.get(a.str('SubnetId') ?? '')?.vpcId];
const attachment = param('TransitGatewayAttachmentId');

const MODEL: Record<string, ActionModel> = {
  CreateVpc: { creates: ['vpc'] },
  ModifyVpcAttribute: { uses: [['vpc', vpc]] },
  DeleteVpc: { uses: [['vpc', vpc]] },
  CreateSubnet: { creates: ['subnet'], uses: [['vpc', vpc]] },
  ModifySubnetAttribute: { uses: [['subnet', param('SubnetId')]] },
  DeleteSubnet: { uses: [['subnet', param('SubnetId')]] },
  CreateInternetGateway: { creates: ['internet-gateway'] },
  AttachInternetGateway: {
    uses: [
      ['internet-gateway', param('InternetGatewayId')],
      ['vpc', vpc],
    ],
  },
  DetachInternetGateway: {
    uses: [
      ['internet-gateway', param('InternetGatewayId')],
      ['vpc', vpc],
    ],
  },
  DeleteInternetGateway: { uses: [['internet-gateway', param('InternetGatewayId')]] },
  CreateRouteTable: { creates: ['route-table'], uses: [['vpc', vpc]] },
  CreateRoute: { uses: [['route-table', param('RouteTableId')]] },
  DeleteRoute: { uses: [['route-table', param('RouteTableId')]] },
  AssociateRouteTable: {
    uses: [
      ['route-table', param('RouteTableId')],
      ['subnet', param('SubnetId')],
      ['internet-gateway', param('GatewayId')],
    ],
  },
  DisassociateRouteTable: {
    uses: [
      ['route-table', routeTableOfAssociation],
      ['subnet', subnetOfAssociation],
    ],
  },
  DeleteRouteTable: { uses: [['route-table', param('RouteTableId')]] },
  CreateSecurityGroup: { creates: ['security-group'], uses: [['vpc', vpc]] },
  AuthorizeSecurityGroupIngress: { creates: ['security-group-rule'], uses: [['security-group', securityGroup]] },
  AuthorizeSecurityGroupEgress: { creates: ['security-group-rule'], uses: [['security-group', securityGroup]] },
  RevokeSecurityGroupIngress: { uses: [['security-group', securityGroup]] },
  RevokeSecurityGroupEgress: { uses: [['security-group', securityGroup]] },
  DeleteSecurityGroup: { uses: [['security-group', securityGroup]] },
  RunInstances: {
    creates: ['instance', 'volume', 'network-interface'],
    uses: [
      ['image', param('ImageId')],
      ['subnet', launchSubnet],
      ['security-group', launchGroups],
      ['key-pair', keyPairByName],
    ],
  },
  TerminateInstances: { uses: [['instance', list('InstanceId')]] },
  ModifyInstanceMetadataOptions: { uses: [['instance', param('InstanceId')]] },
  AllocateAddress: { creates: ['elastic-ip'] },
  AssociateAddress: {
    uses: [
      ['elastic-ip', param('AllocationId')],
      ['instance', param('InstanceId')],
      ['network-interface', param('NetworkInterfaceId')],
    ],
  },
  DisassociateAddress: {
    uses: [
      ['elastic-ip', addressOfAssociation],
      ['network-interface', interfaceOfAssociation],
    ],
  },
  ReleaseAddress: { uses: [['elastic-ip', param('AllocationId')]] },
  CreateKeyPair: { creates: ['key-pair'] },
  ImportKeyPair: { creates: ['key-pair'] },
  DeleteKeyPair: { uses: [['key-pair', keyPairByName]] },
  CreateTags: { uses: [['*', resourceIds]], tagsExisting: true },
  DeleteTags: { uses: [['*', resourceIds]] },
  CreateTransitGateway: { creates: ['transit-gateway'] },
  DeleteTransitGateway: { uses: [['transit-gateway', param('TransitGatewayId')]] },
  // The gateway may be another account's (shared through RAM): its ARN names that account.
  CreateTransitGatewayVpcAttachment: {
    creates: ['transit-gateway-attachment'],
    uses: [
      ['subnet', list('SubnetIds')],
      ['transit-gateway', param('TransitGatewayId')],
      ['vpc', vpc],
    ],
  },
  DeleteTransitGatewayVpcAttachment: { uses: [['transit-gateway-attachment', attachment]] },
  AcceptTransitGatewayVpcAttachment: { uses: [['transit-gateway-attachment', attachment]] },
  RejectTransitGatewayVpcAttachment: { uses: [['transit-gateway-attachment', attachment]] },
  CreateNatGateway: {
    creates: ['natgateway'],
    uses: [
      ['elastic-ip', param('AllocationId')],
      ['subnet', param('SubnetId')],
      ['vpc', vpcOfSubnet],
    ],
  },
  DeleteNatGateway: { uses: [['natgateway', param('NatGatewayId')]] },
  CreateVpcEndpoint: {
    creates: ['vpc-endpoint'],
    uses: [
      ['route-table', list('RouteTableId')],
      ['security-group', list('SecurityGroupId')],
      ['subnet', list('SubnetId')],
      ['vpc', vpc],
    ],
  },
  DeleteVpcEndpoints: { uses: [['vpc-endpoint', list('VpcEndpointId')]] },
};

/** Tag keys as IAM condition keys (tag keys compare case-insensitively in IAM, values exactly). */
function tagContext(tags: Tags, prefixes: string[]): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of tags) for (const prefix of prefixes) context[`${prefix}/${key}`] = value;
  return context;
}

const requestTagContext = (tags: Tags) => (tags.size ? { ...tagContext(tags, ['aws:RequestTag']), 'aws:TagKeys': [...tags.keys()] } : {});
const resourceTagContext = (tags: Tags) => tagContext(tags, ['aws:ResourceTag', 'ec2:ResourceTag']);

export function ec2Authorizations(
  s: Ec2Store,
  action: string,
  params: QueryParams,
  profiles?: InstanceProfileView,
): AuthorizationRequest[] {
  if (/^(Describe|Get)/.test(action)) return [{ action: `ec2:${action}`, resource: '*', context: {} }];
  const model = MODEL[action];
  if (!model) throw new CloudError('InternalError', `Embedded cloud: no IAM model for ec2:${action}`, 500);
  const a = Args.of(params);
  const arn = (type: string, id: string, owner = s.accountId) =>
    type === 'image' ? `arn:aws:ec2:${s.region}::image/${id}` : `arn:aws:ec2:${s.region}:${owner}:${type}/${id}`;
  const out: AuthorizationRequest[] = [];

  const requested = model.creates ? tagSpecifications(a, model.creates) : new Map<string, Tags>();
  for (const type of model.creates ?? []) {
    const tags = requested.get(type) as Tags;
    out.push({ action: `ec2:${action}`, resource: arn(type, '*'), context: requestTagContext(tags) });
    if (tags.size)
      out.push({ action: 'ec2:CreateTags', resource: arn(type, '*'), context: { ...requestTagContext(tags), 'ec2:CreateAction': action } });
  }

  const existing = new Map(taggables(s, true).map((t) => [t.id, t]));
  const newTags = model.tagsExisting
    ? requestTagContext(new Map(a.list('Tag').map((t) => [t.str('Key') ?? '', t.str('Value') ?? ''])))
    : {};
  for (const [type, ids] of model.uses ?? []) {
    for (const id of new Set(ids(a, s))) {
      if (!id) continue;
      if (type === 'image') {
        out.push({ action: `ec2:${action}`, resource: arn('image', id), context: {} });
        continue;
      }
      const found = existing.get(id);
      if (!found) continue; // the action answers NotFound (see the header)
      const resource =
        type === 'key-pair' ? arn('key-pair', s.keyPairs.get(id)?.name ?? id) : arn(type === '*' ? found.type : type, id, found.ownerId);
      out.push({ action: `ec2:${action}`, resource, context: { ...resourceTagContext(found.tags), ...newTags } });
    }
  }
  if (action === 'RunInstances') out.push(...customerKeyAuthorizations(s, a), ...passRoleAuthorizations(a, profiles));
  return out;
}
