/**
 * The ELBv2 (2015-12-01) service module of the embedded cloud: network load balancers, target groups,
 * listeners, targets and tags. The framework routes awsQuery requests here and serialises what `handle`
 * returns; this module never sleeps — time-dependent states are read off `deps.clock`.
 */
import { CloudError, Elbv2Deps, QueryParams, ServiceModule } from '../contract';
import { elbv2Authorizations } from './authorization';
import {
  describeLoadBalancerAttributes,
  describeTargetGroupAttributes,
  modifyLoadBalancerAttributes,
  modifyTargetGroupAttributes,
} from './attributes';
import { createListener, deleteListener, describeListeners, MAX_LISTENERS_PER_NLB } from './listeners';
import { createLoadBalancer, deleteLoadBalancer, describeLoadBalancers, MAX_NLBS, setSecurityGroups } from './load-balancers';
import { paginate } from './params';
import { Ctx, emptyState, lbState, State } from './store';
import { addTags, describeTags, removeTags } from './tags';
import { createTargetGroup, deleteTargetGroup, describeTargetGroups, MAX_TARGET_GROUPS } from './target-groups';
import { MAX_TARGETS_PER_NLB, MAX_TARGETS_PER_ZONE_PER_NLB } from './target-quotas';
import { deregisterTargets, describeTargetHealth, MAX_TARGETS_PER_GROUP, registerTargets } from './targets';

export const ELBV2_API_VERSION = '2015-12-01';
export const BUILD_ID_TAG = 'k8s-ec2:build-id';

type Handler = (ctx: Ctx, params: QueryParams) => object;

/** DescribeAccountLimits: AWS's default quotas, the ones enforced here first. Values are strings on the wire. */
const ACCOUNT_LIMITS: Array<[string, number]> = [
  ['network-load-balancers', MAX_NLBS],
  ['target-groups', MAX_TARGET_GROUPS],
  ['listeners-per-network-load-balancer', MAX_LISTENERS_PER_NLB],
  ['targets-per-target-group', MAX_TARGETS_PER_GROUP],
  ['targets-per-network-load-balancer', MAX_TARGETS_PER_NLB],
  ['targets-per-availability-zone-per-network-load-balancer', MAX_TARGETS_PER_ZONE_PER_NLB],
  ['target-groups-per-action-on-network-load-balancer', 1],
  ['application-load-balancers', 50],
  ['listeners-per-application-load-balancer', 50],
  ['rules-per-application-load-balancer', 100],
  ['target-groups-per-application-load-balancer', 100],
  ['targets-per-application-load-balancer', 1000],
  ['gateway-load-balancers', 100],
];

function describeAccountLimits(_ctx: Ctx, params: QueryParams): object {
  const { page, nextMarker } = paginate(ACCOUNT_LIMITS, params);
  return { Limits: page.map(([Name, Max]) => ({ Name, Max: String(Max) })), ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

const HANDLERS: Record<string, Handler> = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  SetSecurityGroups: setSecurityGroups,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  DeleteListener: deleteListener,
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
  AddTags: addTags,
  RemoveTags: removeTags,
  DescribeTags: describeTags,
  DescribeAccountLimits: describeAccountLimits,
};

/** Resources of one build; a listener belongs to the build of its load balancer unless tagged itself. */
function listByBuildId(state: State, ctx: Ctx, buildId: string): Array<{ type: string; id: string; state?: string; name?: string }> {
  const out: Array<{ type: string; id: string; state?: string; name?: string }> = [];
  const ours = (tags: Map<string, string>): boolean => tags.get(BUILD_ID_TAG) === buildId;
  for (const lb of state.loadBalancers.values()) {
    if (ours(lb.tags)) out.push({ type: 'load-balancer', id: lb.arn, state: lbState(ctx, lb), name: lb.name });
  }
  for (const tg of state.targetGroups.values()) if (ours(tg.tags)) out.push({ type: 'target-group', id: tg.arn, name: tg.name });
  for (const l of state.listeners.values()) {
    const lb = state.loadBalancers.get(l.loadBalancerArn);
    // A listener has no name in AWS: named here by its load balancer and port.
    if (ours(l.tags) || (lb && ours(lb.tags))) out.push({ type: 'listener', id: l.arn, name: `${lb?.name ?? '?'}:${l.port}` });
  }
  return out;
}

export function createElbv2Service(deps: Elbv2Deps): ServiceModule {
  let state = emptyState();
  const ctx: Ctx = {
    get state() {
      return state;
    },
    deps,
    now: () => deps.clock.now(),
  };
  return {
    apiVersion: ELBV2_API_VERSION,
    protocol: 'query',
    handle(action: string, params: QueryParams): unknown {
      const handler = Object.prototype.hasOwnProperty.call(HANDLERS, action) ? HANDLERS[action] : undefined;
      if (!handler)
        throw new CloudError('InvalidAction', `The action ${action} is not valid for this web service (version ${ELBV2_API_VERSION})`, 400);
      return handler(ctx, params);
    },
    authorizations: (action: string, params: QueryParams) => elbv2Authorizations(ctx, action, params),
    listByBuildId: (buildId) => listByBuildId(state, ctx, buildId),
    reset() {
      state = emptyState();
    },
  };
}
