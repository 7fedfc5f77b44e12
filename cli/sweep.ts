import type { SweepAnswer } from '../functions/ops/contracts';
import { ApiError, type ApiClient } from './api-client';
import { EXIT_FAILURE, EXIT_INTERRUPTED, reportError, UsageError } from './errors';
import { followSweep } from './follow';
import { orphanGroupLines, resourceCount } from './format-operations';
import { withInterrupt } from './interrupt';

/** `k8s-ec2 sweep BUILD_ID | --all`: delete what is tagged with orphaned build ids, after asking. */

export interface SweepContext {
  api: ApiClient;
  out: (line?: string) => void;
  err: (line: string) => void;
  /** Asks the user yes or no; absent when no one can answer (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
  /** Follows a teardown through GET /builds/{id}, as `destroy --follow` does (exit code); rejects with its 404 when the API does not know it. */
  followTeardown: (buildId: string, executionArn: string) => Promise<number>;
  pollIntervalMs: number;
  interrupt?: AbortSignal;
}

export interface SweepOptions {
  all?: boolean;
  yes?: boolean;
  follow?: boolean;
}

const USAGE = 'k8s-ec2 sweep BUILD_ID, or k8s-ec2 sweep --all (k8s-ec2 orphans lists them)';

/** The build ids to sweep, once the user said yes to the list; or the exit code when there is nothing to sweep. */
async function chooseBuildIds(ctx: SweepContext, buildId: string | undefined, options: SweepOptions): Promise<string[] | number> {
  // With --yes there is no list to show for one build id: the sweep route itself says whether it is an orphan.
  if (buildId && options.yes) return [buildId];
  const answer = await ctx.api.orphans();
  const groups = answer.orphans.filter((g) => options.all || g.buildId === buildId);
  if (!groups.length) {
    if (options.all) {
      ctx.out(`✓ nothing to sweep in ${answer.region}`);
      return 0;
    }
    ctx.err(`✗ nothing is orphaned under build id ${buildId} in ${answer.region} (k8s-ec2 orphans lists what is)`);
    return EXIT_FAILURE;
  }
  const ids = groups.map((g) => g.buildId);
  if (options.yes) return ids;
  groups.flatMap(orphanGroupLines).forEach((line) => ctx.out(line));
  if (!ctx.confirm)
    throw new UsageError('stdin is not a terminal, so no one can confirm the deletion: pass --yes to delete without asking');
  const count = resourceCount(groups);
  if (await ctx.confirm(`Delete these ${count} ${count === 1 ? 'resource' : 'resources'} of ${ids.join(', ')}? [y/N]`)) return ids;
  ctx.out('nothing deleted');
  return EXIT_FAILURE;
}

/** Starts each sweep; one that cannot start is reported and the others go on (a single build id: reported as any API error). */
async function startSweeps(ctx: SweepContext, ids: string[]): Promise<{ started: SweepAnswer[]; failed: number }> {
  const started: SweepAnswer[] = [];
  let failed = 0;
  for (const id of ids) {
    try {
      const answer = await ctx.api.sweep(id);
      started.push(answer);
      ctx.out(answer.status === 'DESTROYED' ? `✓ ${id}: already swept (${answer.executionArn})` : `sweeping ${id}: ${answer.executionArn}`);
    } catch (error) {
      if (ids.length === 1) throw error;
      failed++;
      ctx.err(`sweep of ${id} not started:`);
      reportError(error, (line) => ctx.err(`  ${line}`));
    }
  }
  return { started, failed };
}

/**
 * Follows one sweep to its end through GET /builds/{id}, which answers a swept build with its teardown. An API that
 * answers 404 there (older than this CLI) leaves only the orphans list, which says less (`followSweep`).
 */
async function followOne(ctx: SweepContext, sweep: SweepAnswer): Promise<number> {
  try {
    return await ctx.followTeardown(sweep.buildId, sweep.executionArn);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  ctx.out(`the API cannot show this sweep's teardown: watching the orphans list instead (Ctrl+C stops waiting, not the sweep)`);
  const ended = await withInterrupt(ctx.interrupt, (signal) =>
    followSweep(ctx.api, sweep.buildId, { intervalMs: ctx.pollIntervalMs, signal }).then((left) => ({ left })),
  );
  if (!ended) {
    ctx.out(`stopped following; the sweep of ${sweep.buildId} goes on. Check it with: k8s-ec2 orphans`);
    return EXIT_INTERRUPTED;
  }
  if (ended.left) {
    ctx.out(`✗ sweep of ${sweep.buildId} ended with ${ended.left.resources.length} resources left (${ended.left.reason})`);
    ctx.out(`  see them with: k8s-ec2 orphans; try again with: k8s-ec2 sweep ${sweep.buildId} --follow`);
    return EXIT_FAILURE;
  }
  ctx.out(`✓ ${sweep.buildId} is no longer listed as orphaned: its sweep runs, or removed everything tagged with it`);
  ctx.out(`  k8s-ec2 orphans lists it again if the sweep ends leaving something`);
  return 0;
}

/** Exit code: 0 when every sweep started (and, with --follow, ended with nothing left), 1 otherwise, 2 usage, 130 interrupted. */
export async function sweep(ctx: SweepContext, buildId: string | undefined, options: SweepOptions): Promise<number> {
  if (buildId && options.all) throw new UsageError(`a build id or --all, not both: ${USAGE}`);
  if (!buildId && !options.all) throw new UsageError(`name what to sweep: ${USAGE}`);
  const ids = await chooseBuildIds(ctx, buildId, options);
  if (typeof ids === 'number') return ids;
  const { started, failed } = await startSweeps(ctx, ids);
  const running = started.filter((s) => s.status !== 'DESTROYED');
  if (!options.follow) {
    if (running.length) ctx.out('  follow it: k8s-ec2 orphans   (or sweep --follow)');
    return failed ? EXIT_FAILURE : 0;
  }
  let unfinished = failed;
  for (const s of running) {
    const code = await followOne(ctx, s);
    if (code === EXIT_INTERRUPTED) return code;
    if (code !== 0) unfinished++;
  }
  return unfinished ? EXIT_FAILURE : 0;
}
