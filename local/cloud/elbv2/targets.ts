/**
 * RegisterTargets, DeregisterTargets, DescribeTargetHealth. Target health is derived on read from the clock,
 * the load balancer's state and the instance's state (see `healthOf` for the exact progression).
 */
import { CloudError, QueryParams } from '../contract';
import { int, invalid, required, structList } from './params';
import { Ctx, getTg, lbArnsOfTg, lbState, TargetGroupRec, TargetRec } from './store';
import { requireRoomForTargets } from './target-quotas';

export const MAX_TARGETS_PER_GROUP = 1000;

function invalidTarget(message: string): CloudError {
  return new CloudError('InvalidTarget', message, 400);
}

const key = (id: string, port: number): string => `${id}:${port}`;

function parseTargets(params: QueryParams, tg: TargetGroupRec, requiredList: boolean): Array<{ id: string; port?: number }> {
  const list = structList(params, 'Targets');
  if (requiredList && list.length === 0) {
    throw invalid("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null");
  }
  return list.map((t) => {
    if (!t.Id) throw invalid('A target ID must be specified');
    const port = int(t, 'Port', { min: 1, max: 65535 });
    return { id: t.Id, port: port ?? (requiredList ? tg.port : undefined) };
  });
}

/**
 * Forgets targets whose draining has ended and instances that are terminated or gone (AWS deregisters
 * terminated instances by itself), so every read sees the current set.
 */
function purge(ctx: Ctx, tg: TargetGroupRec): void {
  const now = ctx.now();
  for (const [k, t] of tg.targets) {
    const inst = ctx.deps.ec2.instance(t.id);
    const gone = !inst || inst.state === 'terminated';
    if (gone || (t.drainingUntil !== undefined && now >= t.drainingUntil)) tg.targets.delete(k);
  }
}

export function registerTargets(ctx: Ctx, params: QueryParams): object {
  const tg = getTg(ctx, required(params, 'TargetGroupArn'));
  const targets = parseTargets(params, tg, true) as Array<{ id: string; port: number }>;
  purge(ctx, tg);
  // Validate all before registering any, as AWS does, so a bad id leaves the group unchanged.
  const missing = targets.filter((t) => !ctx.deps.ec2.instance(t.id)).map((t) => t.id);
  if (missing.length > 0) throw invalidTarget(`The following targets are not valid instances: '${missing.join("', '")}'`);
  const otherVpc = targets.filter((t) => ctx.deps.ec2.instance(t.id)?.vpcId !== tg.vpcId).map((t) => t.id);
  if (otherVpc.length > 0)
    throw invalidTarget(`The following targets are not in the target group VPC '${tg.vpcId}': '${otherVpc.join("', '")}'`);
  const notRunning = targets.filter((t) => ctx.deps.ec2.instance(t.id)?.state !== 'running').map((t) => t.id);
  if (notRunning.length > 0) {
    throw invalidTarget(`The following targets are not in a running state and cannot be registered: '${notRunning.join("', '")}'`);
  }
  const added = new Set(targets.map((t) => key(t.id, t.port)).filter((k) => !tg.targets.has(k)));
  if (tg.targets.size + added.size > MAX_TARGETS_PER_GROUP) {
    throw new CloudError('TooManyTargets', `A target group can have at most ${MAX_TARGETS_PER_GROUP} targets`, 400);
  }
  const addedIds = [...added].map((k) => k.slice(0, k.lastIndexOf(':')));
  for (const lbArn of lbArnsOfTg(ctx, tg.arn)) requireRoomForTargets(ctx, lbArn, addedIds);
  const now = ctx.now();
  for (const t of targets) {
    const existing = tg.targets.get(key(t.id, t.port));
    // Registering a registered target again is a no-op; a draining one starts over as a new registration.
    if (existing && existing.drainingUntil === undefined) continue;
    tg.targets.set(key(t.id, t.port), { id: t.id, port: t.port, registeredAt: now });
  }
  return {};
}

