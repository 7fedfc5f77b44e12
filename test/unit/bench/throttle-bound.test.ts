/** The concurrency section's lower bound: the critical path, or the slowest token bucket to hand out its tokens. */
import { buildBound, throttleBound, type WaitingOptions } from '../../../bench/critical-path';
import { DEFAULT_LATENCY } from '../../../local/cloud';

const SPEC: WaitingOptions = { egress: 'none', endpoints: [] };
const bucket = (name: string, capacity: number, refillPerSecond: number, taken: number) => ({
  bucket: name,
  capacity,
  refillPerSecond,
  taken,
});

describe('throttleBound', () => {
  it('is one build’s critical path while every bucket held what was asked of it', () => {
    expect(throttleBound(DEFAULT_LATENCY, SPEC, [bucket('ec2:CreateSubnet', 50, 5, 40)])).toEqual({
      boundSimSeconds: buildBound(DEFAULT_LATENCY, SPEC),
      limitedBy: 'one build’s critical path',
    });
  });

  it('is the drain time of a mutating bucket past its capacity (each API on its own)', () => {
    const bound = throttleBound(DEFAULT_LATENCY, SPEC, [
      bucket('ec2:CreateSubnet', 50, 5, 1050),
      bucket('ec2:CreateRouteTable', 50, 5, 100),
    ]);
    expect(bound).toEqual({ boundSimSeconds: 200, limitedBy: 'ec2:CreateSubnet' });
  });

  it('adds the boot and status checks after the last RunInstances the bucket let through', () => {
    const bound = throttleBound(DEFAULT_LATENCY, SPEC, [bucket('ec2:RunInstances', 5, 2, 355)]);
    const ready = DEFAULT_LATENCY.instancePendingToRunning + DEFAULT_LATENCY.statusChecksInitializingToOk;
    expect(bound).toEqual({ boundSimSeconds: 175 + ready, limitedBy: 'ec2:RunInstances' });
  });
});
