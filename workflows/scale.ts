import { allStates, type StateMachineDefinition } from './asl';

/**
 * Compresses a definition's own waiting for the local runtime, whose embedded cloud runs on a time scale
 * (docs/design.md "2.6 The local runtime"): every Retry's IntervalSeconds and MaxDelaySeconds and every Wait's Seconds are divided by
 * `factor`, while MaxAttempts, BackoffRate and JitterStrategy stay, so the backoff keeps its shape and the
 * readiness bound (20 min) becomes 20 min / factor of wall-clock time — the same simulated 20 min.
 *
 * Local only: Step Functions wants whole seconds (≥ 1) there. aws-local-stepfunctions@3 takes the
 * fractions as they are: asl-validator 4 types these fields as numbers ≥ 0, and the runtime sleeps
 * `seconds × 1000` ms; so no retryIntervalOverrides / waitTimeOverrides are needed (those would also flatten
 * the backoff into one fixed pause). TimeoutSeconds is left alone: it bounds a handler's real run time,
 * which the time scale does not shrink (and asl-validator wants it an integer).
 *
 * Every retry is scaled, throttling's included: the embedded cloud's token buckets refill in simulated
 * time and the SDK clients' own retry delays run on the same clock (docs/design.md "13.1 One simulated
 * clock"), so a throttled step backs off for the same simulated seconds at any scale. A Wait whose
 * SecondsPath a step fills (`waitSeconds`) is scaled where the step's answer is read (local/step-roles.ts).
 */
export function scaleDefinitionTime<D extends StateMachineDefinition>(definition: D, factor: number): D {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new RangeError(`scaleDefinitionTime: factor must be a positive number (1 = real time, 60 = a minute per second), got ${factor}`);
  }
  const scaled = structuredClone(definition);
  for (const [, state] of allStates(scaled)) {
    if (state.Type === 'Wait' && state.Seconds !== undefined) state.Seconds /= factor;
    if (state.Type !== 'Task') continue;
    for (const retrier of state.Retry) {
      retrier.IntervalSeconds /= factor;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds /= factor;
    }
  }
  return scaled;
}
