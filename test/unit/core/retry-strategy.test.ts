import { withinInvocation, type InvocationScope } from '../../../functions/core/retry-scope';
import { AWS_THROTTLE_CODES } from '../../../functions/core/errors';
import {
  isThrottle,
  retryStrategy,
  THROTTLE_BUDGET_WITHOUT_SCOPE_MS,
  throttleOnlyRetryStrategy,
  TRANSIENT_ATTEMPTS,
  TRANSIENT_BACKOFF,
  type RetryOptions,
  type RetryStrategyV2,
} from '../../../functions/core/retry-strategy';

type Token = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type ErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/** A clock that moves only when told (as the SDK's sleep would move it). */
const fakeClock = (start = 1_000_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const throttled = Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
const lost = Object.assign(new Error('An internal error has occurred.'), { name: 'InternalError' });

const refresh = (strategy: RetryStrategyV2, token: Token, errorType: ErrorType, error: Error = throttled) =>
  strategy.refreshRetryTokenForRetry(token, { errorType, error: error as never });

/**
 * Resends throttles as the SDK's middleware would, moving the clock by each delay (× delayScale: the clock's
 * ms for the real ms slept), until the strategy refuses; the delays it asked for, in real ms.
 */
async function throttleUntilRefused(strategy: RetryStrategyV2, clock?: { advance(ms: number): void }, delayScale = 1): Promise<number[]> {
  const delays: number[] = [];
  let token = await strategy.acquireInitialRetryToken('');
  for (;;) {
    try {
      token = await refresh(strategy, token, 'THROTTLING');
    } catch (error) {
      expect(error).toBe(throttled);
      return delays;
    }
    delays.push(token.getRetryDelay());
    clock?.advance(token.getRetryDelay() * delayScale);
    if (delays.length > 1_000) throw new Error('never refused');
  }
}

const scope = (over: Partial<InvocationScope> & Pick<InvocationScope, 'clock' | 'deadline'>): InvocationScope => ({
  logger: { warn: jest.fn() },
  throttleRetries: 0,
  ...over,
});

describe('retryStrategy: throttles', () => {
  it('resends with no attempt cap while time is left: 60 throttles in a row on a clock that does not move', async () => {
    const strategy = retryStrategy({ clock: fakeClock(), random: () => 0.5 });
    let token = await strategy.acquireInitialRetryToken('');
    for (let n = 0; n < 60; n++) token = await refresh(strategy, token, 'THROTTLING');
    expect(token.getRetryCount()).toBe(60);
  });

  it(`outside an invocation, resends until the next wait would end past ${THROTTLE_BUDGET_WITHOUT_SCOPE_MS} ms from the first attempt`, async () => {
    const clock = fakeClock();
    // Half of 1 s × 2^n: 500, 1000, 2000, 4000, 8000 (15.5 s in all); the next, 10,000, would end at 25.5 s.
    expect(await throttleUntilRefused(retryStrategy({ clock, random: () => 0.5 }), clock)).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it("within an invocation, resends until the next wait would end past the invocation's deadline, on its clock", async () => {
    const clock = fakeClock();
    const invocation = scope({ clock, deadline: clock.now() + 3_600 });
    const delays = await withinInvocation(invocation, () => throttleUntilRefused(retryStrategy({ clock, random: () => 0.5 }), clock));
    // 500 + 1000 + 2000 = 3.5 s ≤ 3.6 s; then 3.5 + 4 > 3.6.
    expect(delays).toEqual([500, 1000, 2000]);
    expect(invocation.throttleRetries).toBe(3);
  });

  it('gives up at once when even the shortest wait would end past the deadline', async () => {
    const clock = fakeClock();
    const invocation = scope({ clock, deadline: clock.now() - 1 });
    await expect(
      withinInvocation(invocation, () => throttleUntilRefused(retryStrategy({ clock, random: () => 0 }), clock)),
    ).resolves.toEqual([]);
  });

  it.each([
    [0, 1_000],
    [1, 2_000],
    [4, 16_000],
    [5, 20_000],
    [12, 20_000],
  ])('draws retry %i with full jitter on [0, %i ms): 1 s × 2^retry, capped at 20 s', async (retry, ceiling) => {
    for (const [random, expected] of [
      [0, 0],
      [0.25, Math.floor(0.25 * ceiling)],
      [0.999_999, ceiling - 1],
    ]) {
      let draws = 0;
      // Fixed draws of 0 until the retry under test, so that the clock budget is no concern.
      const strategy = retryStrategy({ clock: fakeClock(), random: () => (draws++ < retry ? 0 : random) });
      let token = await strategy.acquireInitialRetryToken('');
      for (let n = 0; n <= retry; n++) token = await refresh(strategy, token, 'THROTTLING');
      expect(token.getRetryDelay()).toBe(expected);
    }
  });

  it('computes waits on the clock and asks the SDK to sleep them divided by delayScale (simulated → real ms)', async () => {
    const clock = fakeClock();
    const delays = await throttleUntilRefused(retryStrategy({ clock, random: () => 0.5, delayScale: 60 }), clock, 60);
    // The same simulated waits as at delayScale 1, each slept in a sixtieth of the time.
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000].map((ms) => ms / 60));
  });

  it('waits on a clock with timers of its own (the local event clock), then has the SDK resend at once', async () => {
    const clock = fakeClock();
    const slept: number[] = [];
    const timed = { now: clock.now, sleep: (ms: number) => (slept.push(ms), clock.advance(ms), Promise.resolve()) };
    const delays = await throttleUntilRefused(retryStrategy({ clock: timed, random: () => 0.5 }));
    expect(slept.slice(0, 5)).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(delays.every((ms) => ms === 0)).toBe(true);
    // The budget is read on the same clock the waits moved: it ends the resends as it does with the SDK's sleeps.
    expect(slept.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(THROTTLE_BUDGET_WITHOUT_SCOPE_MS);
  });

  it('refuses a delayScale that is not a positive number', () => {
    for (const delayScale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => retryStrategy({ delayScale })).toThrow(RangeError);
    }
  });
});

describe('retryStrategy: other errors', () => {
  it.each<ErrorType>(['TRANSIENT', 'SERVER_ERROR'])(
    `resends %s as the SDK's standard mode: ${TRANSIENT_ATTEMPTS} attempts in all, full jitter over 50 ms × 2^retry`,
    async (errorType) => {
      const strategy = retryStrategy({ clock: fakeClock(), random: () => 0.5 });
      const first = await strategy.acquireInitialRetryToken('');
      const second = await refresh(strategy, first, errorType, lost);
      const third = await refresh(strategy, second, errorType, lost);
      expect([second.getRetryDelay(), third.getRetryDelay()]).toEqual([25, 50]);
      await expect(refresh(strategy, third, errorType, lost)).rejects.toBe(lost);
    },
  );

  it('never resends a client error (4xx other than a throttle)', async () => {
    const strategy = retryStrategy({ clock: fakeClock() });
    const denied = Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' });
    await expect(refresh(strategy, await strategy.acquireInitialRetryToken(''), 'CLIENT_ERROR', denied)).rejects.toBe(denied);
  });

  it('counts throttles apart from transient errors: throttles before a 500 do not spend its attempts', async () => {
    const strategy = retryStrategy({ clock: fakeClock(), random: () => 0.5 });
    let token = await strategy.acquireInitialRetryToken('');
    for (let n = 0; n < 4; n++) token = await refresh(strategy, token, 'THROTTLING');
    token = await refresh(strategy, token, 'TRANSIENT', lost);
    expect(token.getRetryDelay()).toBe(25);
    token = await refresh(strategy, token, 'TRANSIENT', lost);
    await expect(refresh(strategy, token, 'TRANSIENT', lost)).rejects.toBe(lost);
    expect(token.getRetryCount()).toBe(6);
  });
});

describe("what a throttle is: our table (errors.ts AWS_THROTTLE_CODES), not the SDK's errorType", () => {
  const awsError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode: status }, ...extra });

  it.each(AWS_THROTTLE_CODES)('%s is a throttle: resent with no attempt cap', async (code) => {
    const error = awsError(code, 400);
    expect(isThrottle(error)).toBe(true);
    const strategy = retryStrategy({ clock: fakeClock(), random: () => 0 });
    let token = await strategy.acquireInitialRetryToken('');
    for (let n = 0; n < 10; n++) token = await refresh(strategy, token, 'THROTTLING', error);
    expect(token.getRetryCount()).toBe(10);
  });

  it("reads the code as codeOf does: a query-protocol error's Code before its name, the SDK's wrapper message", () => {
    expect(isThrottle(awsError('SomethingElse', 503, { Code: 'RequestLimitExceeded' }))).toBe(true);
    expect(isThrottle(awsError('RequestLimitExceeded', 409, { Code: 'LimitExceeded' }))).toBe(false);
    expect(isThrottle(new Error('AWS SDK error wrapper for Throttling: Rate exceeded'))).toBe(true);
    expect(isThrottle(undefined)).toBe(false);
  });

  it.each([
    ['LimitExceededException', 409, "IAM's role / instance-profile quota (QuotaExceeded)"],
    ['TransactionInProgressException', 400, 'a service we do not call'],
    ['BandwidthLimitExceeded', 400, 'a service we do not call'],
    ['SomeNewCode', 429, 'a bare HTTP 429 with a code errors.ts does not know'],
  ])("never resends the SDK's THROTTLING %s (%i, %s): it surfaces at once, with no WARN", async (name, status) => {
    const error = awsError(name, status);
    expect(isThrottle(error)).toBe(false);
    const clock = fakeClock();
    const invocation = scope({ clock, deadline: clock.now() + 60_000 });
    for (const strategy of [retryStrategy({ clock }), throttleOnlyRetryStrategy({ clock })]) {
      await withinInvocation(invocation, async () => {
        await expect(refresh(strategy, await strategy.acquireInitialRetryToken(''), 'THROTTLING', error)).rejects.toBe(error);
      });
    }
    expect(invocation.logger.warn).not.toHaveBeenCalled();
    expect(invocation.throttleRetries).toBe(0);
  });

  it(`resends an SDK THROTTLING that is not ours with a 5xx as a server error: ${TRANSIENT_ATTEMPTS} attempts, transient backoff`, async () => {
    const error = awsError('BandwidthLimitExceeded', 509);
    const strategy = retryStrategy({ clock: fakeClock(), random: () => 0.5 });
    const first = await strategy.acquireInitialRetryToken('');
    const second = await refresh(strategy, first, 'THROTTLING', error);
    const third = await refresh(strategy, second, 'THROTTLING', error);
    expect([second.getRetryDelay(), third.getRetryDelay()]).toEqual([TRANSIENT_BACKOFF.baseMs / 2, TRANSIENT_BACKOFF.baseMs]);
    await expect(refresh(strategy, third, 'THROTTLING', error)).rejects.toBe(error);
    // ec2Once resends no server error.
    const once = throttleOnlyRetryStrategy({ clock: fakeClock() });
    await expect(refresh(once, await once.acquireInitialRetryToken(''), 'THROTTLING', error)).rejects.toBe(error);
  });
});

