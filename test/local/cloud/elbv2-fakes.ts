/** Test doubles for the ELBv2 module: a hand-driven clock and a tiny EC2 view (3 subnets, an SG, instances). */
import { DEFAULT_LATENCY, Ec2View, QueryParams, ServiceModule } from '../../../local/cloud/contract';
import { createElbv2Service } from '../../../local/cloud/elbv2';

export class FakeClock {
  readonly timeScale = 1;
  private t = Date.parse('2025-01-01T00:00:00Z');
  now(): number {
    return this.t;
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

type Instance = NonNullable<ReturnType<Ec2View['instance']>>;

export class FakeEc2 implements Ec2View {
  readonly subnets = new Map([
    ['subnet-a', { subnetId: 'subnet-a', vpcId: 'vpc-1', availabilityZone: 'ap-northeast-2a', cidrBlock: '10.0.0.0/20' }],
    ['subnet-b', { subnetId: 'subnet-b', vpcId: 'vpc-1', availabilityZone: 'ap-northeast-2b', cidrBlock: '10.0.16.0/20' }],
    ['subnet-c', { subnetId: 'subnet-c', vpcId: 'vpc-1', availabilityZone: 'ap-northeast-2c', cidrBlock: '10.0.32.0/20' }],
    ['subnet-a2', { subnetId: 'subnet-a2', vpcId: 'vpc-1', availabilityZone: 'ap-northeast-2a', cidrBlock: '10.0.48.0/20' }],
    ['subnet-x', { subnetId: 'subnet-x', vpcId: 'vpc-2', availabilityZone: 'ap-northeast-2a', cidrBlock: '10.1.0.0/20' }],
  ]);
  readonly groups = new Map([
    ['sg-nlb', { groupId: 'sg-nlb', vpcId: 'vpc-1' }],
    ['sg-other', { groupId: 'sg-other', vpcId: 'vpc-2' }],
  ]);
  readonly instances = new Map<string, Instance>();
  /** ENI id → release time (undefined while attached). */
  readonly enis = new Map<string, { subnetId: string; groupIds: string[]; description: string; releaseAt?: number }>();
  failEniInSubnet?: string;
  private seq = 0;

  constructor() {
    const zones = ['a', 'b', 'c'];
    zones.forEach((z, i) => {
      for (const role of ['cp', 'wk']) {
        const id = `i-${role}${z}`;
        this.instances.set(id, {
          instanceId: id,
          state: 'running',
          vpcId: 'vpc-1',
          subnetId: `subnet-${z}`,
          privateIpAddress: `10.0.${i * 16}.${role === 'cp' ? 10 : 20}`,
          availabilityZone: `ap-northeast-2${z}`,
        });
      }
    });
    this.instances.set('i-elsewhere', {
      instanceId: 'i-elsewhere',
      state: 'running',
      vpcId: 'vpc-2',
      subnetId: 'subnet-x',
      privateIpAddress: '10.1.0.5',
      availabilityZone: 'ap-northeast-2a',
    });
  }

  subnet(id: string) {
    return this.subnets.get(id);
  }
  securityGroup(id: string) {
    return this.groups.get(id);
  }
  instance(id: string) {
    return this.instances.get(id);
  }
  setState(id: string, state: string): void {
    const i = this.instances.get(id);
    if (i) this.instances.set(id, { ...i, state });
  }
  createLoadBalancerInterface(opts: { subnetId: string; groupIds: string[]; description: string }): string {
    if (opts.subnetId === this.failEniInSubnet) {
      throw Object.assign(new Error('no free addresses'), { code: 'InsufficientFreeAddressesInSubnet' });
    }
    const id = `eni-${(++this.seq).toString(16).padStart(8, '0')}`;
    this.enis.set(id, { ...opts });
    return id;
  }
  releaseLoadBalancerInterface(eniId: string, releaseAt: number): void {
    const eni = this.enis.get(eniId);
    if (eni) eni.releaseAt = releaseAt;
  }
}

/** The wire shapes `handle` returns (ELBv2 wire names = SDK names), as far as these tests read them. */
export interface LoadBalancerWire {
  LoadBalancerArn: string;
  DNSName: string;
  CanonicalHostedZoneId: string;
  CreatedTime: string;
  LoadBalancerName: string;
  Scheme: string;
  VpcId: string;
  State: { Code: string };
  Type: string;
  AvailabilityZones: Array<{ ZoneName: string; SubnetId: string; LoadBalancerAddresses: Array<{ PrivateIPv4Address: string }> }>;
  SecurityGroups?: string[];
  IpAddressType: string;
}

export interface TargetGroupWire {
  TargetGroupArn: string;
  TargetGroupName: string;
  Protocol: string;
  Port: number;
  VpcId: string;
  HealthCheckProtocol: string;
  HealthCheckPort: string;
  HealthCheckEnabled: boolean;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  HealthCheckPath?: string;
  Matcher?: { HttpCode: string };
  LoadBalancerArns: string[];
  TargetType: string;
  IpAddressType: string;
}

export interface ListenerWire {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  Protocol: string;
  DefaultActions: Array<{
    Type: string;
    TargetGroupArn: string;
    ForwardConfig: { TargetGroups: Array<{ TargetGroupArn: string; Weight: number }>; TargetGroupStickinessConfig: { Enabled: boolean } };
  }>;
}

export interface TargetHealthDescriptionWire {
  Target: { Id: string; Port: number };
  HealthCheckPort: string;
  TargetHealth: { State: string; Reason?: string; Description?: string };
}

interface KeyValue {
  Key: string;
  Value: string;
}

type Empty = Record<string, never>;
type Paged<T> = T & { NextMarker?: string };

export interface Elbv2Responses {
  CreateLoadBalancer: { LoadBalancers: LoadBalancerWire[] };
  DescribeLoadBalancers: Paged<{ LoadBalancers: LoadBalancerWire[] }>;
  DeleteLoadBalancer: Empty;
  SetSecurityGroups: { SecurityGroupIds: string[]; EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: string };
  DescribeLoadBalancerAttributes: { Attributes: KeyValue[] };
  ModifyLoadBalancerAttributes: { Attributes: KeyValue[] };
  CreateTargetGroup: { TargetGroups: TargetGroupWire[] };
  DescribeTargetGroups: Paged<{ TargetGroups: TargetGroupWire[] }>;
  DeleteTargetGroup: Empty;
  DescribeTargetGroupAttributes: { Attributes: KeyValue[] };
  ModifyTargetGroupAttributes: { Attributes: KeyValue[] };
  CreateListener: { Listeners: ListenerWire[] };
  DescribeListeners: Paged<{ Listeners: ListenerWire[] }>;
  DeleteListener: Empty;
  RegisterTargets: Empty;
  DeregisterTargets: Empty;
  DescribeTargetHealth: { TargetHealthDescriptions: TargetHealthDescriptionWire[] };
  AddTags: Empty;
  RemoveTags: Empty;
  DescribeTags: { TagDescriptions: Array<{ ResourceArn: string; Tags: KeyValue[] }> };
  DescribeAccountLimits: Paged<{ Limits: Array<{ Name: string; Max: string }> }>;
}

/** The response type of `action`; actions the module does not know (tests of InvalidAction) give `unknown`. */
export type Elbv2Response<A extends string> = A extends keyof Elbv2Responses ? Elbv2Responses[A] : unknown;

export interface Harness {
  clock: FakeClock;
  ec2: FakeEc2;
  elb: ServiceModule;
  call<A extends string>(action: A, params?: QueryParams): Elbv2Response<A>;
}

export function harness(): Harness {
  const clock = new FakeClock();
  const ec2 = new FakeEc2();
  const elb = createElbv2Service({ clock, latency: DEFAULT_LATENCY, ec2, region: 'ap-northeast-2', accountId: '123456789012' });
  // `handle` is typed `unknown` for every service; the tests' expectations check the shape named here.
  const call = <A extends string>(action: A, params: QueryParams = {}): Elbv2Response<A> => elb.handle(action, params) as Elbv2Response<A>;
  return { clock, ec2, elb, call };
}

/** Runs `fn` and returns the CloudError code it threw (fails the test if it did not throw). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('expected an error');
}

export const NLB_PARAMS: QueryParams = {
  Name: 'fin-k8s-dev',
  Type: 'network',
  Scheme: 'internal',
  'SubnetMappings.member.1.SubnetId': 'subnet-a',
  'SubnetMappings.member.2.SubnetId': 'subnet-b',
  'SubnetMappings.member.3.SubnetId': 'subnet-c',
  'SecurityGroups.member.1': 'sg-nlb',
  'Tags.member.1.Key': 'k8s-ec2:build-id',
  'Tags.member.1.Value': 'b-123',
};

/** `params` without `keys` (a request that leaves those parameters out). */
export function without(params: QueryParams, ...keys: string[]): QueryParams {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !keys.includes(k)));
}

export function tgParams(name: string, port: number, extra: QueryParams = {}): QueryParams {
  return { Name: name, Protocol: 'TCP', Port: String(port), VpcId: 'vpc-1', TargetType: 'instance', ...extra };
}

export function listenerParams(lbArn: string, port: number, tgArn: string): QueryParams {
  return {
    LoadBalancerArn: lbArn,
    Protocol: 'TCP',
    Port: String(port),
    'DefaultActions.member.1.Type': 'forward',
    'DefaultActions.member.1.TargetGroupArn': tgArn,
  };
}
