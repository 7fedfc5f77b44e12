import { idempotencyKey, specOfRequest } from '../api/builds-write';
import { deploymentOf } from '../api/executions';
import { jsonResponse } from '../api/http';
import { idempotentBuildId } from '../api/ids';
import { plan as planOf, type Plan } from '../core/plan';
import { TAG } from '../core/tags';
import { runPreflightChecks } from '../resources/preflight';
import type { OperationsRoute } from './context';
import type { PlanAnswer, PlannedResource } from './contracts';
import { estimateCost } from './estimate';
import { planResources, planSummary } from './plan-resources';

/** What a plan says where the build id goes when the request has no Idempotency-Key (the id is made when the build starts). */
export const BUILD_ID_UNKNOWN = '(known after build)';

/**
 * How long a plan waits for prices. API Gateway gives up after 29 s (the function after 25 s, infra/functions.ts
 * OPERATIONS_TIMEOUT) and answers 504 with no plan at all; a Price List out of reach, its SDK retries and all, could
 * take longer. The Price List answers in a second or two; past this the plan goes out with those prices unknown.
 */
export const PLAN_ESTIMATE_TIMEOUT_MS = 10_000;

/**
 * POST /plans (docs/design.md "12.1 Plan"): the same validation as POST /builds (400 naming the field, nothing
 * started), then what the build would create, the same Preflight checks it would run, and what it would cost.
 * No execution starts and no AWS call changes anything: the operations function's role can only read.
 * With the Idempotency-Key the build will be sent with, the plan shows the exact build id and the names made from it.
 */
export const createPlan: OperationsRoute = async (ctx) => {
  const { spec } = specOfRequest(ctx);
  const key = idempotencyKey(ctx);
  const buildId = key ? idempotentBuildId(spec.name, key) : BUILD_ID_UNKNOWN;
  const buildPlan = planOf(spec, buildId, deploymentOf(ctx.machines));
  const clients = ctx.clientsFor(spec.region);
  const [findings, estimate] = await Promise.all([
    runPreflightChecks(clients, buildPlan),
    estimateCost(ctx.pricing, buildPlan, { timeoutMs: PLAN_ESTIMATE_TIMEOUT_MS }),
  ]);
  const resources = key ? planResources(buildPlan) : planResources(buildPlan).map((r) => withUnknownBuildId(r, buildPlan));
  const answer: PlanAnswer = {
    plan: { buildId, region: spec.region, resources, summary: planSummary(resources) },
    preflight: {
      passed: findings.problems.length === 0 && findings.image !== undefined,
      problems: findings.problems,
      checks: findings.checks,
      notes: findings.notes,
    },
    estimate,
  };
  return jsonResponse(200, answer, ctx.requestId);
};

/** The instance profile's name carries a hash of the build id (IAM names are account-wide): unknown until the build starts. */
function withUnknownBuildId(resource: PlannedResource, buildPlan: Plan): PlannedResource {
  // The build-id tag already reads BUILD_ID_UNKNOWN (the plan was made with it); only the hash in the profile's name would mislead.
  const profile = buildPlan.instanceProfile?.name;
  if (!profile) return resource;
  const rename = (text: string) => text.split(profile).join(`${buildPlan.spec.name}-ssm-<hash of build id>`);
  const name = resource.tags[TAG.name];
  return {
    ...resource,
    name: rename(resource.name),
    ...(resource.detail && { detail: rename(resource.detail) }),
    tags: { ...resource.tags, ...(name && { [TAG.name]: rename(name) }) },
  };
}
