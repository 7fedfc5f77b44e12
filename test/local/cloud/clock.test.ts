/** The simulated clock's two modes: scaled real time, and manual (what the cloud tests run on). */
import { LocalClock } from '../../../local/cloud/clock';

describe('a manual clock', () => {
  it('stands still while real time passes and moves exactly by advance', async () => {
    const clock = new LocalClock(1000, 'manual');
    const start = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(start);
    clock.advance(15);
    expect(clock.now()).toBe(start + 15_000);
  });

  it('reports a time scale of 0 (simulated seconds per real second) and refuses to go back', () => {
    const clock = new LocalClock(1, 'manual');
    expect(clock.timeScale).toBe(0);
    expect(() => clock.advance(-1)).toThrow('only moves forward');
  });
});

describe('a scaled clock', () => {
  it('needs a positive time scale', () => {
    expect(() => new LocalClock(0)).toThrow('timeScale must be a positive number');
    expect(new LocalClock(60).timeScale).toBe(60);
  });
});
