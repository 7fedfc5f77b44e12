import type { CostEstimate } from '../../../functions/ops/contracts';
import { estimateBuildText, estimateTimeoutMs } from '../../../functions/ops/estimate-build';
import { estimateLines } from '../../../functions/ops/estimate-lines';
import { BUILD_ID, seoulSpecInput } from '../../fixtures/build';

const estimate = (overrides: Partial<CostEstimate> = {}): CostEstimate => ({
  currency: 'USD',
  region: 'ap-northeast-2',
  hoursPerMonth: 720,
  lines: [
    { item: 'instance m6i.large', count: 3, unitHourlyUsd: 0.1468, hourlyUsd: 0.4404, monthlyUsd: 317.088 },
    { item: 'instance m6i.xlarge', count: 3, unitHourlyUsd: 0.2936, hourlyUsd: 0.8808, monthlyUsd: 634.176, note: 'workers may fall back' },
    { item: 'GiB of gp3 root volumes', count: 470, unitHourlyUsd: 0.0912 / 720, hourlyUsd: (0.0912 * 470) / 720, monthlyUsd: 42.864 },
    { item: 'transit gateway attachment', count: 1, note: 'Price List Query API: AccessDeniedException: denied' },
  ],
  knownHourlyUsd: 1.3807333333,
  knownMonthlyUsd: 994.128,
  unknown: ['transit gateway attachment'],
  source: 'AWS Price List Query API (GetProducts, us-east-1)',
  notes: ['Not counted: data transfer.'],
  ...overrides,
});

describe('estimateLines', () => {
  it('shows count × item, the unit price, hourly and 30-day amounts in aligned columns, and each note beneath', () => {
    const lines = estimateLines(estimate());
    expect(lines[0]).toBe('  3 × instance m6i.large             @ $0.1468/h   $0.4404/h   $317.09/30 d');
    expect(lines[1]).toBe('  3 × instance m6i.xlarge            @ $0.2936/h   $0.8808/h   $634.18/30 d');
    expect(lines[2]).toBe('      workers may fall back');
    expect(lines[3]).toBe('  470 × GiB of gp3 root volumes    @ $0.000127/h   $0.0595/h    $42.86/30 d');
    expect(lines).toContain('  Prices: AWS Price List Query API (GetProducts, us-east-1)');
    expect(lines).toContain('  Not counted: data transfer.');
  });

  it('shows an unknown price as unknown, never $0, and a total that names what it leaves out', () => {
    const lines = estimateLines(estimate());
    expect(lines[4]).toBe('  1 × transit gateway attachment   unknown');
    expect(lines[5]).toBe('      Price List Query API: AccessDeniedException: denied');
    expect(lines[6]).toBe(
      '  Total                                            $1.3807/h   $994.13/30 d   (leaves out the unknown: transit gateway attachment)',
    );
    expect(lines.join('\n')).not.toMatch(/attachment.*\$0\.00/);
  });

  it('says the total is unknown when no price was found, and has no leaves-out remark when all are known', () => {
    const none = estimate({
      lines: [{ item: 'network load balancer', count: 1, note: 'x' }],
      knownHourlyUsd: 0,
      knownMonthlyUsd: 0,
      unknown: ['network load balancer'],
    });
    expect(estimateLines(none)).toContain('  Total                                 unknown   (no price was found)');
    const all = estimate({ lines: estimate().lines.slice(0, 1), knownHourlyUsd: 0.4404, knownMonthlyUsd: 1234.5, unknown: [] });
    expect(estimateLines(all)[1]).toBe('  Total                                  $0.4404/h   $1,234.50/30 d');
  });
});

describe('estimateBuildText', () => {
  const input = { buildId: BUILD_ID, spec: seoulSpecInput() };

  it('prices the spec of the execution input and renders its lines', async () => {
    const asked = jest.fn(() => Promise.resolve(estimate()));
    const text = await estimateBuildText(input, BUILD_ID, asked);
    expect(asked).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'fin-k8s-dev', availabilityZones: expect.any(Array) as string[] }),
      BUILD_ID,
    );
    expect(text).toEqual({ lines: estimateLines(estimate()) });
  });

  it('is unavailable, with the reason, when the estimate fails, returns nothing, or the input has no readable spec', async () => {
    const failing = () => Promise.reject(Object.assign(new Error('socket hang up'), { name: 'NetworkingError' }));
    expect(await estimateBuildText(input, BUILD_ID, failing)).toEqual({ unavailable: 'NetworkingError: socket hang up' });
    expect(await estimateBuildText(input, BUILD_ID, () => Promise.resolve(undefined))).toEqual({ unavailable: 'no estimate was made' });
    const asked = jest.fn(() => Promise.resolve(estimate()));
    expect(await estimateBuildText({ buildId: BUILD_ID }, BUILD_ID, asked)).toEqual({
      unavailable: 'the execution input holds no spec this release can read',
    });
    expect(asked).not.toHaveBeenCalled();
  });

  describe('with a Price List that does not answer', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('gives up after the timeout, so the message is not held back', async () => {
      const text = estimateBuildText(input, BUILD_ID, () => new Promise(() => undefined), 10_000);
      await jest.advanceTimersByTimeAsync(9_999);
      let settled = false;
      void text.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(await text).toEqual({ unavailable: 'no answer from the Price List within 10 s' });
    });
  });
});

describe('estimateTimeoutMs: how long a notification waits for prices', () => {
  it('is what the invocation has left after the reserve, never more than 10 s nor less than 0; 4 s when the time left is unknown', () => {
    expect(estimateTimeoutMs(14_800, 6_000)).toBe(8_800);
    expect(estimateTimeoutMs(900_000, 6_000)).toBe(10_000);
    expect(estimateTimeoutMs(5_000, 6_000)).toBe(0);
    expect(estimateTimeoutMs(undefined, 6_000)).toBe(4_000);
    expect(estimateTimeoutMs(undefined, 6_000, 2_000)).toBe(2_000);
  });
});
