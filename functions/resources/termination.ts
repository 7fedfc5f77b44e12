import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { isNotFound, translateAwsError } from '../core/errors';
import { chunks } from '../core/pool';
import { isOwnedBy } from '../core/tags';
import { describeInstancesById, describeOwned, INSTANCE_ROLES, LIVE_STATES, type InstanceRecord, type InstanceRole } from './instances';

/**
 * TerminateInstances takes "up to 1000 instance IDs. We recommend breaking up this request into smaller
 * batches" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html).
 */
const TERMINATE_BATCH = 100;

/**
 * Terminates the build's live instances of the given roles (default: nodes and bastion): those a Describe by
 * tag finds, and those whose ids the state carries (`carriedIds`: launched moments ago, maybe not listed by
 * tag yet, see core/carried.ts). A carried id is described by id first and terminated only if its tags say
 * it is ours; AWS answering InvalidInstanceID.NotFound for it means "not visible yet", never "gone"
 * (NotYetVisible: the step is retried, a bounded number of times). `terminating` is what was asked to
 * terminate now; `remaining` is every instance not yet `terminated` (the caller waits until none is left).
 */
export async function terminateInstances(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly string[] = [],
  roles: readonly InstanceRole[] = INSTANCE_ROLES,
): Promise<{ terminating: string[]; remaining: string[] }> {
  const present = await describeOwned(clients, buildId, roles, [...LIVE_STATES, 'shutting-down']);
  const unseen = carriedIds.filter((id) => !present.some((record) => record.instanceId === id));
  const carried = (await describeInstancesById(clients, unseen)).filter((record) => ours(record, buildId, roles));
  const all = [...present, ...carried];
  const terminating = all.filter((record) => (LIVE_STATES as readonly string[]).includes(record.state)).map((record) => record.instanceId);
  for (const batch of chunks(terminating, TERMINATE_BATCH)) {
    // One unknown id fails the whole batch; then go one by one so the others still get terminated.
    if (!(await terminate(clients, batch)) && batch.length > 1) for (const id of batch) await terminate(clients, [id]);
  }
  return { terminating, remaining: all.filter((record) => record.state !== 'terminated').map((record) => record.instanceId) };
}

function ours(record: InstanceRecord, buildId: string, roles: readonly InstanceRole[]): boolean {
  return isOwnedBy(record.tags, buildId) && roles.includes(record.role);
}

/**
 * False when AWS says an instance is not found. That does not prove it gone (eventual consistency, see
 * describeInstancesById), but it stays in `remaining`, so the next attempt describes it and terminates it again.
 */
async function terminate(clients: AwsClients, instanceIds: string[]): Promise<boolean> {
  try {
    await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw translateAwsError(error, 'TerminateInstances');
  }
}
