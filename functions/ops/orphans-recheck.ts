import type { Execution } from '../api/executions';
import type { AwsClients } from '../core/clients';
import { settleLimited } from '../core/pool';
import type { OrphanGroup } from './contracts';
import { findTaggedResources } from './inventory';

/**
 * The orphan listing reads the tags first and the executions after (functions/ops/orphans.ts findOrphans). A
 * rollback or teardown that ends in between is read as ended while the inventory still holds what it was
 * deleting: the build would be listed as an orphan with resources that are gone. So a build judged by an
 * execution that stopped at or after the inventory started is inventoried again, by its build id.
 */

/** A build judged an orphan, with the executions it was judged by. */
export interface JudgedOrphan {
  group: OrphanGroup;
  build?: Execution;
  teardown?: Execution;
}

/** Late enders inventoried again at once: each lists every load balancer, target group and IAM role of ours. */
const RECHECKS_IN_FLIGHT = 2;

/** Whether the build's execution or its newest teardown stopped at or after `since` (ms). */
export function stoppedSince(judged: Pick<JudgedOrphan, 'build' | 'teardown'>, since: number): boolean {
  return [judged.build?.stopDate, judged.teardown?.stopDate].some((stop) => stop !== undefined && stop.getTime() >= since);
}

/**
 * The groups as they stand once the late enders are inventoried again: a group whose resources are all gone is
 * dropped, one with some left keeps only those (its age then the oldest of them). Only what the first inventory
 * found is kept: an ended rollback or teardown makes nothing, and the first inventory already left out what this
 * deployment does not judge.
 */
export async function recheckLateEnders(
  clients: AwsClients,
  judged: readonly JudgedOrphan[],
  inventoryStartedAt: number,
): Promise<OrphanGroup[]> {
  const settled = await settleLimited(judged, RECHECKS_IN_FLIGHT, async (orphan) => {
    if (!stoppedSince(orphan, inventoryStartedAt)) return orphan.group;
    const left = new Set((await findTaggedResources(clients, orphan.group.buildId)).map((r) => r.id));
    return withResources(
      orphan.group,
      orphan.group.resources.filter((r) => left.has(r.id)),
    );
  });
  return settled.flatMap((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value ? [result.value] : [];
  });
}

function withResources(group: OrphanGroup, resources: OrphanGroup['resources']): OrphanGroup | undefined {
  if (!resources.length) return undefined;
  const ages = resources.map((r) => r.ageSeconds).filter((age): age is number => age !== undefined);
  const { buildId, clusterName, reason } = group;
  return { buildId, ...(clusterName && { clusterName }), reason, ...(ages.length > 0 && { ageSeconds: Math.max(...ages) }), resources };
}
