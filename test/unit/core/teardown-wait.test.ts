import { EXPECTED_SECONDS, MIN_POLL_SECONDS, WAIT_MARGIN_SECONDS } from '../../../functions/core/expected-latency';
import { MAX_POLL_SECONDS } from '../../../functions/core/readiness-schedule';
import { TEARDOWN_BOUND_SECONDS, teardownWaitSeconds } from '../../../functions/core/teardown-wait';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const ago = (seconds: number) => NOW - seconds * 1000;
/** The loop's deadline when it started `seconds` ago. */
const deadline = (startedSecondsAgo = 0) => ago(startedSecondsAgo) + TEARDOWN_BOUND_SECONDS * 1000;

describe('teardownWaitSeconds', () => {
  it('asks for no wait when nothing is on its way (a rollback after CreateNetwork failed, a repeated teardown)', () => {
    expect(teardownWaitSeconds({}, NOW, deadline())).toBeUndefined();
  });

  it('asks for no wait once the NLB interfaces and the connections are past their expected time and no instance is left', () => {
    const starts = { loadBalancerDeletedAt: ago(62), connectionsDeletedAt: ago(61) };
    expect(teardownWaitSeconds(starts, NOW, deadline(62))).toBeUndefined();
  });

  it.each([
    ['instances terminating now', { instancesTerminating: NOW }, EXPECTED_SECONDS.instanceTerminatedAfterTerminate],
    ['an NLB deleted 3 s ago', { loadBalancerDeletedAt: ago(3) }, EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 3],
    ['connections deleted 10 s ago', { connectionsDeletedAt: ago(10) }, EXPECTED_SECONDS.connectionGoneAfterDelete - 10],
  ])('waits until the expected end, plus the margin, for %s', (_case, starts, seconds) => {
    expect(teardownWaitSeconds(starts, NOW, deadline())).toBe(seconds + WAIT_MARGIN_SECONDS);
  });

  it('waits for the last of them: the NLB interfaces outlast instances terminated a second later', () => {
    const wait = teardownWaitSeconds({ instancesTerminating: NOW, loadBalancerDeletedAt: ago(1) }, NOW, deadline());
    expect(wait).toBe(EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 1 + WAIT_MARGIN_SECONDS);
  });

  it('polls, growing, for instances still not terminated past their expected time', () => {
    const overdue = (seconds: number) =>
      teardownWaitSeconds({ instancesTerminating: ago(EXPECTED_SECONDS.instanceTerminatedAfterTerminate + seconds) }, NOW, deadline(60));
    expect(overdue(2)).toBe(MIN_POLL_SECONDS);
    expect(overdue(30)).toBe(15);
    expect(overdue(600)).toBe(MAX_POLL_SECONDS);
  });

  it('never sleeps past the deadline', () => {
    const starts = { instancesTerminating: ago(600) };
    expect(teardownWaitSeconds(starts, NOW, NOW + 3_000)).toBe(3);
  });

  it('adds nothing for a start long past, and never more than the expected durations for one "in the future"', () => {
    expect(teardownWaitSeconds({ loadBalancerDeletedAt: ago(3600) }, NOW, deadline())).toBeUndefined();
    expect(teardownWaitSeconds({ loadBalancerDeletedAt: NOW + 30_000 }, NOW, deadline())).toBe(
      EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete + WAIT_MARGIN_SECONDS,
    );
  });

  it('answers whole seconds, as a Wait state’s SecondsPath requires', () => {
    expect(Number.isInteger(teardownWaitSeconds({ loadBalancerDeletedAt: ago(1.25) }, NOW, deadline()))).toBe(true);
  });
});
