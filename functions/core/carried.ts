import type { BuildState, ConnectionIds, LegacyNetworkIds, NetworkIds, NetworkProgress, TeardownResult } from './contracts';
import type { TerminationProgress } from './teardown-wait';

/**
 * The ids a build's state carries, for its rollback. A rollback runs inside the build's execution, right
 * after a failure, when what was just created may not be visible by tag yet (EC2 eventual consistency,
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): an instance launched a moment
 * before would be missed by a Describe by tag, and its interface would then keep the subnets from being
 * deleted. So the teardown steps delete the union of what they find by tag and what is named here. The
 * teardown machine's input (DELETE /builds/{id}) carries none of these: there, everything has long been
 * visible by tag.
 *
 * Where the ids are: at the top of the state (`network`, `nodes`, `bastion`, and `nodeLaunch` while the
 * Parallel ran), and, when a Parallel branch failed, in the branch outputs at `provisioned` (only a full
 * success merges them to the top).
 */
type Layer = Partial<BuildState> & { network?: (Partial<NetworkIds> & LegacyNetworkIds) | NetworkProgress };

function layers(state: Partial<BuildState>): Layer[] {
  return [state, ...(Array.isArray(state.provisioned) ? state.provisioned : [])].filter((layer): layer is Layer => Boolean(layer));
}

const present = (ids: Array<string | undefined>): string[] => [...new Set(ids.filter((id): id is string => Boolean(id)))];

/** Every node and bastion instance id in the state. */
export function carriedInstanceIds(state: Partial<BuildState>): string[] {
  return present(
    layers(state).flatMap((layer) => [
      ...(layer.nodes ?? []).map((node) => node.instanceId),
      ...(layer.nodeLaunch?.nodes ?? []).map((node) => node.instanceId),
      layer.bastion?.instanceId,
    ]),
  );
}

/** The bastion's Elastic IP allocation ids in the state (LaunchBastion returns it as soon as it is allocated). */
export function carriedAllocationIds(state: Partial<BuildState>): string[] {
  return present(layers(state).map((layer) => layer.bastion?.allocationId));
}

/**
 * The public subnet of a zone, also in a network state written by the release before issue 9 (one public
 * subnet, `publicSubnetId`), so a build that release started can still finish.
 */
export function publicSubnetIn(network: Partial<NetworkIds> & LegacyNetworkIds, az: string): string | undefined {
  return network.publicSubnetIds?.[az] ?? network.publicSubnetId;
}

/** ConnectNetwork's ids as far as it got (NAT addresses and the attachment are returned as soon as they exist). */
export function carriedConnections(state: Partial<BuildState>): Partial<ConnectionIds> {
  return layers(state).find((layer) => layer.connections)?.connections ?? {};
}

/** The network's ids as far as CreateNetwork got (while it loops, only the VPC and the gateway). */
export function carriedNetwork(state: Partial<BuildState>): Partial<NetworkIds> & LegacyNetworkIds {
  return layers(state).find((layer) => layer.network)?.network ?? {};
}

/** An ISO 8601 time as epoch ms; undefined when absent or unreadable. */
const readTime = (iso: unknown) => (typeof iso === 'string' && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : undefined);

/**
 * What DeleteLoadBalancer, the first teardown step, recorded at `$.teardownLoadBalancer` (its ResultPath in
 * workflows/teardown.ts): when it deleted the NLB and started the connections' deletes, in epoch ms. TerminateInstances
 * reckons the teardown's wait from them. A time that is absent or unreadable is left out (then DeleteNetwork's own
 * check decides, polling), never guessed.
 */
export function carriedTeardownTimes(state: Partial<BuildState>): { loadBalancerDeletedAt?: number; connectionsDeletedAt?: number } {
  const result = (state as { teardownLoadBalancer?: Partial<TeardownResult> }).teardownLoadBalancer;
  const loadBalancerDeletedAt = readTime(result?.loadBalancerDeletedAt);
  const connectionsDeletedAt = readTime(result?.connectionsDeletedAt);
  return {
    ...(loadBalancerDeletedAt !== undefined && { loadBalancerDeletedAt }),
    ...(connectionsDeletedAt !== undefined && { connectionsDeletedAt }),
  };
}

/** What TerminateInstances' earlier runs of the same loop left (see carriedTermination). */
export interface EarlierTermination {
  /** The loop's first run, epoch ms: its bound counts from it. */
  startedAt: number;
  /** The latest run that asked instances to terminate, epoch ms, while some were left not `terminated`. */
  instancesTerminatingAt?: number;
  /** What those runs released and terminated. */
  deleted: string[];
}

/**
 * TerminateInstances' own answer at `$.teardownInstances`, when it is the previous run of the loop the execution is
 * in: it answered `complete: false` (the Wait then sends the execution back to it), with its first run's time. Any
 * other answer (none yet; `complete: true` or none at all, from a loop that has ended or a release before the loop)
 * means this run is the first: a repeat of the whole teardown is a new execution with a fresh input, whose loop
 * starts over, with its own 20 minutes.
 */
export function carriedTermination(state: Partial<BuildState>): EarlierTermination | undefined {
  const result = (state as { teardownInstances?: Partial<TerminationProgress> }).teardownInstances;
  const startedAt = readTime(result?.startedAt);
  if (result?.complete !== false || startedAt === undefined) return undefined;
  const instancesTerminatingAt = readTime(result.instancesTerminatingAt);
  return {
    startedAt,
    ...(instancesTerminatingAt !== undefined && { instancesTerminatingAt }),
    deleted: Array.isArray(result.deleted) ? result.deleted.filter((id): id is string => typeof id === 'string') : [],
  };
}
