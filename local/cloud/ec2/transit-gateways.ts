/**
 * Transit gateways and their VPC attachments. A gateway is ours (CreateTransitGateway) or another account's,
 * shared with us through RAM, which the control interface makes (`shareTransitGateway`): our VPCs attach to
 * either. An attachment to another account's gateway with "Auto accept shared attachments" off waits in
 * `pendingAcceptance` until the owner accepts or rejects it (the control interface stands for the owner), as
 * in the VPC attachment lifecycle, https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle.
 * Once provisioning starts an attachment holds one requester-managed interface in each of its subnets ("The
 * transit gateway uses one IP address from each specified subnet", CreateTransitGatewayVpcAttachment).
 *
 * Error codes and messages follow what AWS answers (as reported in hashicorp/terraform-provider-aws issues
 * #7196, #10852 and zoitech/terraform-aws-network#46); where AWS documents no answer, the comment says so.
 */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue, missing } from './args';
import { applyFilters, FilterFields, paginate } from './filters';
import {
  attachmentGoneAt,
  attachmentLive,
  attachmentState,
  attachmentVisible,
  transitGatewayState,
  transitGatewayVisible,
} from './lifecycles';
import { addServiceInterface, releaseServiceInterfaces } from './service-interfaces';
import { Ec2Store, TgwAttachmentRec, TransitGatewayRec } from './store';
import { getSubnet } from './subnets';
import { tagSet, tagsOnCreate } from './tagging';
import { getVpc } from './vpcs';

/** The account that owns a shared gateway unless the control request names another (AWS's documentation example account). */
export const DEFAULT_SHARING_ACCOUNT = '111122223333';
/** AWS's default Amazon side ASN ("The default is 64512", TransitGatewayRequestOptions). */
const DEFAULT_ASN = 64512;

export const transitGatewayNotFound = (id: string) =>
  new CloudError('InvalidTransitGatewayID.NotFound', `Transit Gateway ${id} was deleted or does not exist.`);
export const attachmentNotFound = (id: string) =>
  new CloudError('InvalidTransitGatewayAttachmentID.NotFound', `Transit Gateway Attachment ${id} was deleted or does not exist.`);
/** AWS documents no message for an action on a gateway or attachment in the wrong state; this wording is ours. */
const incorrectState = (id: string) => new CloudError('IncorrectState', `${id} is in invalid state`);

/** A gateway we can see (ours or shared), not yet gone from listings. */
export function findTransitGateway(s: Ec2Store, id: string): TransitGatewayRec | undefined {
  const g = s.transitGateways.get(id);
  return g && transitGatewayVisible(s, g) ? g : undefined;
}

function liveAttachments(s: Ec2Store, filter: (a: TgwAttachmentRec) => boolean): TgwAttachmentRec[] {
  return [...s.tgwAttachments.values()].filter((a) => filter(a) && attachmentLive(s, a));
}

function transitGatewayWire(s: Ec2Store, g: TransitGatewayRec) {
  return {
    transitGatewayId: g.id,
    transitGatewayArn: `arn:aws:ec2:${s.region}:${g.ownerId}:transit-gateway/${g.id}`,
    state: transitGatewayState(s, g),
    ownerId: g.ownerId,
    description: g.description,
    creationTime: new Date(g.createdAt),
    options: {
      amazonSideAsn: g.amazonSideAsn,
      autoAcceptSharedAttachments: g.autoAcceptSharedAttachments ? 'enable' : 'disable',
      defaultRouteTableAssociation: 'enable',
      associationDefaultRouteTableId: g.routeTableId,
      defaultRouteTablePropagation: 'enable',
      propagationDefaultRouteTableId: g.routeTableId,
      vpnEcmpSupport: 'enable',
      dnsSupport: 'enable',
      multicastSupport: 'disable',
    },
    tagSet: tagSet(g.tags),
  };
}

function attachmentWire(s: Ec2Store, a: TgwAttachmentRec) {
  return {
    transitGatewayAttachmentId: a.id,
    transitGatewayId: a.transitGatewayId,
    vpcId: a.vpcId,
    vpcOwnerId: s.accountId,
    state: attachmentState(s, a),
    subnetIds: a.subnetIds,
    creationTime: new Date(a.createdAt),
    options: a.options,
    tagSet: tagSet(a.tags),
  };
}

