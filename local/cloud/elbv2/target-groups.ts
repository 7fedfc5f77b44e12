/** CreateTargetGroup, DescribeTargetGroups, DeleteTargetGroup (network load balancer target groups, instance targets). */
import { CloudError, QueryParams } from '../contract';
import { tgAttributeDefaults } from './attributes';
import { bool, int, invalid, paginate, required, str, stringList, sub } from './params';
import { arnKind, arnPrefix, Ctx, getLb, getTg, HealthCheck, hex16, lbArnsOfTg, TargetGroupRec, tgNotFound } from './store';
import { parseTags } from './tags';

export const MAX_TARGET_GROUPS = 3000;

/**
 * "This name must be unique per region per account, can have a maximum of 32 characters, must contain only
 * alphanumeric characters or hyphens, and must not begin or end with a hyphen." (ValidationError)
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
 */
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const NLB_PROTOCOLS = ['TCP', 'UDP', 'TCP_UDP', 'TLS'];
const HC_PROTOCOLS = ['TCP', 'HTTP', 'HTTPS'];

function configError(message: string): CloudError {
  return new CloudError('InvalidConfigurationRequest', message, 400);
}

/** What CreateTargetGroup asks for: the record's settings, before it exists. */
type TgRequest = Pick<TargetGroupRec, 'name' | 'protocol' | 'port' | 'vpcId' | 'targetType' | 'ipAddressType' | 'healthCheck'>;

