import { performance } from 'node:perf_hooks';
import { SimClock } from './contract';

/**
 * How simulated time moves: `scaled` follows real time × `timeScale` (plus `advance`); `manual` moves only on
 * `advance`, so a test asserts each state at an exact simulated instant however slow the machine is.
 */
export type ClockMode = 'scaled' | 'manual';

/**
 * Simulated time: real elapsed time multiplied by `timeScale`, plus any explicit `advance`. It starts at the
 * real wall clock so timestamps in responses look current, and it never goes backwards (a monotonic real
 * source keeps NTP adjustments out of state transitions). A `manual` clock has a `timeScale` of 0: real time
 * adds nothing, only `advance` does.
 */
export class LocalClock implements SimClock {
  private readonly simStart = Date.now();
  private readonly realStart = performance.now();
  private offsetMs = 0;
  readonly timeScale: number;

  constructor(
    timeScale = 1,
    readonly mode: ClockMode = 'scaled',
  ) {
    if (mode === 'manual') {
      this.timeScale = 0;
      return;
    }
    if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number of simulated seconds per real second, got ${timeScale}`);
    this.timeScale = timeScale;
  }

  now(): number {
    return this.simStart + (performance.now() - this.realStart) * this.timeScale + this.offsetMs;
  }

  /** Jump simulated time forward (tests and benches that want "three minutes later" without waiting; the only way a manual clock moves). */
  advance(simulatedSeconds: number): void {
    if (simulatedSeconds < 0) throw new Error('the simulated clock only moves forward');
    this.offsetMs += simulatedSeconds * 1000;
  }
}