/** Provisioning starts: one interface per subnet (a full subnet fails the request; AWS documents no code, ours is EC2's usual one). */
function provision(s: Ec2Store, a: TgwAttachmentRec): void {
  for (const subnetId of a.subnetIds) {
    const subnet = getSubnet(s, subnetId);
    const eni = addServiceInterface(s, subnet, {
      interfaceType: 'transit_gateway',
      description: `Network Interface for Transit Gateway Attachment ${a.id}`,
    });
    if (!eni) {
      releaseServiceInterfaces(s, a.eniIds, s.now());
      throw new CloudError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}'.`);
    }
    a.eniIds.push(eni.id);
  }
}

function getAttachment(s: Ec2Store, id: string | undefined): TgwAttachmentRec {
  if (!id) throw missing('TransitGatewayAttachmentId');
  const a = s.tgwAttachments.get(id);
  if (!a || !attachmentVisible(s, a) || attachmentState(s, a) === 'deleted') throw attachmentNotFound(id);
  return a;
}

/**
 * The gateway owner's answer to a `pendingAcceptance` attachment: accepted, it goes `pending` then
 * `available`; rejected, `rejected` (the lifecycle's short `rejecting` stage is not modelled).
 */
export function answerAttachment(s: Ec2Store, id: string, accept: boolean): TgwAttachmentRec {
  const a = getAttachment(s, id);
  if (attachmentState(s, a) !== 'pendingAcceptance') throw incorrectState(id);
  if (accept) {
    a.acceptedAt = s.now();
    provision(s, a);
  } else a.rejectedAt = s.now();
  return a;
}

/** A gateway another account owns and shares with us through RAM: it already exists there, so it is available at once. */
export function shareTransitGateway(s: Ec2Store, opts: { autoAcceptSharedAttachments: boolean; ownerId?: string }): TransitGatewayRec {
  const ownerId = opts.ownerId ?? DEFAULT_SHARING_ACCOUNT;
  if (!/^\d{12}$/.test(ownerId)) throw invalidValue(`ownerId must be a 12-digit account id, got '${ownerId}'`);
  const g: TransitGatewayRec = {
    id: s.newId('tgw'),
    tags: new Map(),
    ownerId,
    shared: true,
    autoAcceptSharedAttachments: opts.autoAcceptSharedAttachments,
    amazonSideAsn: DEFAULT_ASN,
    routeTableId: s.newId('tgw-rtb'),
    createdAt: s.now(),
  };
  s.transitGateways.set(g.id, g);
  return g;
}

/** Validates the attachment request the way AWS does, in the order it names the parameters. */
function checkAttachmentRequest(s: Ec2Store, a: Args): { gateway: TransitGatewayRec; vpcId: string; subnetIds: string[] } {
  const gatewayId = a.required('TransitGatewayId');
  const vpc = getVpc(s, a.required('VpcId'));
  const subnetIds = [...new Set(a.strings('SubnetIds'))];
  if (subnetIds.length === 0) throw missing('SubnetIds');
  const gateway = findTransitGateway(s, gatewayId);
  if (!gateway || transitGatewayState(s, gateway) === 'deleted') throw transitGatewayNotFound(gatewayId);
  // "After the transit gateway enters the available state, you can attach your VPCs" (API_CreateTransitGateway.html).
  if (transitGatewayState(s, gateway) !== 'available') throw incorrectState(gatewayId);
  const zones = new Set<string>();
  for (const id of subnetIds) {
    const subnet = s.subnets.get(id);
    if (!subnet) throw new CloudError('InvalidSubnetID.NotFound', `Subnet ${id} was deleted or does not exist.`);
    // AWS documents no code for a subnet of another VPC; InvalidParameterValue is our assumption.
    if (subnet.vpcId !== vpc.id) throw invalidValue(`Subnet ${id} does not belong to VPC ${vpc.id}.`);
    // "You can specify only one subnet per Availability Zone" (API_CreateTransitGatewayVpcAttachment.html).
    if (zones.has(subnet.az)) throw new CloudError('DuplicateSubnetsInSameZone', 'Duplicate Subnets for same AZ');
    zones.add(subnet.az);
  }
  if (liveAttachments(s, (x) => x.transitGatewayId === gateway.id && x.vpcId === vpc.id).length > 0) {
    throw new CloudError(
      'DuplicateTransitGatewayAttachment',
      `${gateway.id} has non-deleted Transit Gateway Attachments with same VPC ID.`,
    );
  }
  return { gateway, vpcId: vpc.id, subnetIds };
}

