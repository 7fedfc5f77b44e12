import type { BuildInput, TeardownInput } from '../core/contracts';
import { validateSpecText } from '../core/spec';
import { buildIdParam, notFound, type Route, type RouteContext } from './context';
import { buildWithSuffix, describeBuild, describeExecution, newestTeardowns, parseJsonObject, startExecution } from './executions';
import { bodyText, header, HttpError, jsonResponse, mediaType } from './http';
import { buildLinks, idempotencySuffix, idempotentBuildId, newBuildId, teardownName, teardownSequence } from './ids';
import { buildExecutionStatus, isOpen, overallStatus } from './status';

/** POST /builds and DELETE /builds/{id}: the two routes that start executions. */

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON text with object keys sorted, so that two bodies that differ only in key order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function idempotencyKey(ctx: RouteContext): string | undefined {
  const key = header(ctx.event, 'Idempotency-Key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1–255 printable ASCII characters without spaces, e.g. a UUID',
      { field: 'Idempotency-Key' },
    );
  }
  return key;
}

/**
 * Validates the spec, then starts the build with the spec exactly as sent (each step re-validates it and
 * fills the defaults from the same schema). Nothing starts unless the whole spec is valid.
 */
export const createBuild: Route = async (ctx) => {
  if (mediaType(header(ctx.event, 'Content-Type')) !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the build spec as JSON with "Content-Type: application/json"', {
      field: 'Content-Type',
    });
  }
  const key = idempotencyKey(ctx);
  const text = bodyText(ctx.event);
  const result = validateSpecText(text);
  if (!result.ok) {
    const [first] = result.errors;
    throw new HttpError(400, first.code, first.message, { field: first.field, errors: result.errors });
  }
  const sent = JSON.parse(text) as BuildInput['spec'];
  const buildId = key ? idempotentBuildId(result.spec.name, key) : newBuildId(result.spec.name, ctx.now(), ctx.random);
  const input: BuildInput = { buildId, spec: sent };
  if (key) {
    const other = await buildWithSuffix(ctx.sfn, ctx.machines, idempotencySuffix(key), buildId);
    if (other) {
      throw new HttpError(
        409,
        'IDEMPOTENCY_CONFLICT',
        `this Idempotency-Key was already used for build "${other}" (another cluster name); use a new key for a new build`,
        { field: 'Idempotency-Key' },
      );
    }
  }
  // With the same name and input, Step Functions answers a retry while the first run is open with that run.
  const started = await startExecution(ctx.sfn, ctx.machines.build, buildId, input);
  if (!started.alreadyExists) {
    return jsonResponse(
      202,
      { buildId, status: 'RUNNING', executionArn: started.executionArn, links: buildLinks(buildId, started.executionArn) },
      ctx.requestId,
      {
        Location: `/builds/${buildId}`,
      },
    );
  }
  if (!key) throw new HttpError(409, 'BUILD_ID_TAKEN', `build id "${buildId}" is already in use; send the request again`);
  return replayOf(ctx, buildId, started.executionArn, sent);
};

/** The name was taken: the same key was used before. Same body → that build; another body → conflict. */
async function replayOf(ctx: RouteContext, buildId: string, arn: string, sent: unknown) {
  const existing = await describeExecution(ctx.sfn, arn);
  if (!existing) throw new Error(`StartExecution said ${buildId} exists but DescribeExecution cannot find it`);
  const stored = parseJsonObject(existing.input)?.spec;
  if (canonicalJson(stored) !== canonicalJson(sent)) {
    throw new HttpError(
      409,
      'IDEMPOTENCY_CONFLICT',
      `this Idempotency-Key was already used for build "${buildId}" with a different body; use a new key for a new build`,
      {
        field: 'Idempotency-Key',
      },
    );
  }
  const teardown = (await newestTeardowns(ctx.sfn, ctx.machines, buildId)).get(buildId);
  const status = overallStatus(buildExecutionStatus(existing.status, existing.error), teardown?.status);
  return jsonResponse(200, { buildId, status, executionArn: arn, links: buildLinks(buildId, arn) }, ctx.requestId);
}

/**
 * Starts the teardown of a build that has ended. A DELETE while a teardown runs answers with that
 * teardown; teardowns are numbered, so two DELETEs racing compute the same name and input and Step
 * Functions runs one execution for both.
 */
export const deleteBuild: Route = async (ctx) => {
  const buildId = buildIdParam(ctx);
  const build = await describeBuild(ctx.sfn, ctx.machines, buildId);
  if (!build) throw notFound(buildId);
  if (isOpen(build.status)) {
    throw new HttpError(
      409,
      'BUILD_RUNNING',
      `build "${buildId}" is still running; wait until it ends (it rolls back by itself if it fails), then delete it`,
    );
  }
  const last = (await newestTeardowns(ctx.sfn, ctx.machines, buildId)).get(buildId);
  if (last?.executionArn && (isOpen(last.status) || last.status === 'SUCCEEDED'))
    return teardownAnswer(ctx, buildId, last.executionArn, last.status);

  const spec = parseJsonObject(build.input)?.spec;
  if (!spec || typeof spec !== 'object') throw new Error(`build execution ${buildId} has no spec in its input`);
  const input: TeardownInput = { buildId, spec: spec as TeardownInput['spec'] };
  const name = teardownName(buildId, teardownSequence(last?.name ?? '') + 1);
  const started = await startExecution(ctx.sfn, ctx.machines.teardown, name, input);
  if (!started.alreadyExists) return teardownAnswer(ctx, buildId, started.executionArn, 'RUNNING');
  const raced = await describeExecution(ctx.sfn, started.executionArn);
  if (raced && (isOpen(raced.status) || raced.status === 'SUCCEEDED'))
    return teardownAnswer(ctx, buildId, started.executionArn, raced.status);
  throw new HttpError(409, 'TEARDOWN_CONFLICT', `another teardown of "${buildId}" just ended; send the DELETE again`);
};

function teardownAnswer(ctx: RouteContext, buildId: string, arn: string, status: string | undefined) {
  const destroyed = status === 'SUCCEEDED';
  return jsonResponse(
    destroyed ? 200 : 202,
    { buildId, status: destroyed ? 'DESTROYED' : 'DESTROYING', executionArn: arn, links: buildLinks(buildId, arn) },
    ctx.requestId,
  );
}
