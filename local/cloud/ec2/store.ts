/**
 * EC2's state. Records keep only what was asked for and when; anything that takes time (instance state,
 * status checks, lingering NLB interfaces, EIPs freed by a terminated instance) is derived from the
 * simulated clock when read, so nothing ever sleeps or needs a timer.
 */
import { randomBytes } from 'node:crypto';
import { LatencyModel, SimClock } from '../contract';
import { Quotas } from '../quotas';
import type { EbsDefaults } from './ebs-defaults';

export type Tags = Map<string, string>;

interface Base {
  id: string;
  tags: Tags;
}
export interface VpcRec extends Base {
  cidrBlock: string;
  cidrAssociationId: string;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  mainRouteTableId: string;
  defaultGroupId: string;
}
export interface SubnetRec extends Base {
  vpcId: string;
  cidrBlock: string;
  az: string;
  mapPublicIpOnLaunch: boolean;
  createdAt: number;
}
export interface IgwRec extends Base {
  vpcId?: string;
}
/**
 * One route: a destination (a CIDR block, or a gateway endpoint's prefix list) and exactly one target. The
 * `local` route and a gateway endpoint's routes have `gatewayId` `local` / `vpce-…`, as DescribeRouteTables shows them.
 */
export interface RouteRec {
  destination?: string;
  prefixListId?: string;
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}
export interface RouteAssociation {
  id: string;
  subnetId?: string;
  main: boolean;
}
export interface RouteTableRec extends Base {
  vpcId: string;
  routes: RouteRec[];
  associations: RouteAssociation[];
}
/** One permission of a security group rule, as requests give it and the store keeps it. */
export interface SgRuleFields {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  refGroupId?: string;
  description?: string;
}
export interface SgRuleRec extends Base, SgRuleFields {
  groupId: string;
  egress: boolean;
}
export interface SecurityGroupRec extends Base {
  vpcId: string;
  name: string;
  description: string;
  rules: SgRuleRec[];
  createdAt: number;
}
export interface VolumeRec extends Base {
  instanceId: string;
  device: string;
  size: number;
  volumeType: string;
  encrypted: boolean;
  kmsKeyId?: string;
  deleteOnTermination: boolean;
  iops?: number;
  throughput?: number;
  az: string;
  createdAt: number;
}
export interface InstanceRec extends Base {
  reservationId: string;
  imageId: string;
  instanceType: string;
  az: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  eniId: string;
  groupIds: string[];
  keyName?: string;
  launchedAt: number;
  terminatedAt?: number;
  clientToken?: string;
  launchIndex: number;
  publicIp?: string;
  /** `changedAt`: when ModifyInstanceMetadataOptions last changed them (they read `pending` for a moment after). */
  metadata: { httpTokens: string; httpEndpoint: string; hopLimit: number; metadataTags: string; changedAt?: number };
  volumeIds: string[];
  rootDevice: string;
  architecture: string;
  /** The instance profile it was launched with (RunInstances `IamInstanceProfile`), as DescribeInstances shows it. */
  iamInstanceProfile?: { arn: string; id: string };
}
export interface ReservationRec {
  id: string;
  instanceIds: string[];
  groupIds: string[];
}
export interface EniRec extends Base {
  subnetId: string;
  vpcId: string;
  az: string;
  privateIp: string;
  groupIds: string[];
  description: string;
  mac: string;
  /** `interface` for an instance's own; the others are requester-managed (created and deleted by the service). */
  interfaceType: 'interface' | 'network_load_balancer' | 'nat_gateway' | 'vpc_endpoint' | 'transit_gateway';
  instanceId?: string;
  attachmentId?: string;
  releaseAt?: number;
  requesterId?: string;
  createdAt: number;
}
export interface AddressRec extends Base {
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  eniId?: string;
}
/** A transit gateway: ours, or one another account owns and shares with us through RAM (`shared`). */
export interface TransitGatewayRec extends Base {
  ownerId: string;
  /** Shared ones existed before we saw them: available at once. */
  shared: boolean;
  description?: string;
  autoAcceptSharedAttachments: boolean;
  amazonSideAsn: number;
  routeTableId: string;
  createdAt: number;
  deletedAt?: number;
}
export interface TgwAttachmentRec extends Base {
  transitGatewayId: string;
  vpcId: string;
  subnetIds: string[];
  options: { dnsSupport: string; ipv6Support: string; applianceModeSupport: string };
  createdAt: number;
  /** The gateway's owner must accept it (another account's gateway with auto-accept off). */
  needsAcceptance: boolean;
  acceptedAt?: number;
  rejectedAt?: number;
  deletedAt?: number;
  /** One requester-managed interface per subnet, made when provisioning starts (`pending`). */
  eniIds: string[];
}
export interface NatGatewayRec extends Base {
  subnetId: string;
  vpcId: string;
  connectivityType: 'public' | 'private';
  allocationId?: string;
  publicIp?: string;
  associationId?: string;
  eniId?: string;
  privateIp?: string;
  createdAt: number;
  deletedAt?: number;
  /** Set when AWS would fail it at the end of `pending` (failureCode / failureMessage of the NatGateway). */
  failure?: { code: string; message: string };
}
export interface VpcEndpointRec extends Base {
  type: 'Interface' | 'Gateway';
  vpcId: string;
  serviceName: string;
  subnetIds: string[];
  groupIds: string[];
  routeTableIds: string[];
  privateDnsEnabled: boolean;
  policyDocument: string;
  eniIds: string[];
  createdAt: number;
  deletedAt?: number;
}
/** The first request that used a ClientToken: its parameters, the resource it made, and its answer. */
export interface ClientTokenRec {
  fingerprint: string;
  resourceId: string;
  firstResult: unknown;
}
export interface KeyPairRec extends Base {
  name: string;
  fingerprint: string;
  keyType: string;
  createdAt: number;
  publicKey?: string;
}

