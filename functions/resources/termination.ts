import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { NotYetVisible } from '../core/errors';
import { chunks } from '../core/pool';
import { isOwnedBy } from '../core/tags';
import { describeInstancesById, describeOwned, INSTANCE_ROLES, LIVE_STATES, type InstanceRecord, type InstanceRole } from './instances';
import { wasDeleted } from './owned';

/**
 * TerminateInstances takes "up to 1000 instance IDs. We recommend breaking up this request into smaller
 * batches" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html).
 */
const TERMINATE_BATCH = 100;

/**
 * Terminates the build's live instances of the given roles (default: nodes and bastion): those a Describe by
 * tag finds, and those whose ids the state carries (`carriedIds`: launched moments ago, maybe not listed by
 * tag yet, see core/carried.ts). A carried id is described by id and terminated only if its tags say it is
 * ours. Everything visible is terminated (in one batch); a carried id that AWS does not show even by id
 * (InvalidInstanceID.NotFound right after launch means "not visible yet", never "gone") then fails the run
 * with NotYetVisible, so the step is retried a bounded number of times without holding up the others.
 * `terminating` is what was asked to terminate now; `remaining` is every instance not yet `terminated` (the
 * caller reckons the teardown's wait from it: it does not poll here, see handlers/teardown-instances.ts).
 * The Describe by tag lists `terminated` instances too (AWS shows them for about an hour): a carried id that an
 * earlier run of the teardown's loop terminated is then found there, not described again by id on every run.
 */
export async function terminateInstances(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly string[] = [],
  roles: readonly InstanceRole[] = INSTANCE_ROLES,
): Promise<{ terminating: string[]; remaining: string[] }> {
  const present = await describeOwned(clients, buildId, roles, [...LIVE_STATES, 'shutting-down', 'terminated']);
  const presentIds = present.map((record) => record.instanceId);
  const { found, unseen } = await describeCarried(
    clients,
    carriedIds.filter((id) => !presentIds.includes(id)),
  );
  const carried = found.filter((record) => ours(record, buildId, roles));
  await terminateLive(clients, [...present, ...carried]);
  if (unseen.length > 0)
    throw new NotYetVisible(`instance(s) ${unseen.join(', ')} launched by this build are not visible yet; the others are terminating`);
  const all = [...present, ...carried];
  return { terminating: live(all), remaining: all.filter((record) => record.state !== 'terminated').map((record) => record.instanceId) };
}

const live = (records: InstanceRecord[]) =>
  records.filter((record) => (LIVE_STATES as readonly string[]).includes(record.state)).map((record) => record.instanceId);

async function terminateLive(clients: AwsClients, records: InstanceRecord[]): Promise<void> {
  for (const batch of chunks(live(records), TERMINATE_BATCH)) {
    // One unknown id fails the whole batch; then go one by one so the others still get terminated.
    if (!(await terminate(clients, batch)) && batch.length > 1) for (const id of batch) await terminate(clients, [id]);
  }
}

/** The carried ids as AWS shows them by id; one not shown yet does not hide the others (asked one by one then). */
async function describeCarried(clients: AwsClients, ids: readonly string[]): Promise<{ found: InstanceRecord[]; unseen: string[] }> {
  if (ids.length === 0) return { found: [], unseen: [] };
  try {
    return { found: await describeInstancesById(clients, ids), unseen: [] };
  } catch (error) {
    if (!(error instanceof NotYetVisible)) throw error;
    if (ids.length === 1) return { found: [], unseen: [...ids] };
    const each = [];
    for (const id of ids) each.push(await describeCarried(clients, [id]));
    return { found: each.flatMap((e) => e.found), unseen: each.flatMap((e) => e.unseen) };
  }
}

function ours(record: InstanceRecord, buildId: string, roles: readonly InstanceRole[]): boolean {
  return isOwnedBy(record.tags, buildId) && roles.includes(record.role);
}

/**
 * False when AWS says an instance is not found. That does not prove it gone (eventual consistency, see
 * describeInstancesById), but it stays in `remaining`, so the next attempt describes it and terminates it again.
 */
function terminate(clients: AwsClients, instanceIds: string[]): Promise<boolean> {
  return wasDeleted('TerminateInstances', () => clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds })));
}