describe('throttleOnlyRetryStrategy (ec2Once: creates without ClientToken)', () => {
  it.each<[ErrorType, string]>([
    ['TRANSIENT', 'a 500/503, a timeout or a dropped connection'],
    ['SERVER_ERROR', 'another server error'],
    ['CLIENT_ERROR', 'a 4xx'],
  ])('never resends after %s (%s): EC2 may have done the work, the SDK throws the error', async (errorType) => {
    const strategy = throttleOnlyRetryStrategy({ clock: fakeClock() });
    await expect(refresh(strategy, await strategy.acquireInitialRetryToken(''), errorType, lost)).rejects.toBe(lost);
  });

  it('resends throttles as retryStrategy does: same waits, same budget', async () => {
    const options = (clock: ReturnType<typeof fakeClock>): RetryOptions => ({ clock, random: () => 0.5 });
    const once = fakeClock();
    const every = fakeClock();
    const onceDelays = await throttleUntilRefused(throttleOnlyRetryStrategy(options(once)), once);
    expect(onceDelays).toEqual(await throttleUntilRefused(retryStrategy(options(every)), every));
    expect(onceDelays).toHaveLength(5);
  });
});

describe('the throttle WARN line', () => {
  it("logs one WARN line per resent throttle through the invocation's logger: attempt, wait and AWS code, no stack", async () => {
    const clock = fakeClock();
    const invocation = scope({ clock, deadline: clock.now() + 60_000 });
    const strategy = retryStrategy({ clock, random: () => 0.5, delayScale: 60 });
    await withinInvocation(invocation, async () => {
      let token = await strategy.acquireInitialRetryToken('');
      token = await refresh(strategy, token, 'THROTTLING');
      await refresh(strategy, token, 'THROTTLING');
    });
    const warn = invocation.logger.warn as jest.Mock<void, [string, Record<string, unknown>]>;
    expect(warn.mock.calls).toEqual([
      ['AWS throttled the call; retrying', expect.objectContaining({ attempt: 1, delayMs: 500, errorCode: 'RequestLimitExceeded' })],
      ['AWS throttled the call; retrying', expect.objectContaining({ attempt: 2, delayMs: 1000, errorCode: 'RequestLimitExceeded' })],
    ]);
    // The wait on the clock (simulated ms), not the real ms slept; nothing else than the keys of the line.
    expect(Object.keys(warn.mock.calls[0][1]).sort()).toEqual(['attempt', 'awsService', 'delayMs', 'errorCode', 'operation']);
    expect(invocation.throttleRetries).toBe(2);
  });

  it('logs nothing for a resent transient error, nor outside an invocation', async () => {
    const clock = fakeClock();
    const invocation = scope({ clock, deadline: clock.now() + 60_000 });
    const strategy = retryStrategy({ clock, random: () => 0.5 });
    await withinInvocation(invocation, async () => refresh(strategy, await strategy.acquireInitialRetryToken(''), 'TRANSIENT', lost));
    await refresh(strategy, await strategy.acquireInitialRetryToken(''), 'THROTTLING');
    expect(invocation.logger.warn).not.toHaveBeenCalled();
  });
});
