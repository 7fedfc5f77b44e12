import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_LATENCY } from '../local/cloud/contract';
import { startLocalStack, type LocalStack } from '../local/stack';
import { STEP_FUNCTIONS } from '../workflows/steps';
import { measureBundles } from './bundles';
import { validateSpec } from '../functions/core/spec-validation';
import { buildBound, teardownBound } from './critical-path';
import { billedTransitions, executionCostUsd } from './billing';
import { post, runConcurrency } from './concurrency';
import { DEFAULT_MEMORY_MB } from '../infra/functions';
import { stepCalls } from './step-calls';
import { BENCH_SEED, seedRandomness } from './seed';

/**
 * `npm run bench`: one build and one teardown on the embedded cloud at AWS-like latencies, compared with the
 * critical path of the latency model — of examples/seoul.json, then of examples/closed-network.json (NAT-less,
 * eight endpoints, a Transit Gateway, no bastion); then 50 builds at once; plus each Lambda bundle's size and
 * cold require.
 * Every duration is in simulated seconds on the event clock (docs/design.md "13.6"), taken from the executions'
 * own start and stop times: the clock stands still while our code and the cloud work and moves from timer to
 * timer, so our handlers' real run time (and how busy the machine is) counts for nothing, as it is next to AWS's
 * seconds. The time scale only paces the idle steps for a person watching: BENCH_TIME_SCALE=60 gives the same
 * figures as the default ×5, sooner (compare bench/results.json with bench/results-x60.json).
 */
const DEFAULT_TIME_SCALE = 5;
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? DEFAULT_TIME_SCALE);
/** Builds started at once in the concurrency section (0 skips it). */
const CONCURRENT_BUILDS = Number(process.env.BENCH_CONCURRENT_BUILDS ?? 50);

