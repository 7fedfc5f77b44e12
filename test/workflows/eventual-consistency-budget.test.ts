import { DEFAULT_LATENCY } from '../../local/cloud';
import { retryWaitBound, TRANSIENT_AWS_RETRY } from '../../workflows';

/**
 * NotYetVisible (ELBv2 not seeing the subnets, groups or instances EC2 just made) is retried by
 * TRANSIENT_AWS_RETRY. Its waits must outlast the propagation window the embedded cloud models, with margin.
 */
const caps = (): number[] =>
  Array.from({ length: TRANSIENT_AWS_RETRY.MaxAttempts }, (_, k) =>
    Math.min(TRANSIENT_AWS_RETRY.IntervalSeconds * TRANSIENT_AWS_RETRY.BackoffRate ** k, TRANSIENT_AWS_RETRY.MaxDelaySeconds ?? Infinity),
  );

/**
 * With full jitter each wait is uniform on [0, cap], so the chance that all waits together stay under `w`
 * is at most the volume of the simplex {x ≥ 0, Σx < w} over the box: wⁿ / (n! · Πcap).
 */
function chanceAllWaitsShorterThan(w: number): number {
  const c = caps();
  const factorial = c.reduce((acc, _, i) => acc * (i + 1), 1);
  return w ** c.length / (factorial * c.reduce((acc, x) => acc * x, 1));
}

describe("the retry budget for NotYetVisible against ELBv2's propagation window", () => {
  const window = DEFAULT_LATENCY.elbv2SeesNewEc2ResourcesAfter;

  it('retries NotYetVisible with the transient policy', () => {
    expect(TRANSIENT_AWS_RETRY.ErrorEquals).toContain('NotYetVisible');
  });

  it('waits on average (half the 90 s bound) many times the window', () => {
    expect(retryWaitBound(TRANSIENT_AWS_RETRY) / 2).toBeGreaterThanOrEqual(5 * window);
  });

  it('gives up before the window has passed less than once in 10,000 builds', () => {
    expect(chanceAllWaitsShorterThan(window)).toBeLessThan(1e-4);
  });
});
