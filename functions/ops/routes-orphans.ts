import { buildIdParam } from '../api/context';
import { describeBuild, newestTeardownOf, type Execution } from '../api/executions';
import { startNextTeardown } from '../api/builds-write';
import { HttpError, jsonResponse } from '../api/http';
import { consoleUrl } from '../core/execution-ids';
import { isOpen } from '../core/execution-status';
import type { OperationsContext, OperationsRoute } from './context';
import type { OrphansAnswer, SweepAnswer } from './contracts';
import { findOrphans, orphanReason } from './orphans';
import { SweepBlocked, sweepSpecFor } from './sweep-spec';

/**
 * GET /orphans and POST /orphans/{buildId}/sweep (docs/design.md "12.4 Orphans and the sweep"): the orphans of
 * the stack's region, and the teardown of one of them from its tags alone. A sweep is a teardown like DELETE
 * /builds/{id} starts (same machine, same `<buildId>--destroy-<n>` names), so the build's status and its
 * notifications read the same afterwards.
 */

export const listOrphans: OperationsRoute = async (ctx) => {
  const now = ctx.now();
  const orphans = await findOrphans(ctx.clientsFor(ctx.region), ctx.sfn, ctx.machines, now.getTime());
  const answer: OrphansAnswer = { checkedAt: now.toISOString(), region: ctx.region, orphans };
  return jsonResponse(200, answer, ctx.requestId);
};

export const sweepOrphan: OperationsRoute = async (ctx) => {
  const buildId = buildIdParam(ctx, 'buildId');
  const build = await describeBuild(ctx.sfn, ctx.machines, buildId);
  if (isOpen(build?.status)) {
    throw notAnOrphan(
      `build "${buildId}" is running; when it ends it rolls back by itself if it fails, or DELETE /builds/${buildId} removes it`,
    );
  }
  const last = await newestTeardownOf(ctx.sfn, ctx.machines, buildId);
  // A repeat while the sweep (or a DELETE's teardown) runs answers with it.
  if (last?.executionArn && isOpen(last.status)) return sweepAnswer(ctx, buildId, last.executionArn, last.status);
  if (!orphanReason(build, last)) throw notAnOrphan(standing(buildId, last));
  const spec = await rebuiltSpec(ctx, buildId);
  if (!spec) {
    throw new HttpError(404, 'NOT_FOUND', `nothing tagged with build id "${buildId}" is left in ${ctx.region}`, { field: 'buildId' });
  }
  const started = await startNextTeardown(ctx, buildId, last, spec);
  return sweepAnswer(ctx, buildId, started.executionArn, started.status);
};

/**
 * Why a SUCCEEDED build is not an orphan: its build stands, and DELETE /builds/{id} (with the spec it was built
 * from) is the way to remove it, also after a teardown of it failed.
 */
function standing(buildId: string, lastTeardown: Execution | undefined): string {
  if (!lastTeardown) {
    return `build "${buildId}" succeeded and has not been destroyed: it is not an orphan; remove it with DELETE /builds/${buildId}`;
  }
  return (
    `build "${buildId}" succeeded and its last teardown, ${lastTeardown.name ?? lastTeardown.executionArn}, ${lastTeardown.status ?? 'ended'}: ` +
    `it is not an orphan; see why that teardown stopped, then DELETE /builds/${buildId} again`
  );
}

function notAnOrphan(message: string): HttpError {
  return new HttpError(409, 'NOT_AN_ORPHAN', message, { field: 'buildId' });
}

async function rebuiltSpec(ctx: OperationsContext, buildId: string) {
  try {
    return await sweepSpecFor(ctx.clientsFor(ctx.region), buildId, ctx.region, ctx.machines);
  } catch (error) {
    if (error instanceof SweepBlocked) throw new HttpError(409, 'CANNOT_SWEEP', error.message, { field: 'buildId' });
    throw error;
  }
}

function sweepAnswer(ctx: OperationsContext, buildId: string, executionArn: string, status: string | undefined) {
  const destroyed = status === 'SUCCEEDED';
  const answer: SweepAnswer = {
    buildId,
    status: destroyed ? 'DESTROYED' : 'DESTROYING',
    executionArn,
    links: { orphans: '/orphans', console: consoleUrl(executionArn) },
  };
  return jsonResponse(destroyed ? 200 : 202, answer, ctx.requestId);
}
