import { buildIdParam, notFound } from '../api/context';
import { describeBuild, newestTeardownOf, parseJsonObject } from '../api/executions';
import { HttpError, jsonResponse } from '../api/http';
import type { BuildOutputs } from '../core/contracts';
import { buildExecutionStatus, overallStatus } from '../core/execution-status';
import { plan } from '../core/plan';
import { readStoredSpec } from '../core/spec-validation';
import type { OperationsRoute } from './context';
import type { VerifyAnswer } from './contracts';
import { findDrift } from './drift';

/**
 * POST /builds/{id}/verify (docs/design.md "12.3 Drift"): re-reads a live build and answers what differs from what
 * it made. The build must have succeeded and not be torn down: a build that failed or rolled back made nothing to
 * compare with, and one torn down (even partly, by a teardown that failed) would read as everything deleted. The
 * spec comes from the execution's input and the ids from its output, so the comparison is with what this build
 * made, whatever the stack's code or defaults have become since.
 */
export const verifyBuild: OperationsRoute = async (ctx) => {
  const buildId = buildIdParam(ctx);
  const build = await describeBuild(ctx.sfn, ctx.machines, buildId);
  if (!build) throw notFound(buildId);
  const teardown = await newestTeardownOf(ctx.sfn, ctx.machines, buildId);
  const status = overallStatus(buildExecutionStatus(build.status, build.error), teardown?.status);
  if (status !== 'SUCCEEDED' || teardown) {
    // A failed teardown leaves the status SUCCEEDED (docs/design.md "2.3 Build statuses"), so it is named here.
    const partly =
      status === 'SUCCEEDED'
        ? `, but its teardown ${teardown?.name ?? ''} ended ${teardown?.status ?? ''} (some resources may be gone)`
        : '';
    throw new HttpError(
      409,
      'BUILD_NOT_LIVE',
      `build "${buildId}" is ${status}${partly}; only a SUCCEEDED build that has not been destroyed can be verified`,
    );
  }
  const spec = readStoredSpec(parseJsonObject(build.input));
  const outputs = parseJsonObject(build.output)?.outputs as BuildOutputs | undefined;
  if (!spec.ok || !outputs) throw new Error(`build ${buildId} succeeded but its input's spec or its output's outputs cannot be read`);
  const drift = await findDrift(ctx.clientsFor(spec.spec.region), plan(spec.spec, buildId), outputs);
  const answer: VerifyAnswer = { buildId, checkedAt: ctx.now().toISOString(), drift };
  return jsonResponse(200, answer, ctx.requestId);
};
