import { readFileSync } from 'node:fs';
import { buildBound } from '../../bench/critical-path';
import { stepCalls } from '../../bench/step-calls';
import { validateSpec } from '../../functions/core/spec-validation';
import { DEFAULT_LATENCY } from '../../local/cloud';
import { startLocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * A whole build and teardown on the event clock (docs/design.md "13.6"), as the bench runs them: the simulated
 * durations are the product's and the cloud's, not the machine's, so the same build paced at two time scales
 * takes the same simulated time (within the jitter of its backoffs), and one build stays on its call budget.
 */
async function buildAndDestroy(timeScale: number) {
  const stack = await startLocalStack({ timeScale, time: 'events', throttling: true });
  try {
    const buildId = buildIdOf(await api(stack, 'POST', '/builds', seoulBody(`e2e-events-${timeScale}`)));
    const built = await waitWhile(stack, buildId, 'RUNNING', 60_000);
    const calls = stepCalls(stack.cloud!.stats());
    const build = stack.sfn.listExecutions(stack.buildStateMachineArn)[0];
    await api(stack, 'DELETE', `/builds/${buildId}`);
    const destroyed = await waitWhile(stack, buildId, 'DESTROYING', 60_000);
    return {
      status: [built.status, destroyed.status],
      simSeconds: (build.stopDate! - build.startDate) / 1000,
      calls,
      left: stack.cloud!.resources(buildId).length,
    };
  } finally {
    await stack.close();
  }
}

it('takes the same simulated time paced at ×1000 as at ×1,000,000, on its call budget, and leaves nothing', async () => {
  const checked = validateSpec(JSON.parse(readFileSync('examples/seoul.json', 'utf8')));
  if (!checked.ok) throw new Error('examples/seoul.json is invalid');
  // The latency model's critical path for this spec (bench/critical-path.ts): no build is faster, and ours is within 1.10 of it.
  const bound = buildBound(DEFAULT_LATENCY, checked.spec);
  const slow = await buildAndDestroy(1000);
  const fast = await buildAndDestroy(1_000_000);
  for (const run of [slow, fast]) {
    expect(run).toMatchObject({ status: ['SUCCEEDED', 'DESTROYED'], left: 0 });
    expect(run.calls).toBeLessThanOrEqual(90);
    expect(run.simSeconds).toBeGreaterThanOrEqual(bound);
    expect(run.simSeconds).toBeLessThanOrEqual(bound * 1.1);
  }
  expect(Math.abs(slow.simSeconds - fast.simSeconds) / fast.simSeconds).toBeLessThan(0.05);
}, 120_000);
