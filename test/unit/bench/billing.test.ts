/** What the bench bills an execution for: Step Functions transitions (retries included) and Lambda time. */
import { billedTransitions, executionCostUsd, lambdaSeconds, PRICES_USD } from '../../../bench/billing';
import type { HistoryEvent } from '../../../local/stepfunctions/history';

let id = 0;
const event = (type: string, timestamp: number, previousEventId = 0): HistoryEvent => ({ id: ++id, previousEventId, timestamp, type });

/** A Task entered once and attempted `attempts` times (each attempt running `seconds` real seconds), then a Succeed. */
function taskHistory(attempts: number, seconds: number): HistoryEvent[] {
  const events = [event('ExecutionStarted', 0), event('TaskStateEntered', 0)];
  for (let i = 0; i < attempts; i++) {
    events.push(event('LambdaFunctionScheduled', 10 * i));
    const started = event('LambdaFunctionStarted', 10 * i);
    events.push(started, event(i === attempts - 1 ? 'LambdaFunctionSucceeded' : 'LambdaFunctionFailed', 10 * i + seconds, started.id));
  }
  return [...events, event('TaskStateExited', 100), event('SucceedStateEntered', 100), event('ExecutionSucceeded', 100)];
}

describe('billedTransitions', () => {
  it('counts each state entered once and each retried attempt as one more', () => {
    expect(billedTransitions(taskHistory(1, 1))).toBe(2);
    expect(billedTransitions(taskHistory(4, 1))).toBe(5);
  });
});

describe('lambdaSeconds', () => {
  it('adds every attempt’s run time, read in simulated seconds', () => {
    expect(lambdaSeconds(taskHistory(3, 0.5), 10)).toBeCloseTo(15);
  });
});

describe('executionCostUsd', () => {
  it('prices transitions, GB-seconds and requests at the list prices', () => {
    const events = taskHistory(2, 1);
    const expected = 3 * PRICES_USD.perStateTransition + 2 * 0.5 * PRICES_USD.perLambdaGbSecond + 2 * PRICES_USD.perLambdaRequest;
    expect(executionCostUsd(events, 1, 512)).toBeCloseTo(expected, 12);
  });
});
