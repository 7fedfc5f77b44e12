/** CreateListener, DescribeListeners, DeleteListener. NLB listeners forward to exactly one target group. */
import { CloudError, QueryParams } from '../contract';
import { int, invalid, paginate, required, str, stringList, structList, sub } from './params';
import { arnKind, Ctx, getLb, getTg, hex16, lbArnsOfTg, ListenerRec, listenerNotFound, refreshAssociation } from './store';
import { parseTags } from './tags';
import { requireRoomForTargets } from './target-quotas';

export const MAX_LISTENERS_PER_NLB = 50;

const LISTENER_PROTOCOLS = ['TCP', 'UDP', 'TCP_UDP'];
/** Which target group protocols a listener protocol can forward to. */
const COMPATIBLE: Record<string, string[]> = { TCP: ['TCP', 'TCP_UDP'], UDP: ['UDP', 'TCP_UDP'], TCP_UDP: ['TCP_UDP'] };

function configError(message: string): CloudError {
  return new CloudError('InvalidConfigurationRequest', message, 400);
}

/** The one target group ARN of an NLB default action, from `TargetGroupArn` or `ForwardConfig.TargetGroups`. */
function parseForwardTarget(params: QueryParams): string {
  const actions = structList(params, 'DefaultActions');
  if (actions.length === 0)
    throw invalid("1 validation error detected: Value null at 'defaultActions' failed to satisfy constraint: Member must not be null");
  if (actions.length > 1) throw new CloudError('TooManyActions', 'A Network Load Balancer listener can have only one default action', 400);
  const action = actions[0];
  if (action.Type !== 'forward') throw invalid(`Action type '${action.Type ?? ''}' must be 'forward' for a Network Load Balancer`);
  const fromConfig = structList(sub(action, 'ForwardConfig'), 'TargetGroups').map((t) => t.TargetGroupArn ?? '');
  const arns = new Set([...(action.TargetGroupArn ? [action.TargetGroupArn] : []), ...fromConfig]);
  if (arns.size === 0) throw invalid('A target group ARN must be specified for a forward action');
  if (arns.size > 1) throw configError('A Network Load Balancer forward action supports exactly one target group');
  return [...arns][0];
}

export function toWire(l: ListenerRec): object {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    // AWS echoes both forms of the forward target.
    DefaultActions: [
      {
        Type: 'forward',
        TargetGroupArn: l.targetGroupArn,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: l.targetGroupArn, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ],
  };
}

export function createListener(ctx: Ctx, params: QueryParams): object {
  const lb = getLb(ctx, required(params, 'LoadBalancerArn'));
  const protocol = required(params, 'Protocol');
  if (!LISTENER_PROTOCOLS.includes(protocol)) {
    throw new CloudError(
      'UnsupportedProtocol',
      `Listener protocol '${protocol}' is not supported by the local cloud; use one of ${LISTENER_PROTOCOLS.join(', ')}`,
      400,
    );
  }
  required(params, 'Port');
  const port = int(params, 'Port', { min: 1, max: 65535 }) as number;
  const tgArn = parseForwardTarget(params);
  const tags = parseTags(params);
  const tg = getTg(ctx, tgArn);

  const listeners = [...ctx.state.listeners.values()].filter((l) => l.loadBalancerArn === lb.arn);
  const samePort = listeners.find((l) => l.port === port);
  if (samePort) {
    // CreateListener is idempotent: the same port with the same settings returns the existing listener.
    if (samePort.protocol === protocol && samePort.targetGroupArn === tgArn) return { Listeners: [toWire(samePort)] };
    throw new CloudError('DuplicateListener', `A listener already exists on port ${port} of load balancer '${lb.arn}'`, 400);
  }
  if (!COMPATIBLE[protocol].includes(tg.protocol)) {
    throw new CloudError(
      'IncompatibleProtocols',
      `Listener protocol '${protocol}' is not compatible with target group protocol '${tg.protocol}'`,
      400,
    );
  }
  if (tg.vpcId !== lb.vpcId) throw configError(`Target group VPC '${tg.vpcId}' does not match load balancer VPC '${lb.vpcId}'`);
  const others = lbArnsOfTg(ctx, tg.arn).filter((arn) => arn !== lb.arn);
  if (others.length > 0) {
    throw new CloudError(
      'TargetGroupAssociationLimit',
      `The target group '${tg.arn}' is already associated with load balancer '${others[0]}' and cannot be associated with more than one`,
      400,
    );
  }
  if (listeners.length >= MAX_LISTENERS_PER_NLB) {
    throw new CloudError('TooManyListeners', `A network load balancer can have at most ${MAX_LISTENERS_PER_NLB} listeners`, 400);
  }
  // A group already behind this load balancer brings no new registrations; a new one brings all of its targets.
  if (!lbArnsOfTg(ctx, tg.arn).includes(lb.arn))
    requireRoomForTargets(
      ctx,
      lb.arn,
      [...tg.targets.values()].map((t) => t.id),
    );
  const listener: ListenerRec = {
    arn: `${lb.arn.replace(':loadbalancer/', ':listener/')}/${hex16()}`,
    loadBalancerArn: lb.arn,
    port,
    protocol,
    targetGroupArn: tg.arn,
    createdAt: ctx.now(),
    tags,
  };
  ctx.state.listeners.set(listener.arn, listener);
  refreshAssociation(ctx, tg);
  return { Listeners: [toWire(listener)] };
}

export function describeListeners(ctx: Ctx, params: QueryParams): object {
  const lbArn = str(params, 'LoadBalancerArn');
  const arns = stringList(params, 'ListenerArns');
  if (lbArn !== undefined && arns.length > 0) throw invalid('Listener ARNs and a load balancer ARN cannot be specified at the same time');
  let found: ListenerRec[];
  if (lbArn !== undefined) {
    getLb(ctx, lbArn);
    found = [...ctx.state.listeners.values()].filter((l) => l.loadBalancerArn === lbArn);
  } else if (arns.length > 0) {
    found = arns.map((arn) => {
      arnKind(arn, 'listener');
      const l = ctx.state.listeners.get(arn);
      if (!l) throw listenerNotFound(`Listener '${arn}' not found`);
      return l;
    });
  } else {
    throw invalid('You must specify either listener ARNs or a load balancer ARN');
  }
  const { page, nextMarker } = paginate(found, params);
  return { Listeners: page.map(toWire), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

export function deleteListener(ctx: Ctx, params: QueryParams): object {
  const arn = required(params, 'ListenerArn');
  arnKind(arn, 'listener');
  const l = ctx.state.listeners.get(arn);
  if (!l) throw listenerNotFound(`Listener '${arn}' not found`);
  ctx.state.listeners.delete(arn);
  const tg = ctx.state.targetGroups.get(l.targetGroupArn);
  if (tg) refreshAssociation(ctx, tg);
  return {};
}
