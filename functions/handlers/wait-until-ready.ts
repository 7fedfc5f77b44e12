import type { AwsClients } from '../core/clients';
import type { BastionIds, BuildState, NodeRecord, ReadinessResult } from '../core/contracts';
import { ResourceConflict, ResourceNotReady, WorkflowContractError } from '../core/errors';
import { EXPECTED_SECONDS } from '../core/expected-latency';
import { nextCheckInSeconds, READINESS_BOUND_SECONDS, readinessDeadline } from '../core/readiness-schedule';
import { createStepHandler } from '../core/step-handler';
import { associateBastionAddress } from '../resources/bastion';
import { describeStatusChecks, statusChecksPassed, type StatusChecks } from '../resources/instance-status';
import { describeLoadBalancerState, type LoadBalancerState } from '../resources/load-balancer-state';
import { resourceFailed } from '../resources/owned';

/**
 * WaitUntilReady: one readiness check, never a wait (docs/design.md "13.3 Readiness: wait once, then poll").
 * Ready means every node and the bastion `running` with both status checks ok, the NLB `active` and the
 * bastion's Elastic IP associated. While something is on its way it answers `ready: false` with
 * `waitSeconds`, and the `ExpectReady` Wait sleeps that long before the next check: first until AWS is
 * expected to be done (from the launch times in `$.nodes` and the NLB's creation time), then a short poll
 * that grows (core/readiness-schedule.ts). So a default build checks about twice instead of every 5 s.
 *
 * Everything the state already knows is read from it, not from AWS: the instance ids (`$.nodes`,
 * `$.bastion`), the NLB's ARN, and what the last check learnt (`$.readiness`: the NLB active, the address
 * associated). One DescribeInstanceStatus covers the state and both status checks of every instance, one
 * DescribeLoadBalancers the NLB until it is active, and the Elastic IP is associated once, as soon as the
 * bastion runs. Target registration is RegisterTargets' job, after this loop.
 *
 * Terminal: an instance that is stopping, stopped or terminated, or an NLB that `failed` (waiting cannot
 * help), and anything still not ready READINESS_BOUND_SECONDS after the latest launch: ResourceNotReady,
 * which this Task does not retry, so its Catch rolls the build back.
 */
export const handler = createStepHandler('wait-until-ready', async ({ state, plan, clients, clock, logger }): Promise<ReadinessResult> => {
  const { nodes, loadBalancer } = state;
  if (!loadBalancer || !nodes) throw new WorkflowContractError('wait-until-ready needs $.nodes and $.loadBalancer from the earlier steps');
  const carriedBastion = plan.spec.bastion.enabled ? bastionOf(state) : undefined;
  const nowMs = clock.now();
  const previous = state.readiness;
  // An unreadable carried time (a hand-edited input) restarts the count now: a NaN deadline would never end the wait.
  const carriedSince = previous?.checkingSince;
  const checkingSince = carriedSince && Number.isFinite(Date.parse(carriedSince)) ? carriedSince : new Date(nowMs).toISOString();
  const launches = launchTimes(nodes, Date.parse(checkingSince));

  const [checks, lb] = await Promise.all([
    describeStatusChecks(clients, [...nodes.map((n) => n.instanceId), ...(carriedBastion ? [carriedBastion.instanceId] : [])]),
    // Once seen active the NLB stays so for the build: its answer is carried, not asked again.
    previous?.loadBalancerState === 'active'
      ? carriedActive(previous.loadBalancerCreatedAt)
      : describeLoadBalancerState(clients, loadBalancer.loadBalancerArn),
  ]);
  const pending: Pending[] = nodes.flatMap((node) =>
    instancePending(node.name, checks.get(node.instanceId), node.instanceId, instanceReadyAt(launches.get(node.instanceId) ?? nowMs)),
  );
  // The bastion is launched in the same Parallel as the nodes and carries no launch time: expected with the last of them.
  const bastionReadyAt = instanceReadyAt(Math.max(...launches.values()));

  const bastion = carriedBastion && (previous?.bastion?.associationId ? previous.bastion : carriedBastion);
  const checkedBastion =
    bastion &&
    (await checkBastion(clients, plan.buildId, plan.bastion.name, bastion, checks.get(bastion.instanceId), bastionReadyAt, nowMs));
  pending.push(...(checkedBastion?.pending ?? []));

  if (lb.state === 'failed') throw resourceFailed(`load balancer ${plan.loadBalancer.name}`, { message: lb.reason });
  const createdMs = lb.createdAt ? Date.parse(lb.createdAt) : Date.parse(checkingSince);
  if (lb.state !== 'active') {
    pending.push({
      detail: `load balancer ${plan.loadBalancer.name} is ${lb.state}`,
      expectedAtMs: createdMs + EXPECTED_SECONDS.loadBalancerActiveAfterCreate * 1000,
    });
  }

  const deadlineMs = readinessDeadline([...launches.values(), createdMs]);
  const lines = pending.map((p) => p.detail);
  if (lines.length > 0 && nowMs >= deadlineMs) {
    throw new ResourceNotReady(
      `still not ready ${READINESS_BOUND_SECONDS / 60} minutes after the launch (${lines.length} thing(s)): ${lines.join('; ')}`,
      { details: { pending: lines } },
    );
  }
  const ready = lines.length === 0;
  const result: ReadinessResult = {
    ready,
    waitSeconds: ready
      ? 0
      : nextCheckInSeconds(
          pending.map((p) => p.expectedAtMs),
          nowMs,
          deadlineMs,
        ),
    pending: lines,
    nodes: handedOn(nodes),
    ...(checkedBastion && { bastion: checkedBastion.bastion }),
    loadBalancerState: lb.state,
    ...(lb.createdAt && { loadBalancerCreatedAt: lb.createdAt }),
    checkingSince,
  };
  if (result.ready) logger.info('build is ready', { nodes: nodes.length, loadBalancer: loadBalancer.dnsName });
  else logger.info('not ready yet', { pending: lines, waitSeconds: result.waitSeconds });
  return result;
});

