import seedrandom from 'seedrandom';

/**
 * The bench's randomness, seeded: the full-jitter backoffs (our retry strategy's, aws-local-stepfunctions' Retry
 * jitter) draw from Math.random. On the event clock nothing else varies from run to run, so a seeded run gives the
 * same figures at every time scale and on every machine; another seed (BENCH_SEED) is another draw of the jitter,
 * which moves the fifty-build figures by a few per cent (README "Benchmark").
 */
export const BENCH_SEED = process.env.BENCH_SEED ?? 'k8s-ec2-builder';

/** Replaces Math.random with a generator seeded by `BENCH_SEED` and `section`, so each section draws its own sequence. */
export function seedRandomness(section: string): void {
  Math.random = seedrandom(`${BENCH_SEED}/${section}`);
}
