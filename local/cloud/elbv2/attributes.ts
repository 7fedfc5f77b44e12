/**
 * Load balancer and target group attributes. Each known key has a validator; unknown keys and bad values
 * fail with InvalidConfigurationRequest, and a failed Modify changes nothing (all keys are checked first).
 */
import { CloudError, QueryParams } from '../contract';
import { invalid, required, structList } from './params';
import { Ctx, getLb, getTg, TargetGroupRec } from './store';

type Check = (value: string) => boolean;
const isBool: Check = (v) => v === 'true' || v === 'false';
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v);
const intIn =
  (min: number, max: number): Check =>
  (v) =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const anyString: Check = () => true;

/** NLB attributes as DescribeLoadBalancerAttributes lists them for a new NLB. */
const LB_ATTRIBUTES: Record<string, { initial: string; check: Check }> = {
  'access_logs.s3.enabled': { initial: 'false', check: isBool },
  'access_logs.s3.bucket': { initial: '', check: anyString },
  'access_logs.s3.prefix': { initial: '', check: anyString },
  'deletion_protection.enabled': { initial: 'false', check: isBool },
  'load_balancing.cross_zone.enabled': { initial: 'false', check: isBool },
  'dns_record.client_routing_policy': {
    initial: 'any_availability_zone',
    check: oneOf('any_availability_zone', 'availability_zone_affinity', 'partial_availability_zone_affinity'),
  },
  'zonal_shift.config.enabled': { initial: 'false', check: isBool },
};

/** NLB target group attributes (instance/ip targets). `preserve_client_ip.enabled` depends on the group. */
const TG_ATTRIBUTES: Record<string, { initial: string; check: Check }> = {
  'deregistration_delay.timeout_seconds': { initial: '300', check: intIn(0, 3600) },
  'deregistration_delay.connection_termination.enabled': { initial: 'false', check: isBool },
  'preserve_client_ip.enabled': { initial: 'true', check: isBool },
  'proxy_protocol_v2.enabled': { initial: 'false', check: isBool },
  'stickiness.enabled': { initial: 'false', check: isBool },
  // Network load balancers support only source-IP stickiness.
  'stickiness.type': { initial: 'source_ip', check: oneOf('source_ip') },
  'load_balancing.cross_zone.enabled': {
    initial: 'use_load_balancer_configuration',
    check: oneOf('true', 'false', 'use_load_balancer_configuration'),
  },
  'target_health_state.unhealthy.connection_termination.enabled': { initial: 'true', check: isBool },
  'target_health_state.unhealthy.draining_interval_seconds': { initial: '0', check: intIn(0, 360000) },
};

function defaults(table: Record<string, { initial: string }>): Map<string, string> {
  return new Map(Object.entries(table).map(([k, v]) => [k, v.initial]));
}

export function lbAttributeDefaults(): Map<string, string> {
  return defaults(LB_ATTRIBUTES);
}

export function tgAttributeDefaults(targetType: string, protocol: string): Map<string, string> {
  const attrs = defaults(TG_ATTRIBUTES);
  // AWS: client IP preservation is on by default for instance targets (and for UDP/TCP_UDP), off for TCP/TLS ip targets.
  const preserve = targetType === 'instance' || protocol === 'UDP' || protocol === 'TCP_UDP';
  attrs.set('preserve_client_ip.enabled', String(preserve));
  return attrs;
}

function configError(message: string): CloudError {
  return new CloudError('InvalidConfigurationRequest', message, 400);
}

/** Validates `Attributes.member.N.Key/Value` against a table and returns the changes in order. */
function parseChanges(params: QueryParams, table: Record<string, { check: Check }>): Array<[string, string]> {
  const list = structList(params, 'Attributes');
  if (list.length === 0)
    throw invalid("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
  return list.map((a) => {
    const key = a.Key ?? '';
    const value = a.Value ?? '';
    const spec = table[key];
    if (!spec) throw configError(`Attribute key '${key}' is not recognized`);
    if (!spec.check(value)) throw configError(`Attribute value '${value}' is not valid for attribute key '${key}'`);
    return [key, value];
  });
}

function wire(attrs: Map<string, string>): object {
  return { Attributes: [...attrs.entries()].map(([Key, Value]) => ({ Key, Value })) };
}

export function describeLoadBalancerAttributes(ctx: Ctx, params: QueryParams): object {
  return wire(getLb(ctx, required(params, 'LoadBalancerArn')).attributes);
}

export function modifyLoadBalancerAttributes(ctx: Ctx, params: QueryParams): object {
  const lb = getLb(ctx, required(params, 'LoadBalancerArn'));
  const changes = parseChanges(params, LB_ATTRIBUTES);
  const next = new Map(lb.attributes);
  for (const [k, v] of changes) next.set(k, v);
  if (next.get('access_logs.s3.enabled') === 'true' && !next.get('access_logs.s3.bucket')) {
    throw configError("The value of 'access_logs.s3.bucket' cannot be empty when access logs are enabled");
  }
  lb.attributes = next;
  return wire(lb.attributes);
}

export function describeTargetGroupAttributes(ctx: Ctx, params: QueryParams): object {
  return wire(getTg(ctx, required(params, 'TargetGroupArn')).attributes);
}

function checkTgRules(tg: TargetGroupRec, next: Map<string, string>): void {
  if (
    next.get('preserve_client_ip.enabled') === 'false' &&
    tg.targetType === 'instance' &&
    (tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP')
  ) {
    throw configError('Client IP preservation cannot be disabled for UDP and TCP_UDP target groups with instance targets');
  }
}

export function modifyTargetGroupAttributes(ctx: Ctx, params: QueryParams): object {
  const tg = getTg(ctx, required(params, 'TargetGroupArn'));
  const changes = parseChanges(params, TG_ATTRIBUTES);
  const next = new Map(tg.attributes);
  for (const [k, v] of changes) next.set(k, v);
  checkTgRules(tg, next);
  tg.attributes = next;
  return wire(tg.attributes);
}
