import { EXPECTED_SECONDS, MIN_POLL_SECONDS, WAIT_MARGIN_SECONDS } from '../../../functions/core/expected-latency';
import { teardownWaitSeconds } from '../../../functions/core/teardown-wait';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const ago = (seconds: number) => NOW - seconds * 1000;

describe('teardownWaitSeconds', () => {
  it('asks for the shortest wait when nothing is on its way (a repeated teardown, a half-built build)', () => {
    expect(teardownWaitSeconds({}, NOW)).toBe(MIN_POLL_SECONDS);
  });

  it.each([
    ['instances terminating now', { instancesTerminating: NOW }, EXPECTED_SECONDS.instanceTerminatedAfterTerminate],
    ['an NLB deleted 3 s ago', { loadBalancerDeletedAt: ago(3) }, EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 3],
    ['connections deleted 10 s ago', { connectionsDeletedAt: ago(10) }, EXPECTED_SECONDS.connectionGoneAfterDelete - 10],
  ])('waits until the expected end, plus the margin, for %s', (_case, starts, seconds) => {
    expect(teardownWaitSeconds(starts, NOW)).toBe(seconds + WAIT_MARGIN_SECONDS);
  });

  it('waits for the last of them: the NLB interfaces outlast instances terminated a second later', () => {
    const wait = teardownWaitSeconds({ instancesTerminating: NOW, loadBalancerDeletedAt: ago(1) }, NOW);
    expect(wait).toBe(EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete - 1 + WAIT_MARGIN_SECONDS);
  });

  it('adds nothing for a start long past, and never more than the expected durations for one "in the future"', () => {
    expect(teardownWaitSeconds({ loadBalancerDeletedAt: ago(3600) }, NOW)).toBe(MIN_POLL_SECONDS);
    expect(teardownWaitSeconds({ loadBalancerDeletedAt: NOW + 30_000 }, NOW)).toBe(
      EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete + WAIT_MARGIN_SECONDS,
    );
  });

  it('answers whole seconds, as a Wait state’s SecondsPath requires', () => {
    expect(Number.isInteger(teardownWaitSeconds({ loadBalancerDeletedAt: ago(1.25) }, NOW))).toBe(true);
  });
});
