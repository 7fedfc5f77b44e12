import { allStates, type StateMachineDefinition } from './asl';

/** The field a step's `waitSeconds` must be named (a WaitRequest, functions/core/expected-latency.ts). */
const WAIT_SECONDS_FIELD = 'waitSeconds';
/**
 * Where the local runtime puts, beside a step's `waitSeconds`, the real instant that many simulated seconds
 * away (local/step-roles.ts scaleWaitRequest); the local definitions wait on it through a TimestampPath.
 */
export const WAIT_UNTIL_FIELD = 'waitUntil';

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
 * SecondsPath a step fills (`…waitSeconds`) becomes a TimestampPath to the `…waitUntil` the local runtime
 * adds to the step's answer (local/step-roles.ts): SecondsPath takes whole seconds only, a timestamp keeps
 * the millisecond a scaled wait needs.
 */
export function scaleDefinitionTime<D extends StateMachineDefinition>(definition: D, factor: number): D {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new RangeError(`scaleDefinitionTime: factor must be a positive number (1 = real time, 60 = a minute per second), got ${factor}`);
  }
  const scaled = structuredClone(definition);
  for (const [, state] of allStates(scaled)) {
    if (state.Type === 'Wait' && state.Seconds !== undefined) state.Seconds /= factor;
    if (state.Type === 'Wait' && state.SecondsPath !== undefined) {
      state.TimestampPath = waitUntilPath(state.SecondsPath);
      delete state.SecondsPath;
    }
    if (state.Type !== 'Task') continue;
    for (const retrier of state.Retry) {
      retrier.IntervalSeconds /= factor;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds /= factor;
    }
  }
  return scaled;
}

/** `$.readiness.waitSeconds` → `$.readiness.waitUntil`; any other SecondsPath is one the local runtime cannot scale. */
function waitUntilPath(secondsPath: string): string {
  const suffix = `.${WAIT_SECONDS_FIELD}`;
  if (!secondsPath.endsWith(suffix)) {
    throw new Error(`scaleDefinitionTime: a Wait's SecondsPath must end in ${suffix} (a step's WaitRequest), got ${secondsPath}`);
  }
  return `${secondsPath.slice(0, -suffix.length)}.${WAIT_UNTIL_FIELD}`;
}