async function runExecution(stack: LocalStack, start: () => Promise<string>) {
  stack.cloud?.resetStats();
  const executionArn = await start();
  const execution = stack.sfn.describeExecution(executionArn);
  await execution.done;
  const events = execution.history.events;
  return {
    name: execution.name,
    status: execution.status,
    simSeconds: round(((execution.stopDate ?? stack.cloud!.clock.now()) - execution.startDate) / 1000),
    stateTransitions: events.filter((e) => e.type.endsWith('StateEntered')).length,
    billedTransitions: billedTransitions(events),
    costUsd: round(executionCostUsd(events, 1, DEFAULT_MEMORY_MB), 6),
    lambdaInvocations: events.filter((e) => e.type === 'LambdaFunctionScheduled').length,
    awsCalls: stepCalls(stack.cloud?.stats()),
    throttledCalls: stack.cloud?.stats().throttled ?? 0,
    buckets: stack.cloud?.stats().buckets ?? [],
  };
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

/** One build and its teardown of `body`, with their bounds for that spec. */
async function buildAndDestroy(stack: LocalStack, body: string) {
  const spec = validateSpec(JSON.parse(body));
  if (!spec.ok) throw new Error(`the bench spec is invalid: ${JSON.stringify(spec.errors)}`);
  const build = await runExecution(stack, () => post(stack, '/builds', 'POST', body));
  const buildId = build.status === 'SUCCEEDED' ? build.name : undefined;
  if (!buildId) throw new Error(`the build of ${spec.spec.name} ended ${build.status}`);
  const teardown = await runExecution(stack, () => post(stack, `/builds/${buildId}`, 'DELETE'));
  const buildBoundSim = buildBound(DEFAULT_LATENCY, spec.spec);
  const teardownBoundSim = teardownBound(DEFAULT_LATENCY, spec.spec);
  return {
    build: {
      simSeconds: build.simSeconds,
      boundSimSeconds: buildBoundSim,
      ratio: round(build.simSeconds / buildBoundSim, 3),
      stateTransitions: build.stateTransitions,
      billedTransitions: build.billedTransitions,
      lambdaInvocations: build.lambdaInvocations,
      awsCalls: build.awsCalls,
      throttledCalls: build.throttledCalls,
      costUsd: build.costUsd,
    },
    /** Tokens one build took from each bucket, alone on the cloud: the concurrency section's bound scales them. */
    buckets: build.buckets,
    teardown: {
      simSeconds: teardown.simSeconds,
      boundSimSeconds: teardownBoundSim,
      ratio: round(teardown.simSeconds / teardownBoundSim, 3),
      status: teardown.status,
      billedTransitions: teardown.billedTransitions,
      awsCalls: teardown.awsCalls,
      costUsd: teardown.costUsd,
      // The cloud lists only live resources (not the deleted NAT gateways or attachments AWS still shows a while).
      resourcesLeft: stack.cloud?.resources(buildId).length ?? 0,
    },
  };
}

/**
 * examples/closed-network.json as a network team would let it run: its Transit Gateway, shared with the
 * account through the embedded cloud's control interface (auto-accept on), replaces the example's placeholder id.
 */
async function closedNetworkBody(stack: LocalStack): Promise<string> {
  const res = await fetch(`${stack.cloud?.url}/_cloud/transit-gateways`, {
    method: 'POST',
    body: JSON.stringify({ autoAcceptSharedAttachments: true }),
  });
  const { transitGatewayId } = (await res.json()) as { transitGatewayId: string };
  const spec = JSON.parse(readFileSync('examples/closed-network.json', 'utf8')) as { transitGateway?: { id: string } };
  if (spec.transitGateway) spec.transitGateway.id = transitGatewayId;
  return JSON.stringify(spec);
}

/** One build and teardown of each example, alone on a fresh embedded cloud. */
async function singleBuilds() {
  seedRandomness('single builds');
  const stack = await startLocalStack({ timeScale: TIME_SCALE, time: 'events', throttling: true });
  try {
    const seoul = await buildAndDestroy(stack, readFileSync('examples/seoul.json', 'utf8'));
    const closed = await buildAndDestroy(stack, await closedNetworkBody(stack));
    return { seoul, closed };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<number> {
  const { seoul, closed } = await singleBuilds();
  // What one build took from each token bucket: the concurrency section's bound is that × the builds.
  const { buckets, ...seoulFigures } = seoul;
  const concurrency = CONCURRENT_BUILDS > 0 ? await runConcurrency(TIME_SCALE, CONCURRENT_BUILDS, buckets) : undefined;
  const results = {
    timeScale: TIME_SCALE,
    seed: BENCH_SEED,
    ...seoulFigures,
    closedNetwork: { build: closed.build, teardown: closed.teardown },
    ...(concurrency && { concurrency }),
    bundles: measureBundles([...Object.values(STEP_FUNCTIONS).map((s) => s.handler), 'api', 'notify', 'operations', 'orphan-report']),
  };
  mkdirSync('bench', { recursive: true });
  // The default scale writes results.json; another scale its own file, to compare the two.
  const file = TIME_SCALE === DEFAULT_TIME_SCALE ? 'bench/results.json' : `bench/results-x${TIME_SCALE}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results, file);
  const concurrencyOk = !concurrency || (concurrency.succeeded === concurrency.builds && concurrency.destroyed === concurrency.builds);
  return seoul.teardown.status === 'SUCCEEDED' && closed.teardown.status === 'SUCCEEDED' && concurrencyOk ? 0 : 1;
}

function printTable(
  r: {
    timeScale: number;
    build: Record<string, number>;
    teardown: Record<string, number | string>;
    closedNetwork: { build: Record<string, number>; teardown: Record<string, number | string> };
    concurrency?: object;
    bundles: Record<string, { bytes: number; requireMs: number }>;
  },
  file: string,
) {
  console.log(`\nk8s-ec2-builder bench (time scale ×${r.timeScale}; simulated seconds)\n`);
  console.table({
    build: r.build,
    teardown: r.teardown,
    'closed-network build': r.closedNetwork.build,
    'closed-network teardown': r.closedNetwork.teardown,
  });
  if (r.concurrency) {
    console.log('\nconcurrent builds on one account (throttling on):');
    console.table(r.concurrency);
  }
  console.table(
    Object.fromEntries(Object.entries(r.bundles).map(([name, b]) => [name, { KB: round(b.bytes / 1024, 1), requireMs: b.requireMs }])),
  );
  console.log(`written: ${file}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