export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated';
export const STATE_CODES: Record<InstanceState, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 };

/** AWS keeps terminated instances visible for about an hour. */
const TERMINATED_VISIBLE_MS = 3600_000;

export class Ec2Store {
  vpcs = new Map<string, VpcRec>();
  subnets = new Map<string, SubnetRec>();
  igws = new Map<string, IgwRec>();
  routeTables = new Map<string, RouteTableRec>();
  groups = new Map<string, SecurityGroupRec>();
  instances = new Map<string, InstanceRec>();
  reservations = new Map<string, ReservationRec>();
  enis = new Map<string, EniRec>();
  addresses = new Map<string, AddressRec>();
  keyPairs = new Map<string, KeyPairRec>();
  volumes = new Map<string, VolumeRec>();
  transitGateways = new Map<string, TransitGatewayRec>();
  tgwAttachments = new Map<string, TgwAttachmentRec>();
  natGateways = new Map<string, NatGatewayRec>();
  vpcEndpoints = new Map<string, VpcEndpointRec>();
  /** Action + ClientToken → what the first request made (see client-tokens.ts). */
  clientTokens = new Map<string, ClientTokenRec>();
  private nextPublicIp = 0;

  constructor(
    readonly clock: SimClock,
    readonly latency: LatencyModel,
    readonly region: string,
    readonly accountId: string,
    readonly quotas: Quotas,
    /** Account-level EBS settings (encryption by default and its key); fixed for the cloud's life. */
    readonly ebsDefaults: EbsDefaults = {},
  ) {}

  now(): number {
    return this.clock.now();
  }

  newId(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }

  /** Public IPs from a documentation-free, Seoul-looking range; sequential keeps them unique. */
  newPublicIp(): string {
    const n = this.nextPublicIp++;
    return `3.36.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }

  instanceState(i: InstanceRec): InstanceState {
    const now = this.now();
    if (i.terminatedAt !== undefined) {
      return now - i.terminatedAt < this.latency.instanceShuttingDownToTerminated * 1000 ? 'shutting-down' : 'terminated';
    }
    return now - i.launchedAt < this.latency.instancePendingToRunning * 1000 ? 'pending' : 'running';
  }

  /** `initializing` until the checks pass a fixed time after the instance reached running, then `ok`. */
  statusCheck(i: InstanceRec): 'initializing' | 'ok' | 'not-applicable' {
    const state = this.instanceState(i);
    if (state === 'shutting-down' || state === 'terminated') return 'not-applicable';
    const okAt = i.launchedAt + (this.latency.instancePendingToRunning + this.latency.statusChecksInitializingToOk) * 1000;
    return this.now() >= okAt ? 'ok' : 'initializing';
  }

  instanceVisible(i: InstanceRec): boolean {
    if (i.terminatedAt === undefined) return true;
    const gone = i.terminatedAt + this.latency.instanceShuttingDownToTerminated * 1000;
    return this.now() < gone + TERMINATED_VISIBLE_MS;
  }

  /** Whether a listing (no instance ids asked for) shows the instance yet: see LatencyModel.instanceListingLag. */
  listed(i: InstanceRec): boolean {
    return this.now() - i.launchedAt >= this.latency.instanceListingLag * 1000;
  }

  /** An instance's interface lives until the instance is terminated; an NLB's until its release time. */
  eniAlive(e: EniRec): boolean {
    if (e.instanceId) {
      const i = this.instances.get(e.instanceId);
      return !!i && this.instanceState(i) !== 'terminated';
    }
    return e.releaseAt === undefined || this.now() < e.releaseAt;
  }

  liveEnis(): EniRec[] {
    for (const [id, e] of this.enis) if (!this.eniAlive(e)) this.enis.delete(id);
    return [...this.enis.values()];
  }

  volumeAlive(v: VolumeRec): boolean {
    const i = this.instances.get(v.instanceId);
    return !!i && (this.instanceState(i) !== 'terminated' || !v.deleteOnTermination);
  }

  /** The EIP association, unless the instance it pointed at has since terminated (AWS then frees it). */
  addressAssociation(a: AddressRec): { associationId: string; instanceId?: string; eni: EniRec } | undefined {
    if (!a.associationId || !a.eniId) return undefined;
    const eni = this.enis.get(a.eniId);
    if (!eni || !this.eniAlive(eni)) return undefined;
    return { associationId: a.associationId, instanceId: a.instanceId, eni };
  }

  reset(): void {
    for (const map of [
      this.vpcs,
      this.subnets,
      this.igws,
      this.routeTables,
      this.groups,
      this.instances,
      this.reservations,
      this.enis,
      this.addresses,
      this.keyPairs,
      this.volumes,
      this.transitGateways,
      this.tgwAttachments,
      this.natGateways,
      this.vpcEndpoints,
      this.clientTokens,
    ] as Array<Map<string, unknown>>)
      map.clear();
    this.nextPublicIp = 0;
  }
}
