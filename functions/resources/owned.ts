import type { Tag } from '@aws-sdk/client-ec2';
import { aws, classOf, codeOf, isNotFound, NotYetVisible, ResourceConflict, translateAwsError, type BuildError } from '../core/errors';
import { fromTagList, isOwnedBy } from '../core/tags';

/**
 * The pieces every tagged EC2 resource module (vpc, subnets, gateways, route tables, security groups)
 * repeats around its own ensure/delete pair, written once so that the rules stay the same for all of them:
 * - a create that takes no ClientToken may not be visible by tag yet (EC2 eventual consistency), so what a
 *   delete must cover is "seen by tag" plus the ids the workflow carries in its state (a rollback runs in the
 *   build's execution, whose state holds every id a step has returned; see core/carried.ts);
 * - a lookup by tag that expects one resource and finds more raises ResourceConflict naming them all, never
 *   picks one (two VPCs of one build mean something created twice, and a guess could build on the wrong one);
 * - on delete, "already gone" is success; everything else is classified as usual (DependencyViolation →
 *   ResourceNotReady, so the teardown retries);
 * - an id we hold that Describe does not show is "not visible yet" (retried), never a reason to create again;
 *   one that is not tagged as ours is a conflict.
 * Nothing is kept in process memory: a retry in a fresh Lambda container knows exactly what its state says.
 * Each module keeps its own describe filters and ordering.
 */

/**
 * What an ensure of a resource whose create takes no idempotency key did. `created: true` means the id
 * exists only in this answer until the state machine has recorded it, so the caller returns it at once
 * instead of calling AWS again (see ensureNetwork, ensureBastion).
 */
export interface Ensured {
  id: string;
  created: boolean;
}

/**
 * The one resource a by-tag lookup expects, or undefined when there is none. Two or more are a
 * ResourceConflict naming every id, as cluster-api-provider-aws does for the VPC
 * (kubernetes-sigs/cluster-api-provider-aws pkg/cloud/services/network/vpc.go: "found %v VPCs with matching
 * tags for %v. Only one VPC per cluster name is supported"): which one the build should use is a question
 * for a person, and deleting the build (teardown removes every one of them) is the way out.
 */
export function onlyOne<T>(what: string, buildId: string, found: readonly T[], idOf: (item: T) => string | undefined): T | undefined {
  if (found.length <= 1) return found[0];
  const ids = found.map((item) => idOf(item) ?? '?');
  throw new ResourceConflict(
    `found ${found.length} ${what}s tagged for build ${buildId} (${ids.join(', ')}); a build has exactly one. Delete the build (its teardown removes all of them) and build again`,
    { details: { ids } },
  );
}

/** What a delete covers: the ids seen by tag, then the carried ones (from the state) not among them, each once. */
export function withCarried(seenIds: readonly (string | undefined)[], carriedIds: readonly (string | undefined)[] = []): string[] {
  return [...new Set([...seenIds, ...carriedIds].filter((id): id is string => Boolean(id)))];
}

/**
 * The carried resources a Describe by tag did not show, each described by its id, so that a delete knows
 * what still holds it (a gateway's attachments, a table's associations). One that is not found by id either
 * is returned bare (`bare(id)`): its delete decides, and "already gone" is success there.
 */
export async function carriedUnseen<T>(
  seenIds: readonly (string | undefined)[],
  carriedIds: readonly (string | undefined)[],
  describeById: (id: string) => Promise<T | undefined>,
  bare: (id: string) => T,
): Promise<T[]> {
  const unseen = withCarried([], carriedIds).filter((id) => !seenIds.includes(id));
  return Promise.all(unseen.map(async (id) => (await goneAs(undefined, `describe ${id}`, () => describeById(id))) ?? bare(id)));
}

/**
 * Runs one delete (or detach, disassociate, revoke) call. A NotFound answer, or one of `alsoGone` (codes that
 * say the wanted end state already holds), is success; any other error is translated. The code is read with
 * `codeOf`, so a call that translates its own errors (NotFound → NotYetVisible) is judged the same way.
 */
export async function ignoringGone(operation: string, call: () => Promise<unknown>, alsoGone: readonly string[] = []): Promise<void> {
  await goneAs(undefined, operation, call, alsoGone);
}

/**
 * `ignoringGone` for a call whose answer the caller needs: the call's result, or `whenGone` when AWS answers
 * that the resource is already gone (a delete that found nothing to delete, a listing of a load balancer
 * that no longer exists). Every other error is translated with `operation`'s name.
 */
export async function goneAs<T, G>(
  whenGone: G,
  operation: string,
  call: () => Promise<T>,
  alsoGone: readonly string[] = [],
): Promise<T | G> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error) || alsoGone.includes(codeOf(error) ?? '')) return whenGone;
    throw translateAwsError(error, operation);
  }
}

/** Runs one delete call: true when it deleted, false when the resource was already gone (see `goneAs`). */
export function wasDeleted(operation: string, call: () => Promise<unknown>, alsoGone: readonly string[] = []): Promise<boolean> {
  return goneAs(
    false,
    operation,
    async () => {
      await call();
      return true;
    },
    alsoGone,
  );
}

/**
 * The resource described by an id we hold (from the state) after Describe-by-tag did not show it.
 * `what` names the kind in messages ("VPC", "subnet", …).
 */
export function requireCarried<T extends { Tags?: Tag[] }>(what: string, id: string, buildId: string, described: T | undefined): T {
  if (!described) throw new NotYetVisible(`${what} ${id} of build ${buildId} is not visible yet`);
  if (!isOwnedBy(fromTagList(described.Tags), buildId))
    throw new ResourceConflict(`${what} ${id} is not tagged as belonging to build ${buildId}`);
  return described;
}

/**
 * The error for a resource AWS reports `failed` (a NAT gateway, a VPC endpoint, a Transit Gateway attachment).
 * Such a resource never recovers, and a repeated create with the same ClientToken returns the same failed one,
 * so no retry of the step can help: the error is terminal and the build rolls back. The failure code is read as
 * the error table reads an AWS answer where the table gives it a terminal class (InsufficientFreeAddressesInSubnet
 * → InsufficientCapacity, Resource.AlreadyAssociated → ResourceConflict); any other code (InternalError,
 * Gateway.NotAttached…) makes it a ResourceConflict: the account holds a resource the build cannot use.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html (FailureCode, FailureMessage)
 */
export function resourceFailed(what: string, failure: { code?: string; message?: string }): BuildError {
  const reason = [failure.code, failure.message].filter(Boolean).join(': ') || 'no reason given';
  const message = `${what} failed (${reason}); delete the build (its teardown removes it) and build again`;
  const options = { details: { failureCode: failure.code, failureMessage: failure.message } };
  const errorClass = failure.code ? classOf({ Code: failure.code }) : undefined;
  const classified = errorClass && new errorClass(message, options);
  return classified && !classified.retryable ? classified : new ResourceConflict(message, options);
}

/** Every page of a Describe, collected; an SDK error is translated with `operation`'s name. */
export async function describeAll<Page, Item>(
  operation: string,
  pages: () => AsyncIterable<Page>,
  items: (page: Page) => Item[] | undefined,
): Promise<Item[]> {
  return aws(operation, async () => {
    const all: Item[] = [];
    for await (const page of pages()) all.push(...(items(page) ?? []));
    return all;
  });
}
