import { performance } from 'node:perf_hooks';
import { SimClock } from './contract';

/**
 * Simulated time: real elapsed time multiplied by `timeScale`, plus any explicit `advance`. It starts at the
 * real wall clock so timestamps in responses look current, and it never goes backwards (a monotonic real
 * source keeps NTP adjustments out of state transitions).
 */
export class LocalClock implements SimClock {
  private readonly simStart = Date.now();
  private readonly realStart = performance.now();
  private offsetMs = 0;

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number of simulated seconds per real second, got ${timeScale}`);
  }

  now(): number {
    return this.simStart + (performance.now() - this.realStart) * this.timeScale + this.offsetMs;
  }

  /** Jump simulated time forward (tests and benches that want "three minutes later" without waiting). */
  advance(simulatedSeconds: number): void {
    if (simulatedSeconds < 0) throw new Error('the simulated clock only moves forward');
    this.offsetMs += simulatedSeconds * 1000;
  }
}
