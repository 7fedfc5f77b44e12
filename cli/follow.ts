import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type ApiClient, type BuildView } from './api-client';
import type { OrphanGroup, OrphansAnswer } from '../functions/ops/contracts';

/** Statuses after which a build's own workflow has nothing left to do (docs/design.md "2.3 Build statuses"). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'FAILED', 'DESTROYED']);

export const isFinal = (view: BuildView): boolean => FINAL_STATUSES.has(view.status);

/**
 * Where following a teardown stops: DESTROYED, or the teardown execution failed (the build then keeps its
 * own status, and `teardown.status` says FAILED). Not merely "no longer DESTROYING": right after the DELETE
 * the API may still report the build's previous status, or an older failed teardown, so with the ARN of
 * the teardown just started only that one counts.
 */
export function teardownOver(executionArn?: string): (view: BuildView) => boolean {
  return (view) => {
    if (view.status === 'DESTROYED') return true;
    const teardown = view.teardown;
    if (!teardown || (executionArn && teardown.executionArn !== executionArn)) return false;
    return teardown.status === 'FAILED';
  };
}

export interface FollowOptions {
  /** Called with every view polled (the renderer decides whether anything changed). */
  onUpdate?: (view: BuildView) => void;
  /** Pause between polls (default 1000 ms; 250 ms is plenty for the local stack). */
  intervalMs?: number;
  /** When to stop (default: a final status). */
  until?: (view: BuildView) => boolean;
  /** Stops following (the build itself goes on); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Consecutive failed polls tolerated before giving up (default 5): a network blip must not end a follow. */
  maxPollFailures?: number;
}

/** A throttle, a 5xx from the gateway or a dropped connection are worth another poll; a 4xx is not. */
function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  // By name, not instanceof: fetch's TypeError may come from another realm (a test runner's vm context).
  return ['TypeError', 'TimeoutError'].includes((error as Error)?.name);
}

/** Polls `GET /builds/{id}` until `until` holds, and returns that last view. */
export function followBuild(client: ApiClient, buildId: string, options: FollowOptions = {}): Promise<BuildView> {
  return pollUntil(() => client.getBuild(buildId), options.until ?? isFinal, options);
}

/** Reads until `done` holds, pausing between reads and riding out transient failures; returns that last answer. */
async function pollUntil<T>(
  read: () => Promise<T>,
  done: (answer: T) => boolean,
  options: Omit<FollowOptions, 'onUpdate' | 'until'> & { onUpdate?: (answer: T) => void },
): Promise<T> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxFailures = options.maxPollFailures ?? 5;
  let failures = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const answer = await read();
      failures = 0;
      options.onUpdate?.(answer);
      if (done(answer)) return answer;
    } catch (error) {
      if (!isTransient(error) || ++failures >= maxFailures) throw error;
    }
    await sleep(intervalMs, undefined, { signal: options.signal });
  }
}

/**
 * The orphans list names a build's last teardown once it has ended (functions/ops/orphans.ts orphanReason): after
 * a sweep started, a listing that says so means the sweep ended and left resources behind.
 */
const sweepEnded = (group: OrphanGroup) => /last teardown|destroyed but resources remain/i.test(group.reason);

/**
 * Polls `GET /orphans` until `buildId` is no longer listed (resolves undefined) or its listing says its teardown
 * ended with resources left (resolves with that group). A sweep is followed through GET /builds/{id}, which answers
 * a build without a build execution with its teardown (functions/api/builds-read.ts sweptBuild); this is the way
 * left when that answers 404 (an API older than this CLI). The listing leaves a build out while a teardown of it
 * runs, so "no longer listed" means the sweep runs or has removed everything: it cannot tell which.
 */
export async function followSweep(
  client: ApiClient,
  buildId: string,
  options: Omit<FollowOptions, 'onUpdate' | 'until'> = {},
): Promise<OrphanGroup | undefined> {
  const groupOf = (answer: OrphansAnswer) => answer.orphans.find((g) => g.buildId === buildId);
  const last = await pollUntil(
    () => client.orphans(),
    (answer) => {
      const group = groupOf(answer);
      return !group || sweepEnded(group);
    },
    options,
  );
  return groupOf(last);
}