export function deregisterTargets(ctx: Ctx, params: QueryParams): object {
  const tg = getTg(ctx, required(params, 'TargetGroupArn'));
  const targets = parseTargets(params, tg, true) as Array<{ id: string; port: number }>;
  purge(ctx, tg);
  const missing = targets.filter((t) => !ctx.deps.ec2.instance(t.id) && !tg.targets.has(key(t.id, t.port))).map((t) => t.id);
  if (missing.length > 0) throw invalidTarget(`The following targets are not valid instances: '${missing.join("', '")}'`);
  const inUse = lbArnsOfTg(ctx, tg.arn).length > 0;
  const delayMs = Number(tg.attributes.get('deregistration_delay.timeout_seconds') ?? '300') * 1000;
  const now = ctx.now();
  for (const t of targets) {
    const k = key(t.id, t.port);
    const rec = tg.targets.get(k);
    // Deregistering a target that is not registered succeeds without effect.
    if (!rec || rec.drainingUntil !== undefined) continue;
    // Only a group that receives traffic drains; an unused one lets go at once.
    if (inUse && delayMs > 0) rec.drainingUntil = now + delayMs;
    else tg.targets.delete(k);
  }
  return {};
}

interface Health {
  State: string;
  Reason?: string;
  Description?: string;
}

/**
 * The health of one registered target, in AWS's precedence:
 * draining → unused (group not behind a load balancer) → unused (instance not running) → unused (AZ not
 * enabled on the load balancer) → initial (load balancer provisioning, or fewer than HealthyThresholdCount
 * checks of HealthCheckIntervalSeconds since checks began) → healthy. Checks begin at the latest of
 * registration, the group's association with a listener, and the load balancer turning active.
 */
function healthOf(ctx: Ctx, tg: TargetGroupRec, t: TargetRec): Health {
  if (t.drainingUntil !== undefined) {
    return { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' };
  }
  const lb = ctx.state.loadBalancers.get(lbArnsOfTg(ctx, tg.arn)[0] ?? '');
  if (!lb || tg.associatedAt === undefined) {
    return {
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    };
  }
  const inst = ctx.deps.ec2.instance(t.id);
  if (!inst || inst.state !== 'running') {
    return { State: 'unused', Reason: 'Target.InvalidState', Description: `Target is in the ${inst?.state ?? 'terminated'} state` };
  }
  if (!lb.subnets.some((s) => s.zoneName === inst.availabilityZone)) {
    return {
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target is in an Availability Zone that is not enabled for the load balancer',
    };
  }
  if (lbState(ctx, lb) === 'provisioning') {
    return { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' };
  }
  const checksFrom = Math.max(t.registeredAt, tg.associatedAt, lb.activeAt);
  const healthyAt = checksFrom + tg.healthCheck.healthyThreshold * tg.healthCheck.intervalSeconds * 1000;
  // Ec2View carries no status checks; if the EC2 side adds an optional `statusCheck` to its instance view,
  // a target also waits for it to read 'ok' (a booting OS fails the health checks).
  const statusCheck = (inst as { statusCheck?: string }).statusCheck;
  if (ctx.now() < healthyAt || (statusCheck !== undefined && statusCheck !== 'ok')) {
    return { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' };
  }
  return { State: 'healthy' };
}

function describe(tg: TargetGroupRec, t: TargetRec, health: Health): object {
  const hcPort = tg.healthCheck.port === 'traffic-port' ? String(t.port) : tg.healthCheck.port;
  return { Target: { Id: t.id, Port: t.port }, HealthCheckPort: hcPort, TargetHealth: health };
}

export function describeTargetHealth(ctx: Ctx, params: QueryParams): object {
  const tg = getTg(ctx, required(params, 'TargetGroupArn'));
  purge(ctx, tg);
  const asked = parseTargets(params, tg, false);
  if (asked.length === 0) {
    return { TargetHealthDescriptions: [...tg.targets.values()].map((t) => describe(tg, t, healthOf(ctx, tg, t))) };
  }
  const out: object[] = [];
  for (const a of asked) {
    if (!ctx.deps.ec2.instance(a.id) && ![...tg.targets.values()].some((t) => t.id === a.id)) {
      throw invalidTarget(`The following targets are not valid instances: '${a.id}'`);
    }
    // Without a port, every registration of that instance answers (AWS allows one instance on several ports).
    const matches = [...tg.targets.values()].filter((t) => t.id === a.id && (a.port === undefined || t.port === a.port));
    if (matches.length === 0) {
      const port = a.port ?? tg.port;
      out.push(
        describe(
          tg,
          { id: a.id, port, registeredAt: 0 },
          {
            State: 'unused',
            Reason: 'Target.NotRegistered',
            Description: 'Target is not registered to the target group',
          },
        ),
      );
    }
    for (const t of matches) out.push(describe(tg, t, healthOf(ctx, tg, t)));
  }
  return { TargetHealthDescriptions: out };
}
