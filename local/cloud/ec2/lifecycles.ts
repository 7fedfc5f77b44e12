/**
 * States of transit gateways, VPC attachments, NAT gateways and VPC endpoints, derived when read from the
 * simulated clock and the moments of what was asked (created, accepted, rejected, deleted) plus the
 * latencies of `LatencyModel`: nothing here runs on a timer.
 */
import { Ec2Store, NatGatewayRec, TgwAttachmentRec, TransitGatewayRec, VpcEndpointRec } from './store';

const HOUR = 3600_000;
/**
 * Deleted and rejected VPC attachments "remain visible for 2 hours"
 * (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle). No figure is
 * documented for deleted transit gateways or VPC endpoints: they keep the same 2 hours (our assumption).
 */
const ATTACHMENT_VISIBLE_MS = 2 * HOUR;
/**
 * A deleted NAT gateway "remains visible in the Amazon VPC console for about an hour"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-deleting); "A failed NAT
 * gateway is automatically deleted, usually in about an hour" (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html).
 */
const NAT_VISIBLE_MS = HOUR;

const ms = (seconds: number) => seconds * 1000;

export type TransitGatewayState = 'pending' | 'available' | 'deleting' | 'deleted';
export type AttachmentState = 'pendingAcceptance' | 'pending' | 'available' | 'rejected' | 'deleting' | 'deleted';
export type NatGatewayState = 'pending' | 'failed' | 'available' | 'deleting' | 'deleted';
export type VpcEndpointState = 'pending' | 'available' | 'deleting' | 'deleted';

/** The moment a stage of `seconds` that began at `since` ends. */
const endOf = (since: number, seconds: number) => since + ms(seconds);

export function transitGatewayState(s: Ec2Store, g: TransitGatewayRec): TransitGatewayState {
  const now = s.now();
  if (g.deletedAt !== undefined) return now < endOf(g.deletedAt, s.latency.transitGatewayDeletingToDeleted) ? 'deleting' : 'deleted';
  if (g.shared) return 'available';
  return now < endOf(g.createdAt, s.latency.transitGatewayPendingToAvailable) ? 'pending' : 'available';
}

export function transitGatewayVisible(s: Ec2Store, g: TransitGatewayRec): boolean {
  return g.deletedAt === undefined || s.now() < endOf(g.deletedAt, s.latency.transitGatewayDeletingToDeleted) + ATTACHMENT_VISIBLE_MS;
}

/** When provisioning began: at creation, or when the gateway's owner accepted it. */
export function attachmentProvisionedFrom(a: TgwAttachmentRec): number | undefined {
  return a.needsAcceptance ? a.acceptedAt : a.createdAt;
}

export function attachmentState(s: Ec2Store, a: TgwAttachmentRec): AttachmentState {
  const now = s.now();
  if (a.deletedAt !== undefined) {
    return now < endOf(a.deletedAt, s.latency.transitGatewayAttachmentDeletingToDeleted) ? 'deleting' : 'deleted';
  }
  if (a.rejectedAt !== undefined) return 'rejected';
  const from = attachmentProvisionedFrom(a);
  if (from === undefined) return 'pendingAcceptance';
  return now < endOf(from, s.latency.transitGatewayAttachmentPendingToAvailable) ? 'pending' : 'available';
}

export function attachmentVisible(s: Ec2Store, a: TgwAttachmentRec): boolean {
  if (a.deletedAt !== undefined) {
    return s.now() < endOf(a.deletedAt, s.latency.transitGatewayAttachmentDeletingToDeleted) + ATTACHMENT_VISIBLE_MS;
  }
  return a.rejectedAt === undefined || s.now() < a.rejectedAt + ATTACHMENT_VISIBLE_MS;
}

/** Neither deleted nor rejected: it still counts against its VPC and gateway. */
export function attachmentLive(s: Ec2Store, a: TgwAttachmentRec): boolean {
  return !['deleted', 'rejected'].includes(attachmentState(s, a));
}

/** When the interfaces of a deleted attachment leave their subnets: once it is `deleted`. */
export function attachmentGoneAt(s: Ec2Store, deletedAt: number): number {
  return endOf(deletedAt, s.latency.transitGatewayAttachmentDeletingToDeleted);
}

export function natGatewayState(s: Ec2Store, n: NatGatewayRec): NatGatewayState {
  const now = s.now();
  if (n.deletedAt !== undefined) return now < endOf(n.deletedAt, s.latency.natGatewayDeletingToDeleted) ? 'deleting' : 'deleted';
  if (now < endOf(n.createdAt, s.latency.natGatewayPendingToAvailable)) return 'pending';
  return n.failure ? 'failed' : 'available';
}

/** When a NAT gateway reaches `deleted` (after DeleteNatGateway) or `failed` (at the end of `pending`). */
export function natGatewayEndsAt(s: Ec2Store, n: NatGatewayRec): number | undefined {
  if (n.deletedAt !== undefined) return endOf(n.deletedAt, s.latency.natGatewayDeletingToDeleted);
  return n.failure ? endOf(n.createdAt, s.latency.natGatewayPendingToAvailable) : undefined;
}

export function natGatewayVisible(s: Ec2Store, n: NatGatewayRec): boolean {
  const end = natGatewayEndsAt(s, n);
  return end === undefined || s.now() < end + NAT_VISIBLE_MS;
}

export function vpcEndpointState(s: Ec2Store, e: VpcEndpointRec): VpcEndpointState {
  const now = s.now();
  if (e.deletedAt !== undefined) return now < endOf(e.deletedAt, s.latency.vpcEndpointDeletingToDeleted) ? 'deleting' : 'deleted';
  // A gateway endpoint only adds routes: the CreateVpcEndpoint answer already shows it available.
  if (e.type === 'Gateway') return 'available';
  return now < endOf(e.createdAt, s.latency.vpcEndpointPendingToAvailable) ? 'pending' : 'available';
}

export function vpcEndpointGoneAt(s: Ec2Store, deletedAt: number): number {
  return endOf(deletedAt, s.latency.vpcEndpointDeletingToDeleted);
}

export function vpcEndpointVisible(s: Ec2Store, e: VpcEndpointRec): boolean {
  return e.deletedAt === undefined || s.now() < vpcEndpointGoneAt(s, e.deletedAt) + ATTACHMENT_VISIBLE_MS;
}
