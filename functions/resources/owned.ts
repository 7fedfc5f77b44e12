import type { Tag } from '@aws-sdk/client-ec2';
import { aws, awsErrorCode, isNotFound, NotYetVisible, ResourceConflict, translateAwsError } from '../core/errors';
import { forgetCreated, recallCreated } from '../core/ledger';
import { fromTagList, isOwnedBy } from '../core/tags';

/**
 * The pieces every tagged EC2 resource module (vpc, subnets, gateways, route tables, security groups)
 * repeats around its own ensure/delete pair, written once so that the rules stay the same for all of them:
 * - a create that takes no ClientToken may not be visible by tag yet (EC2 eventual consistency), so what a
 *   delete must cover is "seen by tag" plus "remembered in the ledger" (core/ledger.ts), and afterwards the
 *   ledger forgets it;
 * - on delete, "already gone" is success; everything else is classified as usual (DependencyViolation →
 *   ResourceNotReady, so the teardown retries);
 * - an id we hold that Describe does not show is "not visible yet" (retried), never a reason to create again;
 *   one that is not tagged as ours is a conflict.
 * Each module keeps its own describe filters, ledger keys and ordering.
 */

/**
 * What an ensure of a resource whose create takes no idempotency key did. `created: true` means the id
 * exists only in this answer (and in this container's ledger) until the state machine has recorded it, so
 * the caller returns it at once instead of calling AWS again (see ensureNetwork, ensureBastion).
 */
export interface Ensured {
  id: string;
  created: boolean;
}

/** Ids this process created for the build (under `ledgerKeys`) that `seenIds` (Describe by tag) does not show yet. */
export function rememberedButUnseen(buildId: string, ledgerKeys: readonly string[], seenIds: readonly (string | undefined)[]): string[] {
  const unseen: string[] = [];
  for (const key of ledgerKeys) {
    const remembered = recallCreated(buildId, key);
    if (remembered && !seenIds.includes(remembered) && !unseen.includes(remembered)) unseen.push(remembered);
  }
  return unseen;
}

/** After a delete: what the ledger remembered for these keys is gone now. */
export function forgetAll(buildId: string, ledgerKeys: readonly string[]): void {
  for (const key of ledgerKeys) forgetCreated(buildId, key);
}

/**
 * Runs one delete (or detach, disassociate, revoke) call. A NotFound answer, or one of `alsoGone` (codes that
 * say the wanted end state already holds), is success; any other error is translated. The check runs on the
 * raw SDK error, before translation would turn NotFound into NotYetVisible.
 */
export async function ignoringGone(operation: string, call: () => Promise<unknown>, alsoGone: readonly string[] = []): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (isNotFound(error) || alsoGone.includes(awsErrorCode(error) ?? '')) return;
    throw translateAwsError(error, operation);
  }
}

/**
 * The resource described by an id we hold (from state or the ledger) after Describe-by-tag did not show it.
 * `what` names the kind in messages ("VPC", "subnet", …).
 */
export function requireCarried<T extends { Tags?: Tag[] }>(what: string, id: string, buildId: string, described: T | undefined): T {
  if (!described) throw new NotYetVisible(`${what} ${id} of build ${buildId} is not visible yet`);
  if (!isOwnedBy(fromTagList(described.Tags), buildId)) throw new ResourceConflict(`${what} ${id} is not tagged as belonging to build ${buildId}`);
  return described;
}

/** Every page of a Describe, collected; an SDK error is translated with `operation`'s name. */
export async function describeAll<Page, Item>(operation: string, pages: () => AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  return aws(operation, async () => {
    const all: Item[] = [];
    for await (const page of pages()) all.push(...(items(page) ?? []));
    return all;
  });
}
