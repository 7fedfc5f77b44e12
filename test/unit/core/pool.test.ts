import { chunks, settleLimited } from '../../../functions/core/pool';

describe('settleLimited', () => {
  it('never has more than `limit` calls in flight, and answers in the items’ order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await settleLimited([5, 1, 4, 2, 3, 0], 2, async (ms) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return ms * 10;
    });
    expect(most).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : undefined))).toEqual([50, 10, 40, 20, 30, 0]);
  });

  it('lets every item run when some fail, and says which', async () => {
    const results = await settleLimited(['a', 'b', 'c'], 1, (item) =>
      item === 'b' ? Promise.reject(new Error('b failed')) : Promise.resolve(item),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('answers an empty list with an empty list', async () => {
    await expect(settleLimited([], 3, () => Promise.resolve(1))).resolves.toEqual([]);
  });
});

describe('chunks', () => {
  it.each([
    [[], 100, []],
    [[1, 2, 3], 2, [[1, 2], [3]]],
    [[1, 2], 5, [[1, 2]]],
  ])('slices %j by %i', (items, size, expected) => {
    expect(chunks(items, size)).toEqual(expected);
  });

  it.each([0, -1, 1.5])('refuses a slice size of %p instead of looping forever', (size) => {
    expect(() => chunks([1], size)).toThrow(RangeError);
  });
});
