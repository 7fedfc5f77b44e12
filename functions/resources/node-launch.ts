import { CreateTagsCommand, type Instance } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { NetworkIds, NodeRecord, NodesProgress } from '../core/contracts';
import { aws, BuildError, isTerminal, recordedError, recordError, WorkflowContractError } from '../core/errors';
import type { NodePlan, NodeRole, Plan } from '../core/plan';
import { settleLimited } from '../core/pool';
import type { Clock } from '../core/retry-scope';
import { sleepUntil } from '../core/sleep-until';
import { TAG } from '../core/tags';
import { capacityExhausted, isCapacityError, METADATA_HOP_LIMIT, runInstances, SECURITY_GROUP_OF, type LaunchRequest } from './instances';

/**
 * The control planes and workers, launched in groups: one RunInstances per role and zone, MinCount =
 * MaxCount = the group's size. EC2 allows 5 RunInstances requests in a burst and 2 a second after that
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), so a hundred one-instance
 * requests take close to a minute of throttles and retries, while 7 control planes and 100 workers over three
 * zones are six requests. Every node of a group shares the group's launch parameters (type, subnet, security
 * group, tags), so nothing is lost by grouping except the per-node Name tag, which a tag specification cannot
 * vary: the group is launched under the group's Name, and each instance then gets its node's Name with
 * CreateTags. A node stays identifiable throughout: instance i of the answer (AmiLaunchIndex i) is the group's
 * i-th node, its role and build tags are there from the start, and its id is in the state from the run that
 * launched it.
 *
 * Each run returns what it achieved (NodesProgress) and the state machine runs it again while it is not
 * complete; no run relies on process memory. A run makes progress or throws: it launches the groups not
 * launched yet, names the instances not named yet, and moves a group whose instance type has no capacity
 * on to the next type (without trying it in the same run, so the type a repeat launches with is always the
 * one in the state, and its ClientToken returns what an earlier attempt launched instead of launching more).
 * Groups whose call failed are tried again by the next run; a run in which nothing moved throws (the
 * step's Retry backs off, e.g. after throttling the SDK's own retries could not absorb). A group that failed
 * for good (a quota, a permission) while others launched is recorded as `failure`: the run still returns,
 * so the launched ids reach the state (and the rollback), and the next run throws it before launching more.
 */

/** One RunInstances: the nodes of one role in one zone, in plan order. */
export interface LaunchGroup {
  key: string;
  role: NodeRole;
  az: string;
  members: NodePlan[];
}

/**
 * RunInstances requests started at once: four of the request bucket's five, the fifth left for LaunchBastion's
 * launch in the parallel branch (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
 */
const LAUNCH_BURST = 4;
/**
 * After the burst, one launch per token the bucket gives back (2 a second), so a build's own launches are never
 * throttled: a throttled request is refused, resent, and counted against the account's request rate all the same.
 */
const LAUNCH_SPACING_MS = 500;
/** CreateTags calls in flight at once (its bucket: 100, then 10 a second). */
const NAMING_CONCURRENCY = 8;

