import { WAITING_ERRORS } from '../functions/core/errors';
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
 */
export interface ScaleOptions {
  /**
   * 'real-time' leaves the retries of Lambda and transient AWS errors unscaled: against the embedded cloud,
   * whose request token buckets refill in real seconds, a throttled step must back off in real time too, or
   * its attempts are spent before a single token comes back. Default 'scaled' (fast workflow tests).
   */
  transientRetries?: 'scaled' | 'real-time';
}

export function scaleDefinitionTime<D extends StateMachineDefinition>(definition: D, factor: number, options: ScaleOptions = {}): D {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new RangeError(`scaleDefinitionTime: factor must be a positive number (1 = real time, 60 = a minute per second), got ${factor}`);
  }
  const scaled = structuredClone(definition);
  for (const [, state] of allStates(scaled)) {
    if (state.Type === 'Wait') state.Seconds /= factor;
    if (state.Type !== 'Task') continue;
    for (const retrier of state.Retry) {
      if (options.transientRetries === 'real-time' && !retrier.ErrorEquals.some((e) => WAITING_ERRORS.includes(e))) continue;
      retrier.IntervalSeconds /= factor;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds /= factor;
    }
  }
  return scaled;
}
