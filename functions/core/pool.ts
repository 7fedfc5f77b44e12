/**
 * Bounded concurrency for bursts of AWS calls. AWS throttles each API with a token bucket (EC2 RunInstances:
 * 5 requests, then 2 a second; CreateTags: 100, then 10 a second; see
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Firing a hundred calls at once
 * spends the SDK's retries on throttles; a small pool keeps the burst inside the bucket.
 * Written here rather than taken from p-limit: its maintained releases are ESM-only, which the CommonJS
 * Lambda bundles and jest would need transforming for, and what we need is this one settle-all loop.
 */

/**
 * Runs `work` on every item with at most `limit` calls in flight, and waits for all of them: one failure
 * does not stop the others (each result says how its item went), so the caller can keep what worked.
 */
export async function settleLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** `items` in consecutive slices of at most `size` (AWS caps how many ids one request may name). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunks: size must be a positive integer, got ${size}`);
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}
