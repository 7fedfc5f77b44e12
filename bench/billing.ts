import type { HistoryEvent } from '../local/stepfunctions/history';

/**
 * What one execution costs in AWS charges that grow with our design (EC2 API calls are free): Step Functions
 * Standard bills each state transition, and a Retry's attempt is a transition too; Lambda bills requests and
 * GB-seconds. List prices of us-east-1 (Seoul's are a few percent higher), as published on
 * https://aws.amazon.com/step-functions/pricing/ ("$0.025 per 1,000 state transitions") and
 * https://aws.amazon.com/lambda/pricing/ (Arm: "$0.0000133334 for every GB-second", "$0.20 per 1M requests").
 */
export const PRICES_USD = {
  perStateTransition: 0.025 / 1000,
  perLambdaGbSecond: 0.0000133334,
  perLambdaRequest: 0.2 / 1_000_000,
};

/**
 * State transitions as Step Functions bills them: every state entered, plus every retried attempt of a Task
 * (an attempt beyond the first is one more LambdaFunctionScheduled without a new TaskStateEntered).
 */
export function billedTransitions(events: readonly HistoryEvent[]): number {
  const entered = events.filter((e) => e.type.endsWith('StateEntered')).length;
  const tasksEntered = events.filter((e) => e.type === 'TaskStateEntered').length;
  const attempts = events.filter((e) => e.type === 'LambdaFunctionScheduled').length;
  return entered + Math.max(0, attempts - tasksEntered);
}

/**
 * Lambda run time of every invocation in the history, in simulated seconds: from LambdaFunctionStarted to
 * the next Succeeded/Failed/TimedOut event of the same state (history timestamps are real seconds; the
 * local runtime's simulated time is real time × `timeScale`).
 */
export function lambdaSeconds(events: readonly HistoryEvent[], timeScale: number): number {
  const started = new Map<number, number>();
  let total = 0;
  for (const e of events) {
    if (e.type === 'LambdaFunctionStarted') started.set(e.id, e.timestamp);
    if (/^LambdaFunction(Succeeded|Failed|TimedOut)$/.test(e.type)) {
      const start = started.get(e.previousEventId);
      if (start !== undefined) total += (e.timestamp - start) * timeScale;
    }
  }
  return total;
}

/** One execution's Step Functions and Lambda charges, in US dollars at the list prices above. */
export function executionCostUsd(events: readonly HistoryEvent[], timeScale: number, memoryMb: number): number {
  const invocations = events.filter((e) => e.type === 'LambdaFunctionScheduled').length;
  return (
    billedTransitions(events) * PRICES_USD.perStateTransition +
    lambdaSeconds(events, timeScale) * (memoryMb / 1024) * PRICES_USD.perLambdaGbSecond +
    invocations * PRICES_USD.perLambdaRequest
  );
}
