import { seedRandomness } from '../../../bench/seed';

/** The bench's jitter is seeded: a section draws the same sequence on every run, and sections draw their own. */
const original = Math.random;
afterEach(() => {
  Math.random = original;
});

const draws = (n: number) => Array.from({ length: n }, () => Math.random());

it('replaces Math.random with a sequence fixed by the seed and the section', () => {
  seedRandomness('concurrency');
  const first = draws(5);
  seedRandomness('concurrency');
  expect(draws(5)).toEqual(first);
  seedRandomness('single builds');
  expect(draws(5)).not.toEqual(first);
  expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
});
