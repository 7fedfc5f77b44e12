/**
 * The discrete-event clock the bench runs on (local/cloud/event-clock.ts): it stands still while work it waits
 * for runs, and moves to the next timer once the process is idle. Nothing here depends on how fast the machine
 * is: the assertions read simulated time, and the scale only paces the steps.
 */
import { EventClock } from '../../../local/cloud/event-clock';

const START = Date.UTC(2026, 10, 27);
const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventClock', () => {
  it('moves from timer to timer, in time order, and same-instant timers in the order they were set', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now() - START]), 3_000);
    clock.setTimeout(() => fired.push(['a', clock.now() - START]), 1_000);
    clock.setTimeout(() => fired.push(['c', clock.now() - START]), 3_000);
    await clock.sleep(10_000);
    expect(fired).toEqual([
      ['a', 1_000],
      ['b', 3_000],
      ['c', 3_000],
    ]);
    expect(clock.now() - START).toBe(10_000);
  });

  it('stands still while work it waits for runs, however long that takes in real time', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    let fired = false;
    clock.setTimeout(() => (fired = true), 1);
    const seen = await clock.during(async () => {
      await realDelay(30);
      return { fired, now: clock.now() - START };
    });
    expect(seen).toEqual({ fired: false, now: 0 });
    await clock.sleep(1);
    expect(fired).toBe(true);
  });

  it('lets time move while work sleeps on it (a throttled call backing off), and holds it again after', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    const other = clock.sleep(2_000).then(() => clock.now() - START);
    const result = await clock.during(async () => {
      const before = clock.now() - START;
      // Nested work shares the hold: its sleep must not leave the clock waiting on itself.
      await clock.during(() => clock.sleep(5_000));
      let firedDuringWork = false;
      clock.setTimeout(() => (firedDuringWork = true), 1);
      await realDelay(20);
      return { before, after: clock.now() - START, firedDuringWork };
    });
    expect(result).toEqual({ before: 0, after: 5_000, firedDuringWork: false });
    expect(await other).toBe(2_000);
  });

  it('keeps parallel work held while one of it sleeps', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    let laterFired = false;
    clock.setTimeout(() => (laterFired = true), 1_000);
    const [slept, seen] = await Promise.all([
      clock.during(() => clock.sleep(10).then(() => clock.now() - START)),
      clock.during(async () => {
        await realDelay(30);
        return laterFired;
      }),
    ]);
    // The sleeper woke at 10 ms; the other call was still running, so the clock could not reach 1 s meanwhile.
    expect(slept).toBe(10);
    expect(seen).toBe(false);
  });

  it('keeps nested work that runs beside a sleep held: the sleep releases only what waits on it', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    const seen = await clock.during(async () => {
      const [, inner] = await Promise.all([
        clock.sleep(1_000),
        clock.during(async () => {
          await realDelay(30);
          return clock.now() - START;
        }),
      ]);
      return inner;
    });
    expect(seen).toBe(0);
  });

  it('does not lose count when a sleep outlives the work it started in', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    await clock.during(() => {
      void clock.sleep(60_000);
      return Promise.resolve();
    });
    let fired = false;
    clock.setTimeout(() => (fired = true), 1);
    const seen = await clock.during(async () => {
      await realDelay(30);
      return fired;
    });
    expect(seen).toBe(false);
    await clock.sleep(120_000);
    expect(clock.now() - START).toBe(120_000);
  });

  it('forgets a cancelled timer, and a sleep ends at once when its signal aborts', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    let fired = false;
    clock.setTimeout(() => (fired = true), 1_000).cancel();
    const abort = new AbortController();
    const sleeping = clock.sleep(60_000, abort.signal);
    abort.abort();
    await sleeping;
    expect(clock.now() - START).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    await clock.sleep(2_000);
    expect(fired).toBe(false);
  });

  it('advance moves time by hand and fires what is then due', async () => {
    const clock = new EventClock(Number.POSITIVE_INFINITY, START);
    const at = clock.sleep(90_000).then(() => clock.now() - START);
    clock.advance(120);
    expect(await at).toBe(120_000);
    expect(() => clock.advance(-1)).toThrow('only moves forward');
  });

  it('gives the same simulated times paced at ×1000 as at once: the scale changes only real time', async () => {
    const run = async (scale: number) => {
      const clock = new EventClock(scale, START);
      const times: number[] = [];
      await Promise.all(
        [40, 10, 25].map((seconds) =>
          clock.during(async () => {
            await clock.sleep(seconds * 1000);
            times.push(clock.now() - START);
          }),
        ),
      );
      return times;
    };
    expect(await run(1000)).toEqual(await run(Number.POSITIVE_INFINITY));
    expect(await run(1000)).toEqual([10_000, 25_000, 40_000]);
  });

  it('refuses a scale that is not a positive number', () => {
    expect(() => new EventClock(0)).toThrow('timeScale must be a positive number');
  });
});
