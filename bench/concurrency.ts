import { readFileSync } from 'node:fs';
import { DEFAULT_LATENCY, QUOTA_CODES } from '../local/cloud';
import { startLocalStack, type LocalStack } from '../local/stack';
import { validateSpec } from '../functions/core/spec-validation';
import { throttleBound } from './critical-path';
import type { BucketUsage } from '../local/cloud/throttle';
import { executionCostUsd } from './billing';
import { stepCalls } from './step-calls';
import { DEFAULT_MEMORY_MB } from '../infra/functions';
import { tallyLogs } from './log-tally';
import { seedRandomness } from './seed';
import { EventClock } from '../local/cloud/event-clock';

/**
 * Quotas of an established account that runs fifty clusters in one region (each build: one VPC, one NLB, one
 * Elastic IP, 20 vCPUs in examples/seoul.json); AWS raises these on request
 * (https://docs.aws.amazon.com/servicequotas/latest/userguide/request-quota-increase.html). The request token
 * buckets stay at AWS's defaults: they are what this section measures.
 */
const RAISED_QUOTAS = {
  [QUOTA_CODES.vpcsPerRegion]: 60,
  [QUOTA_CODES.elasticIps]: 60,
  [QUOTA_CODES.networkLoadBalancers]: 60,
  [QUOTA_CODES.onDemandStandardVcpus]: 1100,
};

export interface ConcurrencyResult {
  builds: number;
  succeeded: number;
  destroyed: number;
  resourcesLeft: number;
  makespanSimSeconds: number;
  boundSimSeconds: number;
  /** The bucket (or the critical path) that sets the bound. */
  boundLimitedBy: string;
  ratio: number;
  awsCallsPerBuild: number;
  throttledCalls: number;
  /** Step Functions transitions and Lambda GB-seconds per build at list prices (bench/billing.ts): waiting out throttles costs Lambda time. */
  costUsdPerBuild: number;
  teardownMakespanSimSeconds: number;
  teardownAwsCallsPerBuild: number;
  teardownThrottledCalls: number;
  /** The step functions' log lines at WARN (throttle retries among them) and ERROR during the run. */
  logWarnLines: number;
  logErrorLines: number;
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

/** Starts every execution at once and resolves, per execution, its status and the simulated time it ended. */
async function runAll(stack: LocalStack, start: () => Array<Promise<string>>) {
  const clock = stack.cloud!.clock;
  stack.cloud!.resetStats();
  const startedAt = clock.now();
  const arns = await Promise.all(start());
  const ends = await Promise.all(
    arns.map(async (arn) => {
      const execution = stack.sfn.describeExecution(arn);
      await execution.done;
      return {
        name: execution.name,
        status: execution.status,
        endedAt: execution.stopDate ?? clock.now(),
        events: execution.history.events,
      };
    }),
  );
  return { ends, stats: stack.cloud!.stats(), makespan: (Math.max(...ends.map((e) => e.endedAt)) - startedAt) / 1000 };
}

/** Sends one API request as work the event clock waits for (its builds start at the instant it was sent). */
export function post(stack: LocalStack, path: string, method: string, body?: string): Promise<string> {
  return benchClock(stack).during(async () => {
    const res = await fetch(`${stack.url}${path}`, { method, ...(body && { headers: { 'content-type': 'application/json' }, body }) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { executionArn: string }).executionArn;
  });
}

/** The bench's stacks run on the event clock (docs/design.md "13.6"): simulated figures that do not depend on the time scale. */
export function benchClock(stack: LocalStack): EventClock {
  const clock = stack.cloud?.clock;
  if (!(clock instanceof EventClock)) throw new Error('the bench runs on the embedded cloud with its event clock (time: events)');
  return clock;
}

/**
 * `builds` builds of examples/seoul.json (each its own cluster name) started at the same moment on one
 * embedded cloud with AWS's token buckets on, then all their teardowns at once. The bound scales what one
 * build alone needed from each bucket (`perBuild`, its successful requests), not what these builds drew: a
 * redundant call under throttling must count against the product, not raise the bound it is measured against.
 */
export async function runConcurrency(timeScale: number, builds: number, perBuild: readonly BucketUsage[]): Promise<ConcurrencyResult> {
  const seoul = JSON.parse(readFileSync('examples/seoul.json', 'utf8')) as { name: string };
  const checked = validateSpec(seoul);
  if (!checked.ok) throw new Error(`examples/seoul.json is invalid: ${JSON.stringify(checked.errors)}`);
  seedRandomness('concurrency');
  const stack = await startLocalStack({ timeScale, time: 'events', throttling: true, quotas: RAISED_QUOTAS });
  try {
    const { result, logs } = await tallyLogs(async () => {
      const build = await runAll(stack, () =>
        Array.from({ length: builds }, (_, i) =>
          post(stack, '/builds', 'POST', JSON.stringify({ ...seoul, name: `${seoul.name}-${String(i + 1).padStart(2, '0')}` })),
        ),
      );
      const succeeded = build.ends.filter((e) => e.status === 'SUCCEEDED');
      const teardown = await runAll(stack, () => succeeded.map((e) => post(stack, `/builds/${e.name}`, 'DELETE')));
      return { build, teardown, succeeded };
    });
    const { build, teardown, succeeded } = result;
    // What one build needed from each bucket (its successful requests) × the builds: calls refused or failed
    // for other reasons (a subnet ELB does not see yet) depend on timing, not on what a build must do.
    const required = perBuild.map((b) => ({ ...b, taken: b.succeeded * builds }));
    const bound = throttleBound(DEFAULT_LATENCY, checked.spec, required);
    const cost = build.ends.reduce((sum, e) => sum + executionCostUsd(e.events, 1, DEFAULT_MEMORY_MB), 0);
    return {
      builds,
      succeeded: succeeded.length,
      destroyed: teardown.ends.filter((e) => e.status === 'SUCCEEDED').length,
      resourcesLeft: build.ends.reduce((sum, e) => sum + stack.cloud!.resources(e.name).length, 0),
      makespanSimSeconds: round(build.makespan, 1),
      boundSimSeconds: bound.boundSimSeconds,
      boundLimitedBy: bound.limitedBy,
      ratio: round(build.makespan / bound.boundSimSeconds, 3),
      awsCallsPerBuild: round(stepCalls(build.stats) / builds, 1),
      throttledCalls: build.stats.throttled,
      costUsdPerBuild: round(cost / builds, 6),
      teardownMakespanSimSeconds: round(teardown.makespan, 1),
      teardownAwsCallsPerBuild: round(stepCalls(teardown.stats) / Math.max(1, succeeded.length), 1),
      teardownThrottledCalls: teardown.stats.throttled,
      logWarnLines: logs.warn,
      logErrorLines: logs.error,
    };
  } finally {
    await stack.close();
  }
}