/** When an instance launched at `launchMs` is expected to run with both status checks ok (epoch ms). */
function instanceReadyAt(launchMs: number): number {
  return launchMs + EXPECTED_SECONDS.instanceReadyAfterLaunch * 1000;
}

/** Something not ready, and when AWS is expected to be done with it (epoch ms). */
interface Pending {
  detail: string;
  expectedAtMs: number;
}

/** States an instance does not come back from by waiting; the build is rolled back and redone. */
const GONE_STATES: readonly string[] = ['shutting-down', 'terminated', 'stopping', 'stopped'];

/** What is pending for one instance (nothing once it runs with both checks ok); throws when it is gone. */
function instancePending(name: string, checks: StatusChecks | undefined, instanceId: string, expectedAtMs: number): Pending[] {
  if (statusChecksPassed(checks)) return [];
  if (checks && GONE_STATES.includes(checks.state)) {
    throw new ResourceConflict(
      `${name} (${instanceId}) is ${checks.state} and will not become ready by waiting; the build is rolled back`,
      {
        details: { instanceId, state: checks.state },
      },
    );
  }
  const detail = checks ? `${checks.state}, system ${checks.system}, instance ${checks.instance}` : 'no status yet';
  return [{ detail: `${name} (${instanceId}): ${detail}`, expectedAtMs }];
}

/**
 * The bastion: its status checks, and its Elastic IP associated as soon as it runs (AssociateAddress refuses
 * a pending instance). Returns the bastion's ids, with the association once made, for the next check to carry.
 */
async function checkBastion(
  clients: AwsClients,
  buildId: string,
  name: string,
  bastion: BastionIds,
  status: StatusChecks | undefined,
  readyAtMs: number,
  nowMs: number,
): Promise<{ bastion: BastionIds; pending: Pending[] }> {
  const pending = instancePending(name, status, bastion.instanceId, readyAtMs);
  if (bastion.associationId) return { bastion, pending };
  const address = `bastion Elastic IP ${bastion.allocationId}`;
  if (status?.state !== 'running')
    return { bastion, pending: [...pending, { detail: `${address}: associated once the bastion runs`, expectedAtMs: readyAtMs }] };
  try {
    return { bastion: await associateBastionAddress(clients, buildId, bastion), pending };
  } catch (error) {
    // EC2 may still see the instance as not running for a moment: associated at the next check.
    if (!(error instanceof ResourceNotReady)) throw error;
    return { bastion, pending: [...pending, { detail: `${address}: ${error.message}`, expectedAtMs: nowMs }] };
  }
}

/** The NLB as an earlier check saw it: active stays active for the build. */
function carriedActive(createdAt: string | undefined): LoadBalancerState {
  return { state: 'active', ...(createdAt && { createdAt }) };
}

/** Each node's launch time (epoch ms): RunInstances' LaunchTime as LaunchNodes recorded it, else `fallbackMs`. */
function launchTimes(nodes: readonly NodeRecord[], fallbackMs: number): Map<string, number> {
  return new Map(
    nodes.map((node) => {
      const launched = node.launchedAt ? Date.parse(node.launchedAt) : Number.NaN;
      return [node.instanceId, Number.isFinite(launched) ? launched : fallbackMs];
    }),
  );
}

/** The bastion's ids LaunchBastion put in the state; a bastion that the spec asks for is always there by now. */
function bastionOf(state: BuildState): BastionIds {
  const { instanceId, allocationId, publicIp } = state.bastion ?? {};
  if (!instanceId || !allocationId) {
    throw new WorkflowContractError('wait-until-ready needs $.bastion.instanceId and $.bastion.allocationId from LaunchBastion');
  }
  return { ...state.bastion, instanceId, allocationId, publicIp: publicIp ?? '' };
}

/** The nodes as the build's outputs list them: in name order, without the launch time only readiness needs. */
function handedOn(nodes: readonly NodeRecord[]): NodeRecord[] {
  return nodes
    .map((node): NodeRecord => {
      const record = { ...node };
      delete record.launchedAt;
      return record;
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