/** Health check settings with AWS's NLB defaults filled in (TCP: 30 s interval, 10 s timeout, 5 healthy / 2 unhealthy). */
function parseHealthCheck(params: QueryParams, targetType: string): HealthCheck {
  const protocol = str(params, 'HealthCheckProtocol') ?? 'TCP';
  if (!HC_PROTOCOLS.includes(protocol)) throw invalid(`Health check protocol '${protocol}' must be one of ${HC_PROTOCOLS.join(', ')}`);
  const port = str(params, 'HealthCheckPort') ?? 'traffic-port';
  if (port !== 'traffic-port' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw invalid(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`);
  }
  const enabled = bool(params, 'HealthCheckEnabled') ?? true;
  if (!enabled && targetType === 'instance') throw configError('Health checks cannot be disabled for target groups with instance targets');
  const http = protocol !== 'TCP';
  const intervalSeconds = int(params, 'HealthCheckIntervalSeconds', { min: 5, max: 300 }) ?? 30;
  const timeoutSeconds = int(params, 'HealthCheckTimeoutSeconds', { min: 2, max: 120 }) ?? (protocol === 'HTTP' ? 6 : 10);
  // NLBs long had interval 10 s with a fixed 10 s TCP timeout, so equal is fine; only a longer timeout is refused.
  if (timeoutSeconds > intervalSeconds) throw configError('Health check timeout must not be longer than the interval');
  const healthyThreshold = int(params, 'HealthyThresholdCount', { min: 2, max: 10 }) ?? 5;
  const unhealthyThreshold = int(params, 'UnhealthyThresholdCount', { min: 2, max: 10 }) ?? 2;
  const path = str(params, 'HealthCheckPath');
  const matcher = sub(params, 'Matcher').HttpCode;
  if (!http && path !== undefined)
    throw configError(`Health check path is not supported for health checks with the protocol '${protocol}'`);
  if (!http && matcher !== undefined)
    throw configError(`Health check matcher is not supported for health checks with the protocol '${protocol}'`);
  return {
    protocol,
    port,
    enabled,
    intervalSeconds,
    timeoutSeconds,
    healthyThreshold,
    unhealthyThreshold,
    ...(http ? { path: path ?? '/', matcherHttpCode: matcher ?? '200-399' } : {}),
  };
}

function parseRequest(params: QueryParams): TgRequest {
  const name = required(params, 'Name');
  if (!NAME_RE.test(name)) {
    throw invalid(`Target group name '${name}' must be 1-32 alphanumeric characters or hyphens, and must not begin or end with a hyphen`);
  }
  const targetType = str(params, 'TargetType') ?? 'instance';
  if (targetType !== 'instance') throw invalid(`Target type '${targetType}' is not supported by the local cloud; use 'instance'`);
  const protocol = required(params, 'Protocol');
  if (!NLB_PROTOCOLS.includes(protocol)) {
    throw invalid(`Target group protocol '${protocol}' is not supported by the local cloud; use one of ${NLB_PROTOCOLS.join(', ')}`);
  }
  required(params, 'Port');
  const port = int(params, 'Port', { min: 1, max: 65535 }) as number;
  const vpcId = required(params, 'VpcId');
  const ipAddressType = str(params, 'IpAddressType') ?? 'ipv4';
  if (ipAddressType !== 'ipv4') throw invalid(`IP address type '${ipAddressType}' is not supported by the local cloud; use 'ipv4'`);
  return { name, protocol, port, vpcId, targetType, ipAddressType, healthCheck: parseHealthCheck(params, targetType) };
}

function sameConfig(tg: TargetGroupRec, req: TgRequest): boolean {
  return (
    tg.protocol === req.protocol &&
    tg.port === req.port &&
    tg.vpcId === req.vpcId &&
    tg.targetType === req.targetType &&
    tg.ipAddressType === req.ipAddressType &&
    JSON.stringify(tg.healthCheck) === JSON.stringify(req.healthCheck)
  );
}

export function toWire(ctx: Ctx, tg: TargetGroupRec): object {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    ...(hc.path !== undefined ? { HealthCheckPath: hc.path } : {}),
    ...(hc.matcherHttpCode !== undefined ? { Matcher: { HttpCode: hc.matcherHttpCode } } : {}),
    LoadBalancerArns: lbArnsOfTg(ctx, tg.arn),
    TargetType: tg.targetType,
    IpAddressType: tg.ipAddressType,
  };
}

export function createTargetGroup(ctx: Ctx, params: QueryParams): object {
  const req = parseRequest(params);
  const tags = parseTags(params);
  const existing = [...ctx.state.targetGroups.values()].find((tg) => tg.name === req.name);
  if (existing) {
    // AWS: creating the same group twice returns it; the same name with other settings is a conflict.
    if (!sameConfig(existing, req)) {
      throw new CloudError(
        'DuplicateTargetGroupName',
        `A target group with the name '${req.name}' already exists with different settings`,
        400,
      );
    }
    return { TargetGroups: [toWire(ctx, existing)] };
  }
  if (ctx.state.targetGroups.size >= MAX_TARGET_GROUPS) {
    throw new CloudError('TooManyTargetGroups', `You have reached the limit of ${MAX_TARGET_GROUPS} target groups`, 400);
  }
  const tg: TargetGroupRec = {
    arn: `${arnPrefix(ctx)}:targetgroup/${req.name}/${hex16()}`,
    name: req.name,
    protocol: req.protocol,
    port: req.port,
    vpcId: req.vpcId,
    targetType: req.targetType,
    ipAddressType: req.ipAddressType,
    healthCheck: req.healthCheck,
    createdAt: ctx.now(),
    attributes: tgAttributeDefaults(req.targetType, req.protocol),
    tags,
    targets: new Map(),
  };
  ctx.state.targetGroups.set(tg.arn, tg);
  return { TargetGroups: [toWire(ctx, tg)] };
}

export function describeTargetGroups(ctx: Ctx, params: QueryParams): object {
  const lbArn = str(params, 'LoadBalancerArn');
  const arns = stringList(params, 'TargetGroupArns');
  const names = stringList(params, 'Names');
  const given = [lbArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length;
  if (given > 1) throw invalid('Specify at most one of load balancer ARN, target group ARNs or target group names');
  const all = [...ctx.state.targetGroups.values()];
  let found: TargetGroupRec[];
  if (lbArn !== undefined) {
    getLb(ctx, lbArn);
    found = all.filter((tg) => lbArnsOfTg(ctx, tg.arn).includes(lbArn));
  } else if (arns.length > 0) {
    found = arns.map((arn) => getTg(ctx, arn));
  } else if (names.length > 0) {
    found = names.map((n) => {
      const tg = all.find((x) => x.name === n);
      if (!tg) throw tgNotFound(`Target groups '[${n}]' not found`);
      return tg;
    });
  } else {
    found = all;
  }
  const { page, nextMarker } = paginate(found, params);
  return { TargetGroups: page.map((tg) => toWire(ctx, tg)), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

export function deleteTargetGroup(ctx: Ctx, params: QueryParams): object {
  const arn = required(params, 'TargetGroupArn');
  arnKind(arn, 'targetgroup');
  // Like DeleteLoadBalancer, deleting a group that is already gone succeeds.
  if (!ctx.state.targetGroups.has(arn)) return {};
  if (lbArnsOfTg(ctx, arn).length > 0) {
    throw new CloudError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`, 400);
  }
  ctx.state.targetGroups.delete(arn);
  return {};
}