export function transitGatewayActions(s: Ec2Store): Actions {
  const gatewayFields: FilterFields<TransitGatewayRec> = {
    'transit-gateway-id': (g) => g.id,
    state: (g) => transitGatewayState(s, g),
    'owner-id': (g) => g.ownerId,
    'options.auto-accept-shared-attachments': (g) => (g.autoAcceptSharedAttachments ? 'enable' : 'disable'),
    'options.amazon-side-asn': (g) => String(g.amazonSideAsn),
    'options.association-default-route-table-id': (g) => g.routeTableId,
    'options.propagation-default-route-table-id': (g) => g.routeTableId,
    'options.default-route-table-association': () => 'enable',
    'options.default-route-table-propagation': () => 'enable',
    'options.dns-support': () => 'enable',
    'options.vpn-ecmp-support': () => 'enable',
  };
  const attachmentFields: FilterFields<TgwAttachmentRec> = {
    'transit-gateway-attachment-id': (x) => x.id,
    'transit-gateway-id': (x) => x.transitGatewayId,
    'vpc-id': (x) => x.vpcId,
    state: (x) => attachmentState(s, x),
  };
  return {
    CreateTransitGateway(a: Args) {
      const options = a.obj('Options');
      const g: TransitGatewayRec = {
        id: s.newId('tgw'),
        tags: tagsOnCreate(a, 'transit-gateway'),
        ownerId: s.accountId,
        shared: false,
        description: a.str('Description'),
        // "AutoAcceptSharedAttachments … Default: disable" (API_TransitGatewayRequestOptions.html).
        autoAcceptSharedAttachments: options?.str('AutoAcceptSharedAttachments') === 'enable',
        amazonSideAsn: options?.int('AmazonSideAsn') ?? DEFAULT_ASN,
        routeTableId: s.newId('tgw-rtb'),
        createdAt: s.now(),
      };
      s.transitGateways.set(g.id, g);
      return { transitGateway: transitGatewayWire(s, g) };
    },

    DescribeTransitGateways(a: Args) {
      const visible = [...s.transitGateways.values()].filter((g) => transitGatewayVisible(s, g));
      const ids = a.strings('TransitGatewayIds');
      const missingId = ids.find((id) => !visible.some((g) => g.id === id));
      if (missingId) throw transitGatewayNotFound(missingId);
      const selected = ids.length ? visible.filter((g) => ids.includes(g.id)) : visible;
      const { page, nextToken } = paginate(applyFilters(selected, a, gatewayFields), a);
      return { transitGatewaySet: page.map((g) => transitGatewayWire(s, g)), nextToken };
    },

    DeleteTransitGateway(a: Args) {
      const id = a.required('TransitGatewayId');
      const g = findTransitGateway(s, id);
      // Only the owner deletes a gateway; AWS documents no answer for the account it is shared with (ours: NotFound).
      if (!g || g.ownerId !== s.accountId || transitGatewayState(s, g) === 'deleted') throw transitGatewayNotFound(id);
      // "You can't delete a transit gateway with existing attachments" (https://docs.aws.amazon.com/vpc/latest/tgw/delete-tgw.html).
      const attached = liveAttachments(s, (x) => x.transitGatewayId === g.id);
      if (attached.length > 0) {
        throw new CloudError(
          'IncorrectState',
          `${g.id} has non-deleted Transit Gateway Attachments: ${attached.map((x) => x.id).join(', ')}.`,
        );
      }
      if (transitGatewayState(s, g) !== 'available') throw incorrectState(g.id);
      g.deletedAt = s.now();
      return { transitGateway: transitGatewayWire(s, g) };
    },

    // No ClientToken: the API takes none (API_CreateTransitGatewayVpcAttachment.html), so a retry makes a second
    // request, which DuplicateTransitGatewayAttachment refuses while the first lives.
    CreateTransitGatewayVpcAttachment(a: Args) {
      const { gateway, vpcId, subnetIds } = checkAttachmentRequest(s, a);
      const options = a.obj('Options');
      const attachment: TgwAttachmentRec = {
        id: s.newId('tgw-attach'),
        tags: tagsOnCreate(a, 'transit-gateway-attachment'),
        transitGatewayId: gateway.id,
        vpcId,
        subnetIds,
        options: {
          dnsSupport: options?.str('DnsSupport') ?? 'enable',
          ipv6Support: options?.str('Ipv6Support') ?? 'disable',
          applianceModeSupport: options?.str('ApplianceModeSupport') ?? 'disable',
        },
        createdAt: s.now(),
        needsAcceptance: gateway.ownerId !== s.accountId && !gateway.autoAcceptSharedAttachments,
        eniIds: [],
      };
      if (!attachment.needsAcceptance) provision(s, attachment);
      s.tgwAttachments.set(attachment.id, attachment);
      return { transitGatewayVpcAttachment: attachmentWire(s, attachment) };
    },

    DescribeTransitGatewayVpcAttachments(a: Args) {
      const visible = [...s.tgwAttachments.values()].filter((x) => attachmentVisible(s, x));
      const ids = a.strings('TransitGatewayAttachmentIds');
      const missingId = ids.find((id) => !visible.some((x) => x.id === id));
      if (missingId) throw attachmentNotFound(missingId);
      const selected = ids.length ? visible.filter((x) => ids.includes(x.id)) : visible;
      const { page, nextToken } = paginate(applyFilters(selected, a, attachmentFields), a);
      return { transitGatewayVpcAttachments: page.map((x) => attachmentWire(s, x)), nextToken };
    },

    DeleteTransitGatewayVpcAttachment(a: Args) {
      const attachment = getAttachment(s, a.str('TransitGatewayAttachmentId'));
      // Deleting is a way out of `available` and of `pendingAcceptance` only (the attachment lifecycle).
      if (!['available', 'pendingAcceptance'].includes(attachmentState(s, attachment))) throw incorrectState(attachment.id);
      attachment.deletedAt = s.now();
      releaseServiceInterfaces(s, attachment.eniIds, attachmentGoneAt(s, attachment.deletedAt));
      return { transitGatewayVpcAttachment: attachmentWire(s, attachment) };
    },

    // The gateway's owner answers; the owner of a shared gateway is another account (the control interface).
    AcceptTransitGatewayVpcAttachment(a: Args) {
      return { transitGatewayVpcAttachment: attachmentWire(s, ownerAnswer(s, a.str('TransitGatewayAttachmentId'), true)) };
    },

    RejectTransitGatewayVpcAttachment(a: Args) {
      return { transitGatewayVpcAttachment: attachmentWire(s, ownerAnswer(s, a.str('TransitGatewayAttachmentId'), false)) };
    },
  };
}

