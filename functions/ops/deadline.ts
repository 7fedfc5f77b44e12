/**
 * A wait with an end. The Price List answers in a second or two, but a caller without a route to it (or a
 * throttled one) waits out the SDK's retries, and the callers here each have a ceiling of their own: API Gateway
 * gives up on POST /plans after 29 s, and a notification that outlives its Lambda is retried and posted twice.
 */
export type Deadlined<T> = { done: true; value: T } | { done: false };

/**
 * `work`'s result, or `{ done: false }` once `ms` have passed without one (at once when `ms` ≤ 0). The work is not
 * stopped, only no longer waited for; a rejection within the time rejects as `work` does.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<Deadlined<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<{ done: false }>((resolve) => (timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms))));
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** `10 s`, `8.5 s`: a deadline as a person reads it. */
export const secondsText = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
