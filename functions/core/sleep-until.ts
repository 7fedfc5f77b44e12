import type { Clock } from './retry-scope';

/** The real-time step of `sleepUntil` on a clock without timers: short, so a simulated clock running fast is not overslept. */
const SLEEP_STEP_MS = 10;

/**
 * Waits until `clock` reads `atMs`: on the clock's own timers when it has them (the local event clock), else in short
 * real-time steps, so that it follows a clock running faster than real time too (the local scaled clock). Inside a
 * Lambda this is billed time: only for waits of a few seconds that save calls (a launch paced to its bucket, a create
 * held until ELB sees the network).
 */
export async function sleepUntil(clock: Clock, atMs: number): Promise<void> {
  if (clock.sleep) return clock.sleep(Math.max(0, atMs - clock.now()));
  for (let left = atMs - clock.now(); left > 0; left = atMs - clock.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(SLEEP_STEP_MS, left)));
  }
}
