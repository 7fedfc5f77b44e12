import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { isArtifactName, renderArtifact, ARTIFACT_NAMES } from '../core/artifacts';
import type { BuildOutputs } from '../core/contracts';
import { readStoredSpec } from '../core/spec-validation';
import { buildIdParam, notFound, type Route } from './context';
import {
  describeBuild,
  describeExecution,
  executionHistory,
  listBuilds,
  newestTeardownOf,
  newestTeardowns,
  parseJsonObject,
  type Execution,
} from './executions';
import { stepsFromHistory, type StepsView } from './history';
import { HttpError, jsonResponse, queryParam, textResponse } from './http';
import { consoleUrl } from '../core/execution-ids';
import { buildExecutionStatus, isOpen, overallStatus, parseFailureCause, type FailureSummary } from '../core/execution-status';
import { buildLinks } from './ids';

/** GET /builds, GET /builds/{id} and GET /builds/{id}/artifacts/{name}. */

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

function limitParam(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new HttpError(400, 'INVALID_VALUE', `limit must be a whole number from 1 to ${MAX_LIMIT}`, { field: 'limit' });
  return n;
}

function teardownView(teardown: Pick<ExecutionListItem, 'executionArn' | 'status' | 'startDate' | 'stopDate'> | undefined) {
  if (!teardown?.executionArn) return undefined;
  const status = isOpen(teardown.status) ? 'DESTROYING' : teardown.status === 'SUCCEEDED' ? 'DESTROYED' : 'FAILED';
  return {
    executionArn: teardown.executionArn,
    status,
    executionStatus: teardown.status,
    startedAt: iso(teardown.startDate),
    stoppedAt: iso(teardown.stopDate),
    links: { console: consoleUrl(teardown.executionArn) },
  };
}

/**
 * Newest first. ListExecutions carries no error name, so only failed builds are described, to tell
 * ROLLED_BACK from ROLLBACK_FAILED from FAILED.
 */
export const listBuildsRoute: Route = async (ctx) => {
  const limit = limitParam(queryParam(ctx.event, 'limit'));
  const page = await listBuilds(ctx.sfn, ctx.machines, limit, queryParam(ctx.event, 'nextToken'));
  const teardowns = page.executions.length ? await newestTeardowns(ctx.sfn, ctx.machines) : new Map<string, ExecutionListItem>();
  const builds = await Promise.all(
    page.executions.map(async (execution) => {
      const buildId = execution.name ?? '';
      const arn = execution.executionArn ?? '';
      const error = execution.status === 'FAILED' ? (await describeExecution(ctx.sfn, arn))?.error : undefined;
      return {
        buildId,
        status: overallStatus(buildExecutionStatus(execution.status, error), teardowns.get(buildId)?.status),
        executionStatus: execution.status,
        executionArn: arn,
        startedAt: iso(execution.startDate),
        stoppedAt: iso(execution.stopDate),
        links: buildLinks(buildId, arn),
      };
    }),
  );
  return jsonResponse(200, { builds, ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, ctx.requestId);
};

/**
 * What failed: the Fail state's cause names the step and error when the workflow put them there; else the
 * first step that ended failed in the history; else the execution's own error (a timeout, an abort).
 */
export function failureDetail(build: Execution, view: StepsView): FailureSummary {
  const fromFail = parseFailureCause(build.cause);
  if (fromFail.step) return { step: fromFail.step, error: fromFail.error ?? build.error, cause: fromFail.cause };
  if (view.failure) {
    const inner = parseFailureCause(view.failure.cause);
    return { step: view.failure.step, error: view.failure.error ?? inner.error, cause: inner.cause ?? view.failure.cause };
  }
  return { step: undefined, error: fromFail.error ?? build.error ?? build.status, cause: fromFail.cause };
}

export const getBuild: Route = async (ctx) => {
  const buildId = buildIdParam(ctx);
  const build = await describeBuild(ctx.sfn, ctx.machines, buildId);
  if (!build?.executionArn) return sweptBuild(ctx, buildId);
  const [events, teardown] = await Promise.all([
    executionHistory(ctx.sfn, build.executionArn),
    newestTeardownOf(ctx.sfn, ctx.machines, buildId),
  ]);
  const view = stepsFromHistory(events, isOpen(build.status));
  const buildStatus = buildExecutionStatus(build.status, build.error);
  const spec = parseJsonObject(build.input)?.spec as { name?: unknown } | undefined;
  const body = {
    buildId,
    clusterName: typeof spec?.name === 'string' ? spec.name : undefined,
    status: overallStatus(buildStatus, teardown?.status),
    executionStatus: build.status,
    executionArn: build.executionArn,
    startedAt: iso(build.startDate),
    stoppedAt: iso(build.stopDate),
    steps: view.steps,
    currentStep: view.currentStep,
    outputs: build.status === 'SUCCEEDED' ? parseJsonObject(build.output)?.outputs : undefined,
    error: buildStatus === 'RUNNING' || buildStatus === 'SUCCEEDED' ? undefined : failureDetail(build, view),
    teardown: teardownView(teardown),
    links: buildLinks(buildId, build.executionArn),
  };
  return jsonResponse(200, body, ctx.requestId);
};

/**
 * A build id with teardowns and no build execution: an orphan swept from its tags (POST /orphans/{buildId}/sweep)
 * after its build's history was lost. It answers with the teardown, so `status` and `destroy --follow` /
 * `sweep --follow` follow a sweep as they follow any teardown; without a teardown either, 404.
 */
async function sweptBuild(ctx: Parameters<Route>[0], buildId: string) {
  const teardown = await newestTeardownOf(ctx.sfn, ctx.machines, buildId);
  if (!teardown?.executionArn) throw notFound(buildId);
  const input = parseJsonObject((await describeExecution(ctx.sfn, teardown.executionArn))?.input);
  const spec = input?.spec as { name?: unknown } | undefined;
  const body = {
    buildId,
    clusterName: typeof spec?.name === 'string' ? spec.name : undefined,
    status: overallStatus('FAILED', teardown.status),
    steps: [],
    teardown: teardownView(teardown),
    links: buildLinks(buildId, teardown.executionArn),
  };
  return jsonResponse(200, body, ctx.requestId);
}

/**
 * Artifacts are rendered on request from the execution's output and the spec it was started with, so
 * they always match what was built. A build destroyed afterwards still answers (its last known layout).
 */
export const getArtifact: Route = async (ctx) => {
  const buildId = buildIdParam(ctx);
  const name = ctx.params.name ?? '';
  if (!isArtifactName(name)) {
    throw new HttpError(404, 'NOT_FOUND', `no artifact "${name}"; artifacts are ${ARTIFACT_NAMES.join(', ')}`, { field: 'name' });
  }
  const build = await describeBuild(ctx.sfn, ctx.machines, buildId);
  if (!build) throw notFound(buildId);
  if (build.status !== 'SUCCEEDED') {
    const status = buildExecutionStatus(build.status, build.error);
    throw new HttpError(409, 'BUILD_NOT_SUCCEEDED', `build "${buildId}" is ${status}; artifacts exist only for a build that succeeded`);
  }
  const outputs = parseJsonObject(build.output)?.outputs as BuildOutputs | undefined;
  const spec = readStoredSpec(parseJsonObject(build.input));
  if (!outputs || !spec.ok) throw new Error(`build ${buildId} succeeded but its output or input cannot be read`);
  return textResponse(renderArtifact(name, outputs, spec.spec), ctx.requestId, name);
};
