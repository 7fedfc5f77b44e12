import type { SFNClient } from '@aws-sdk/client-sfn';
import { deploymentOf, describeBuild, newestTeardownOf, type Execution, type Machines } from '../api/executions';
import type { AwsClients } from '../core/clients';
import { buildExecutionStatus, FAIL_ERRORS, isOpen } from '../core/execution-status';
import { settleLimited } from '../core/pool';
import type { OrphanGroup } from './contracts';
import { findTaggedResources, type FoundResource } from './inventory';
import { recheckLateEnders } from './orphans-recheck';

/**
 * Orphans (docs/design.md "12.4 Orphans and the sweep"): resources tagged as ours whose build nobody will remove
 * any more. Found from the tags (functions/ops/inventory.ts), then each build id's executions decide.
 */

/** Builds whose executions are read at once: Step Functions' DescribeExecution is throttled per account. */
const BUILDS_IN_FLIGHT = 4;

/**
 * Why a build's tagged resources are orphans, or undefined while someone is (or can be) responsible for them:
 * its build execution runs, a teardown of it runs, or it SUCCEEDED and was not destroyed (DELETE /builds/{id}
 * removes it). Everything else left resources behind that no workflow will delete.
 */
export function orphanReason(build: Execution | undefined, teardown: Execution | undefined): string | undefined {
  if (isOpen(build?.status) || isOpen(teardown?.status)) return undefined;
  if (teardown?.status === 'SUCCEEDED') return 'destroyed but resources remain';
  const lastTeardown = teardown ? `; last teardown ${teardown.status ?? 'ended'}` : '';
  if (!build) return `no execution found (history deleted or its state machine replaced)${lastTeardown}`;
  const status = buildExecutionStatus(build.status, build.error);
  if (status === 'SUCCEEDED') return undefined;
  if (status === 'ROLLED_BACK') return `build ROLLED_BACK but resources remain${lastTeardown}`;
  if (status === 'ROLLBACK_FAILED') return `build ROLLBACK_FAILED${lastTeardown}`;
  if (build.error === FAIL_ERRORS.preflight) return `build FAILED in preflight but resources remain${lastTeardown}`;
  // A timeout, an abort or the machine's own failure: it stopped without rolling back.
  return `build ${build.status ?? 'FAILED'} without rolling back${lastTeardown}`;
}

/**
 * Whose resources this deployment may judge: those its own builds made (TAG.deployment) or made before deployments
 * were tagged; never another stack's (dev and prod may share an account and region: each would
 * otherwise list, and sweep, the other's live clusters). IAM is global: its resources count only where their build
 * ran (TAG.region), so a region's listing leaves a live cluster's profile in another region alone.
 */
export function judgedHere(resource: Pick<FoundResource, 'deployment' | 'region'>, machines: Machines): boolean {
  return (
    (!resource.deployment || resource.deployment === deploymentOf(machines)) &&
    (!resource.region || resource.region === machines.build.region)
  );
}

/** Said of a group none of whose resources names its deployment (made before TAG.deployment existed). */
export const UNKNOWN_STACK_NOTE =
  'not tagged with its deployment (made by an earlier release): check no other stack in this account and region made it';

/** The orphans of the region the clients ask, grouped by build id, oldest first. */
export async function findOrphans(clients: AwsClients, sfn: SFNClient, machines: Machines, now: number): Promise<OrphanGroup[]> {
  const byBuild = new Map<string, FoundResource[]>();
  const found = await findTaggedResources(clients, undefined, now);
  // A build with any resource of another deployment is that deployment's to judge, whatever else carries its id.
  const foreign = new Set(found.filter((r) => r.deployment && r.deployment !== deploymentOf(machines)).map((r) => r.buildId));
  for (const resource of found.filter((r) => judgedHere(r, machines) && !foreign.has(r.buildId))) {
    byBuild.set(resource.buildId, [...(byBuild.get(resource.buildId) ?? []), resource]);
  }
  const settled = await settleLimited([...byBuild], BUILDS_IN_FLIGHT, async ([buildId, resources]) => {
    const [build, teardown] = await Promise.all([describeBuild(sfn, machines, buildId), newestTeardownOf(sfn, machines, buildId)]);
    const reason = orphanReason(build, teardown);
    const untagged = resources.every((r) => !r.deployment);
    return reason && { group: group(buildId, untagged ? `${reason}; ${UNKNOWN_STACK_NOTE}` : reason, resources), build, teardown };
  });
  const judged = settled.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return (
    await recheckLateEnders(
      clients,
      judged.flatMap((j) => (j ? [j] : [])),
      now,
    )
  ).sort(oldestFirst);
}

function group(buildId: string, reason: string, resources: FoundResource[]): OrphanGroup {
  const ages = resources.map((r) => r.ageSeconds).filter((age): age is number => age !== undefined);
  const clusterName = resources.find((r) => r.clusterName)?.clusterName;
  return {
    buildId,
    ...(clusterName && { clusterName }),
    reason,
    ...(ages.length > 0 && { ageSeconds: Math.max(...ages) }),
    resources: resources.map(({ type, id, name, role, ageSeconds }) => ({
      type,
      id,
      ...(name && { name }),
      ...(role && { role }),
      ...(ageSeconds !== undefined && { ageSeconds }),
    })),
  };
}

/** Oldest first; a group whose age AWS does not tell (only VPCs, subnets, groups…) after those with one, by build id. */
function oldestFirst(a: OrphanGroup, b: OrphanGroup): number {
  return (b.ageSeconds ?? -1) - (a.ageSeconds ?? -1) || a.buildId.localeCompare(b.buildId);
}
