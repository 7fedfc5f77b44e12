import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json';
import type { BuildInput, TeardownInput } from '../core/contracts';
import { teardownName, teardownSequence } from '../core/execution-ids';
import { buildExecutionStatus, isOpen, overallStatus } from '../core/execution-status';
import type { BuildSpec } from '../core/spec';
import { readStoredSpec, SPEC_VERSION, validateSpecText } from '../core/spec-validation';
import { buildIdParam, notFound, type Route, type RouteContext } from './context';
import {
  deploymentOf,
  describeBuild,
  describeExecution,
  MAX_TEARDOWNS,
  newestTeardownOf,
  parseJsonObject,
  startExecution,
  type Execution,
} from './executions';
import { bodyText, header, HttpError, jsonResponse, mediaType } from './http';
import { buildLinks, executionArn, idempotentBuildId, newBuildId } from './ids';

/** POST /builds and DELETE /builds/{id}: the two routes that start executions. */

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What a repeat of a request is compared on: the body as sent, key order aside (docs/design.md "2.7 Idempotency-Key"). */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

export function idempotencyKey(ctx: RouteContext): string | undefined {
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
 * Validates the body once and starts the build with the normalised spec (every default filled in, with its
 * `specVersion`): the steps read it as stored. Nothing starts unless the whole spec is valid.
 *
 * With an Idempotency-Key the build id is derived from the cluster name and the key, and Step Functions'
 * own StartExecution idempotency answers a repeat (docs/design.md "2.7 Idempotency-Key"): the same input while
 * the first run is open → that execution; otherwise ExecutionAlreadyExists, and the stored request hash
 * tells a repeat (200, the build) from another body under the same key (409). No execution is listed.
 */
export const createBuild: Route = async (ctx) => {
  const result = specOfRequest(ctx);
  const key = idempotencyKey(ctx);
  const buildId = key ? idempotentBuildId(result.spec.name, key) : newBuildId(result.spec.name, ctx.now(), ctx.random);
  const arn = executionArn(ctx.machines.build, buildId);
  const hash = requestHash(result.body);
  const input: BuildInput = {
    buildId,
    executionArn: arn,
    specVersion: SPEC_VERSION,
    spec: result.spec,
    requestHash: hash,
    // Tagged on everything the build makes: which deployment owns it (docs/design.md "12.4 Orphans and the sweep").
    deployment: deploymentOf(ctx.machines),
  };
  const started = await startExecution(ctx.sfn, ctx.machines.build, buildId, input);
  if (!started.alreadyExists) {
    return jsonResponse(
      202,
      { buildId, status: 'RUNNING', executionArn: started.executionArn, links: buildLinks(buildId, started.executionArn) },
      ctx.requestId,
      { Location: `/builds/${buildId}` },
    );
  }
  if (!key) throw new HttpError(409, 'BUILD_ID_TAKEN', `build id "${buildId}" is already in use; send the request again`);
  return replayOf(ctx, buildId, started.executionArn, hash);
};

/** The request's build spec, validated and normalised; 415 or 400 (naming the field) otherwise. POST /builds and POST /plans read it so. */
export function specOfRequest(ctx: RouteContext) {
  if (mediaType(header(ctx.event, 'Content-Type')) !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the build spec as JSON with "Content-Type: application/json"', {
      field: 'Content-Type',
    });
  }
  const result = validateSpecText(bodyText(ctx.event));
  if (!result.ok) {
    const [first] = result.errors;
    throw new HttpError(400, first.code, first.message, { field: first.field, errors: result.errors });
  }
  return result;
}

/** The name was taken: the same key was used before. Same body → that build; another body → conflict. */
async function replayOf(ctx: RouteContext, buildId: string, arn: string, hash: string) {
  const existing = await describeExecution(ctx.sfn, arn);
  if (!existing) throw new Error(`StartExecution said ${buildId} exists but DescribeExecution cannot find it`);
  if (storedRequestHash(existing.input) !== hash) {
    throw new HttpError(
      409,
      'IDEMPOTENCY_CONFLICT',
      `this Idempotency-Key was already used for build "${buildId}" with a different body; use a new key for a new build`,
      { field: 'Idempotency-Key' },
    );
  }
  const teardown = await newestTeardownOf(ctx.sfn, ctx.machines, buildId);
  const status = overallStatus(buildExecutionStatus(existing.status, existing.error), teardown?.status);
  return jsonResponse(200, { buildId, status, executionArn: arn, links: buildLinks(buildId, arn) }, ctx.requestId);
}

/** The request hash an execution was started with; for an input written before hashes were stored, the hash of its spec as sent. */
function storedRequestHash(inputText: string | undefined): string | undefined {
  const input = parseJsonObject(inputText);
  if (typeof input?.requestHash === 'string') return input.requestHash;
  return input?.spec === undefined ? undefined : requestHash(input.spec);
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
  const last = await newestTeardownOf(ctx.sfn, ctx.machines, buildId);
  if (last?.executionArn && (isOpen(last.status) || last.status === 'SUCCEEDED'))
    return teardownAnswer(ctx, buildId, last.executionArn, last.status);

  const stored = readStoredSpec(parseJsonObject(build.input));
  if (!stored.ok)
    throw new Error(`build execution ${buildId}: its input's spec cannot be read (${stored.errors[0].field}: ${stored.errors[0].message})`);
  const started = await startNextTeardown(ctx, buildId, last, stored.spec);
  return teardownAnswer(ctx, buildId, started.executionArn, started.status);
};

/**
 * Starts the build's next teardown, `<buildId>--destroy-<n>` after the newest (`last`), with `spec`: DELETE
 * /builds/{id} with the stored spec, the orphan sweep with one rebuilt from the tags (functions/ops/routes-orphans.ts).
 * Two callers racing compute the same name and input, so Step Functions runs one execution for both: the
 * answer is then that execution, running (or just succeeded).
 */
export async function startNextTeardown(
  ctx: RouteContext,
  buildId: string,
  last: Execution | undefined,
  spec: BuildSpec,
): Promise<{ executionArn: string; status: string | undefined }> {
  const sequence = teardownSequence(last?.name ?? '') + 1;
  if (sequence > MAX_TEARDOWNS) {
    throw new HttpError(
      409,
      'TOO_MANY_TEARDOWNS',
      `build "${buildId}" has failed to tear down ${MAX_TEARDOWNS} times; find what blocks it in the last teardown's failure`,
    );
  }
  const name = teardownName(buildId, sequence);
  const input: TeardownInput = {
    buildId,
    executionArn: executionArn(ctx.machines.teardown, name),
    specVersion: SPEC_VERSION,
    spec,
    deployment: deploymentOf(ctx.machines),
  };
  const started = await startExecution(ctx.sfn, ctx.machines.teardown, name, input);
  if (!started.alreadyExists) return { executionArn: started.executionArn, status: 'RUNNING' };
  const raced = await describeExecution(ctx.sfn, started.executionArn);
  if (raced && (isOpen(raced.status) || raced.status === 'SUCCEEDED')) return { executionArn: started.executionArn, status: raced.status };
  throw new HttpError(409, 'TEARDOWN_CONFLICT', `another teardown of "${buildId}" just ended; send the request again`);
}

function teardownAnswer(ctx: RouteContext, buildId: string, arn: string, status: string | undefined) {
  const destroyed = status === 'SUCCEEDED';
  return jsonResponse(
    destroyed ? 200 : 202,
    { buildId, status: destroyed ? 'DESTROYED' : 'DESTROYING', executionArn: arn, links: buildLinks(buildId, arn) },
    ctx.requestId,
  );
}