/** An accept or reject sent by this account: only a gateway's owner may answer (AWS documents no code otherwise; ours: IncorrectState). */
function ownerAnswer(s: Ec2Store, id: string | undefined, accept: boolean): TgwAttachmentRec {
  const attachment = getAttachment(s, id);
  if (s.transitGateways.get(attachment.transitGatewayId)?.ownerId !== s.accountId) throw incorrectState(attachment.id);
  return answerAttachment(s, attachment.id, accept);
}

/** The attachment of `vpcId` to gateway `gatewayId` that carries traffic (`available`), if any. */
export function availableAttachment(s: Ec2Store, vpcId: string, gatewayId: string): TgwAttachmentRec | undefined {
  return [...s.tgwAttachments.values()].find(
    (x) => x.vpcId === vpcId && x.transitGatewayId === gatewayId && attachmentState(s, x) === 'available',
  );
}

/** What the control interface does on behalf of the network team's account (control.ts). */
export interface TransitGatewayControl {
  /** A gateway that account owns and shares with ours, available at once. */
  share(opts: { autoAcceptSharedAttachments: boolean; ownerId?: string }): { transitGatewayId: string; ownerId: string };
  /** The owner's accept / reject of one of our attachments in `pendingAcceptance`. */
  answer(attachmentId: string, accept: boolean): { transitGatewayAttachmentId: string; state: string };
}

export function transitGatewayControl(s: Ec2Store): TransitGatewayControl {
  return {
    share(opts) {
      const g = shareTransitGateway(s, opts);
      return { transitGatewayId: g.id, ownerId: g.ownerId };
    },
    answer(attachmentId, accept) {
      const a = answerAttachment(s, attachmentId, accept);
      return { transitGatewayAttachmentId: a.id, state: attachmentState(s, a) };
    },
  };
}
