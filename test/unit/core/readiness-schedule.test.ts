import { MIN_POLL_SECONDS, WAIT_MARGIN_SECONDS } from '../../../functions/core/expected-latency';
import {
  MAX_POLL_SECONDS,
  nextCheckInSeconds,
  READINESS_BOUND_SECONDS,
  readinessDeadline,
} from '../../../functions/core/readiness-schedule';

/** WaitUntilReady's schedule: the `waitSeconds` the ExpectReady Wait reads through its SecondsPath. */
const NOW = Date.parse('2026-11-25T10:00:00Z');
const FAR = NOW + READINESS_BOUND_SECONDS * 1000;
const s = (seconds: number) => NOW + seconds * 1000;

describe('nextCheckInSeconds', () => {
  it('sleeps until the latest expected time, plus the margin, while it is ahead', () => {
    expect(nextCheckInSeconds([s(30), s(120)], NOW, FAR)).toBe(120 + WAIT_MARGIN_SECONDS);
  });

  it('polls at half the time overdue once it has passed, between MIN_POLL_SECONDS and MAX_POLL_SECONDS', () => {
    expect(nextCheckInSeconds([s(-2)], NOW, FAR)).toBe(MIN_POLL_SECONDS);
    expect(nextCheckInSeconds([s(-20)], NOW, FAR)).toBe(10);
    expect(nextCheckInSeconds([s(-600)], NOW, FAR)).toBe(MAX_POLL_SECONDS);
  });

  it('never sleeps past the deadline: within MIN_POLL_SECONDS of it, the whole seconds left (at least 1)', () => {
    expect(nextCheckInSeconds([s(-600)], NOW, s(3))).toBe(3);
    expect(nextCheckInSeconds([s(-600)], NOW, s(0.2))).toBe(1);
    expect(nextCheckInSeconds([s(-600)], NOW, s(-10))).toBe(1);
    expect(nextCheckInSeconds([s(300)], NOW, s(60))).toBe(60);
  });

  it.each([
    ['an expected time that is NaN (an unreadable checkingSince)', [s(100), Number.NaN], NOW, FAR, MIN_POLL_SECONDS],
    ['no expected time at all', [], NOW, FAR, MIN_POLL_SECONDS],
    ['an infinite expected time', [Number.POSITIVE_INFINITY], NOW, FAR, MIN_POLL_SECONDS],
    ['a NaN deadline (it bounds nothing)', [s(100)], NOW, Number.NaN, 100 + WAIT_MARGIN_SECONDS],
    ['a NaN expected time and deadline', [Number.NaN], NOW, Number.NaN, MIN_POLL_SECONDS],
    ['a NaN expected time near the deadline', [Number.NaN], NOW, s(2), 2],
    ['a NaN now', [s(100)], Number.NaN, FAR, MIN_POLL_SECONDS],
  ])(
    'answers a whole number of seconds, never NaN (a null SecondsPath fails the execution), for %s',
    (_, expected, now, deadline, seconds) => {
      const answer = nextCheckInSeconds(expected, now, deadline);
      expect(answer).toBe(seconds);
      expect(Number.isInteger(answer)).toBe(true);
      expect(JSON.parse(JSON.stringify({ waitSeconds: answer }))).toEqual({ waitSeconds: seconds });
    },
  );

  it('answers a whole number ≥ 1 for any finite times, ≥ MIN_POLL_SECONDS unless the deadline is nearer', () => {
    for (const expected of [-900, -61, -10, 0, 0.5, 7, 200]) {
      for (const deadline of [-5, 0.1, 1, 4, 5, 6, 30, 1200]) {
        const answer = nextCheckInSeconds([s(expected)], NOW, s(deadline));
        expect(Number.isInteger(answer)).toBe(true);
        expect(answer).toBeGreaterThanOrEqual(1);
        if (deadline >= MIN_POLL_SECONDS) expect(answer).toBeGreaterThanOrEqual(MIN_POLL_SECONDS);
        expect(answer).toBeLessThanOrEqual(Math.max(1, Math.ceil(deadline)));
      }
    }
  });
});

describe('readinessDeadline', () => {
  it('is READINESS_BOUND_SECONDS after the latest start', () => {
    expect(readinessDeadline([s(-60), s(-10)])).toBe(s(-10) + READINESS_BOUND_SECONDS * 1000);
  });
});