export function launchGroups(plan: Plan): LaunchGroup[] {
  const groups = new Map<string, LaunchGroup>();
  for (const node of plan.nodes) {
    const key = `${node.role}/${node.az}`;
    const group = groups.get(key) ?? { key, role: node.role, az: node.az, members: [] };
    group.members.push(node);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** What one run did for one group; undefined when the group needed nothing. */
interface GroupStep {
  launched: NodeRecord[];
  named: string[];
  unnamed: string[];
  nextGeneration?: number;
}

export async function ensureNodes(
  clients: AwsClients,
  plan: Plan,
  input: { imageId: string; network: NetworkIds; progress?: Partial<NodesProgress>; instanceProfileArn?: string; clock?: Clock },
): Promise<NodesProgress> {
  if (input.progress?.failure) throw recordedError(input.progress.failure);
  const progress: NodesProgress = {
    complete: false,
    nodes: [...(input.progress?.nodes ?? [])],
    generations: { ...input.progress?.generations },
    unnamed: [...(input.progress?.unnamed ?? [])],
  };
  const groups = launchGroups(plan);
  const requests = groups.map((group) => groupLaunch(plan, group, input));
  const launchSlot = launchSlots(input.clock ?? { now: () => Date.now() });
  const steps = await settleLimited(groups, LAUNCH_BURST, (group, i) => advance(clients, group, requests[i], progress, launchSlot));
  const failures: unknown[] = [];
  let moved = false;
  steps.forEach((step, i) => {
    if (step.status === 'rejected') return void failures.push(step.reason);
    if (!step.value) return;
    moved = true;
    const { launched, named, unnamed, nextGeneration } = step.value;
    const launchedNames = new Set(launched.map((node) => node.name));
    progress.nodes = [...progress.nodes.filter((node) => !launchedNames.has(node.name)), ...launched];
    progress.unnamed = [...progress.unnamed.filter((name) => !named.includes(name) && !launchedNames.has(name)), ...unnamed];
    if (nextGeneration !== undefined) progress.generations[groups[i].key] = nextGeneration;
  });
  if (failures.length > 0 && !moved) throw firstTerminal(failures);
  // Launching the other groups of a build that will roll back only adds to what must be terminated.
  const terminal = failures.find(isTerminal);
  if (terminal) return { ...progress, failure: recordError(terminal) };
  progress.complete =
    failures.length === 0 && progress.unnamed.length === 0 && plan.nodes.every((node) => progress.nodes.some((n) => n.name === node.name));
  return progress;
}

async function advance(
  clients: AwsClients,
  group: LaunchGroup,
  request: LaunchRequest,
  progress: NodesProgress,
  launchSlot: () => Promise<void>,
): Promise<GroupStep | undefined> {
  const known = group.members.map((member) => progress.nodes.find((node) => node.name === member.name));
  if (known.every(Boolean)) {
    const pending = (known as NodeRecord[]).filter((node) => progress.unnamed.includes(node.name));
    if (pending.length === 0) return undefined;
    const { unnamed, error } = await nameNodes(clients, pending);
    if (unnamed.length === pending.length) throw error;
    return { launched: [], named: pending.map((node) => node.name), unnamed };
  }
  const generation = progress.generations[group.key] ?? 0;
  if (generation >= request.instanceTypes.length) throw capacityExhausted(request, request.instanceTypes);
  let instances: Instance[];
  await launchSlot();
  try {
    instances = await runInstances(clients, request, generation);
  } catch (error) {
    if (!isCapacityError(error)) throw error;
    return { launched: [], named: [], unnamed: [], nextGeneration: generation + 1 };
  }
  const launched = instances.map((instance, i) => nodeRecord(group.members[i], instance, request.instanceTypes[generation]));
  // A group of one was launched under its node's own Name.
  const { unnamed } = group.members.length > 1 ? await nameNodes(clients, launched) : { unnamed: [] };
  return { launched, named: [], unnamed };
}

/**
 * The start times of one run's launches, on the step's clock (simulated in the local runtime): the first
 * LAUNCH_BURST at once, then one every LAUNCH_SPACING_MS. A RunInstances usually takes longer than the
 * spacing, so this only holds back launches that would outrun the bucket.
 */
function launchSlots(clock: Clock): () => Promise<void> {
  const startMs = clock.now();
  let taken = 0;
  return () => sleepUntil(clock, startMs + Math.max(0, taken++ - LAUNCH_BURST + 1) * LAUNCH_SPACING_MS);
}

/** Gives each instance its node's Name; returns the nodes it could not name (and why), for the next run. */
async function nameNodes(clients: AwsClients, nodes: NodeRecord[]): Promise<{ unnamed: string[]; error?: unknown }> {
  const results = await settleLimited(nodes, NAMING_CONCURRENCY, (node) =>
    aws('CreateTags', () =>
      clients.ec2.send(new CreateTagsCommand({ Resources: [node.instanceId], Tags: [{ Key: TAG.name, Value: node.name }] })),
    ),
  );
  const failed = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ name: nodes[i].name, reason: result.reason as unknown }] : [],
  );
  return { unnamed: failed.map((f) => f.name), error: failed[0]?.reason };
}

function nodeRecord(node: NodePlan, instance: Instance, instanceType: string): NodeRecord {
  return {
    name: node.name,
    role: node.role,
    az: node.az,
    instanceId: instance.InstanceId as string,
    instanceType: instance.InstanceType ?? instanceType,
    privateIp: instance.PrivateIpAddress,
    // When WaitUntilReady can expect the node to pass its status checks, without describing it.
    ...(instance.LaunchTime && { launchedAt: instance.LaunchTime.toISOString() }),
  };
}

/** A terminal error (rolls the build back) wins over a retryable one: retrying would not help the group. */
function firstTerminal(failures: unknown[]): unknown {
  return failures.find((f) => f instanceof BuildError && !f.retryable) ?? failures[0];
}

function groupLaunch(
  plan: Plan,
  group: LaunchGroup,
  input: { imageId: string; network: NetworkIds; instanceProfileArn?: string },
): LaunchRequest {
  const subnetId = input.network.privateSubnetIds[group.az];
  const securityGroupId = input.network.securityGroupIds[SECURITY_GROUP_OF[group.role]];
  if (!subnetId || !securityGroupId) {
    throw new WorkflowContractError(
      `${group.key}: the network step returned no private subnet for ${group.az} or no ${SECURITY_GROUP_OF[group.role]} security group`,
    );
  }
  const [first] = group.members;
  const name = group.members.length === 1 ? first.name : `${plan.spec.name}-${group.role}-${group.az}`;
  return {
    buildId: plan.buildId,
    role: group.role,
    indices: group.members.map((member) => member.index),
    name,
    az: group.az,
    subnetId,
    securityGroupId,
    keyName: plan.spec.keyName,
    imageId: input.imageId,
    instanceTypes: first.instanceTypes,
    hopLimit: METADATA_HOP_LIMIT.node,
    ...(input.instanceProfileArn && { instanceProfileArn: input.instanceProfileArn }),
    tags: { ...first.tags, [TAG.name]: name },
  };
}
