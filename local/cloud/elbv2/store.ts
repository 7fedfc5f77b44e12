/**
 * ELBv2 state: plain records keyed by ARN. Nothing here sleeps or schedules; every state that changes with
 * time (provisioning → active, target health, draining) is computed from the simulated clock on read.
 */
import { randomBytes } from 'node:crypto';
import { CloudError, Elbv2Deps } from '../contract';
import { invalid } from './params';

export interface LbSubnet {
  subnetId: string;
  zoneName: string;
  eniId: string;
  privateIPv4Address?: string;
}

export interface LoadBalancerRec {
  arn: string;
  name: string;
  /** The 16-hex id at the end of the ARN; listener ARNs embed it too. */
  id: string;
  dnsName: string;
  scheme: 'internal' | 'internet-facing';
  type: 'network';
  ipAddressType: string;
  vpcId: string;
  subnets: LbSubnet[];
  securityGroups: string[];
  createdAt: number;
  /** Simulated epoch ms at which the state reads `active`. */
  activeAt: number;
  attributes: Map<string, string>;
  tags: Map<string, string>;
}

export interface HealthCheck {
  protocol: string;
  port: string;
  enabled: boolean;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  path?: string;
  matcherHttpCode?: string;
}

export interface TargetRec {
  id: string;
  port: number;
  registeredAt: number;
  /** Set on deregistration from an in-use group: the target reads `draining` until then, and is gone after. */
  drainingUntil?: number;
}

export interface TargetGroupRec {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  vpcId: string;
  targetType: string;
  ipAddressType: string;
  healthCheck: HealthCheck;
  createdAt: number;
  /** When a listener first forwarded to this group (health checks start then); unset while unused. */
  associatedAt?: number;
  attributes: Map<string, string>;
  tags: Map<string, string>;
  /** Keyed by `id:port`; AWS treats the same instance on two ports as two targets. */
  targets: Map<string, TargetRec>;
}

export interface ListenerRec {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  targetGroupArn: string;
  createdAt: number;
  tags: Map<string, string>;
}

export interface State {
  loadBalancers: Map<string, LoadBalancerRec>;
  targetGroups: Map<string, TargetGroupRec>;
  listeners: Map<string, ListenerRec>;
}

export function emptyState(): State {
  return { loadBalancers: new Map(), targetGroups: new Map(), listeners: new Map() };
}

/** What every action handler gets. */
export interface Ctx {
  state: State;
  deps: Elbv2Deps;
  now(): number;
}

export function hex16(): string {
  return randomBytes(8).toString('hex');
}

export function arnPrefix(ctx: Ctx): string {
  return `arn:aws:elasticloadbalancing:${ctx.deps.region}:${ctx.deps.accountId}`;
}

export type ArnKind = 'loadbalancer' | 'targetgroup' | 'listener';

/** The resource kind of an ELBv2 ARN, or a ValidationError naming what was expected. */
export function arnKind(arn: string, expected?: ArnKind): ArnKind {
  const m = /^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:(loadbalancer|targetgroup|listener)\/.+$/.exec(arn);
  if (!m || (expected && m[1] !== expected)) {
    const what = expected === 'targetgroup' ? 'target group' : expected === 'listener' ? 'listener' : 'load balancer';
    throw invalid(`'${arn}' is not a valid ${expected ? what : 'resource'} ARN`);
  }
  return m[1] as ArnKind;
}

export function lbNotFound(what = 'One or more load balancers not found'): CloudError {
  return new CloudError('LoadBalancerNotFound', what, 400);
}

export function tgNotFound(what = 'One or more target groups not found'): CloudError {
  return new CloudError('TargetGroupNotFound', what, 400);
}

export function listenerNotFound(what = 'One or more listeners not found'): CloudError {
  return new CloudError('ListenerNotFound', what, 400);
}

export function getLb(ctx: Ctx, arn: string): LoadBalancerRec {
  arnKind(arn, 'loadbalancer');
  const lb = ctx.state.loadBalancers.get(arn);
  if (!lb) throw lbNotFound(`Load balancer '${arn}' not found`);
  return lb;
}

export function getTg(ctx: Ctx, arn: string): TargetGroupRec {
  arnKind(arn, 'targetgroup');
  const tg = ctx.state.targetGroups.get(arn);
  if (!tg) throw tgNotFound(`Target groups '${arn}' not found`);
  return tg;
}

export function lbState(ctx: Ctx, lb: LoadBalancerRec): 'provisioning' | 'active' {
  return ctx.now() >= lb.activeAt ? 'active' : 'provisioning';
}

/** The load balancers whose listeners forward to this group (an NLB target group has at most one). */
export function lbArnsOfTg(ctx: Ctx, tgArn: string): string[] {
  const arns = new Set<string>();
  for (const l of ctx.state.listeners.values()) if (l.targetGroupArn === tgArn) arns.add(l.loadBalancerArn);
  return [...arns];
}

/** Re-derives `associatedAt` after listeners came or went, so health checks restart on re-association. */
export function refreshAssociation(ctx: Ctx, tg: TargetGroupRec): void {
  const inUse = lbArnsOfTg(ctx, tg.arn).length > 0;
  if (inUse && tg.associatedAt === undefined) tg.associatedAt = ctx.now();
  if (!inUse) tg.associatedAt = undefined;
}

export function sameSet(a: string[], b: string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

export function tagList(tags: Map<string, string>): Array<{ Key: string; Value: string }> {
  return [...tags.entries()].map(([Key, Value]) => ({ Key, Value }));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
