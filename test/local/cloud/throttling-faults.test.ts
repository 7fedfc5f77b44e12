/** Request token buckets and injected faults, as a client without retries sees them. */
import * as E from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { network, runInput } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

type Outcome = { ok: boolean; name?: string; status?: number };
const settle = (promises: Array<Promise<unknown>>): Promise<Outcome[]> =>
  Promise.all(
    promises.map((p) =>
      p.then(
        () => ({ ok: true }),
        (e: { name: string; $metadata?: { httpStatusCode?: number } }) => ({
          ok: false,
          name: e.name,
          status: e.$metadata?.httpStatusCode,
        }),
      ),
    ),
  );

describe('throttling', () => {
  let on: Harness;
  let off: Harness;
  // Buckets refill on the cloud's simulated clock, manual in this harness: it stands still while a burst is in
  // flight (the outcome is exact however slow the machine) and moves only when the test advances it.
  beforeAll(async () => {
    on = await startHarness();
    off = await startHarness({ throttling: false });
  });
  afterAll(async () => {
    await stopHarness(on);
    await stopHarness(off);
  });
  beforeEach(() => {
    on.cloud.reset(); // full buckets for each test
  });

  it('answers RequestLimitExceeded (503) when RunInstances bursts past its bucket of 5, and refills 2 tokens a second', async () => {
    const { subnetId, groupId } = await network(on.ec2);
    const burst = (n: number) =>
      settle(Array.from({ length: n }, () => on.ec2Once.send(new E.RunInstancesCommand(runInput(subnetId, groupId)))));
    const admitted = (outcomes: Outcome[]) => outcomes.filter((o) => o.ok).length;
    const outcomes = await burst(8);
    expect(admitted(outcomes)).toBe(5);
    expect(outcomes.filter((o) => !o.ok).every((o) => o.name === 'RequestLimitExceeded' && o.status === 503)).toBe(true);
    on.cloud.clock.advance(1);
    expect(admitted(await burst(3))).toBe(2);
  });

  it('never throttles when throttling is off', async () => {
    const { subnetId, groupId } = await network(off.ec2);
    const outcomes = await settle(
      Array.from({ length: 12 }, () => off.ec2Once.send(new E.RunInstancesCommand(runInput(subnetId, groupId)))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('answers ELBv2 Throttling (400) past the describe bucket of 40', async () => {
    const elbv2 = new ElasticLoadBalancingV2Client({
      region: 'ap-northeast-2',
      endpoint: on.cloud.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const outcomes = await settle(Array.from({ length: 45 }, () => elbv2.send(new DescribeLoadBalancersCommand({}))));
    elbv2.destroy();
    const throttled = outcomes.filter((o) => !o.ok);
    expect([outcomes.length - throttled.length, throttled.length]).toEqual([40, 5]);
    expect(throttled.every((o) => o.name === 'Throttling' && o.status === 400)).toBe(true);
  });
});

describe('fault injection', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ throttling: false });
  });
  afterAll(() => stopHarness(h));
  afterEach(() => h.cloud.reset());

  it('fails an action a given number of times, then lets it through', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    h.cloud.faults.add({ action: 'RunInstances', code: 'InsufficientInstanceCapacity', count: 2 });
    const first = await rejection(h.ec2Once.send(new E.RunInstancesCommand(runInput(subnetId, groupId))));
    expect(first.name).toBe('InsufficientInstanceCapacity');
    expect(first.$metadata.httpStatusCode).toBe(500);
    await rejection(h.ec2Once.send(new E.RunInstancesCommand(runInput(subnetId, groupId))));
    const third = await h.ec2Once.send(new E.RunInstancesCommand(runInput(subnetId, groupId)));
    expect(third.Instances?.map((i) => i.SubnetId)).toEqual([subnetId]);
    expect(h.cloud.faults.list()[0].fired).toBe(2);
  });

  it('fails only requests aimed at the given AZ (by subnet or Placement)', async () => {
    const a = await network(h.ec2, 'b-a', 'ap-northeast-2a');
    const b = await network(h.ec2, 'b-b', 'ap-northeast-2b');
    h.cloud.faults.add({
      service: 'ec2',
      action: 'RunInstances',
      code: 'InsufficientInstanceCapacity',
      az: 'ap-northeast-2b',
      message: 'We currently do not have sufficient capacity',
    });
    const inA = await h.ec2Once.send(new E.RunInstancesCommand(runInput(a.subnetId, a.groupId)));
    expect(inA.Instances?.map((i) => i.Placement?.AvailabilityZone)).toEqual(['ap-northeast-2a']);
    const err = await rejection(h.ec2Once.send(new E.RunInstancesCommand(runInput(b.subnetId, b.groupId))));
    expect(err.message).toContain('sufficient capacity');
    const viaPlacement = await rejection(
      h.ec2Once.send(
        new E.RunInstancesCommand({
          ...runInput(b.subnetId, b.groupId),
          Placement: { AvailabilityZone: 'ap-northeast-2b' },
        }),
      ),
    );
    expect(viaPlacement.name).toBe('InsufficientInstanceCapacity');
  });

  it('fails with a seeded probability, identically on every run', async () => {
    const sequence = async () => {
      h.cloud.faults.clear();
      h.cloud.faults.add({ action: 'DescribeVpcs', code: 'Unavailable', probability: 0.5, seed: 42 });
      const out: boolean[] = [];
      for (let n = 0; n < 30; n++) out.push((await settle([h.ec2Once.send(new E.DescribeVpcsCommand({}))]))[0].ok);
      return out;
    };
    const first = await sequence();
    const failures = first.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(25);
    expect(await sequence()).toEqual(first);
  });

  it('renders injected ELBv2 errors in the query error shape', async () => {
    h.cloud.faults.add({ service: 'elbv2', action: '*', code: 'Throttling', message: 'Rate exceeded' });
    const elbv2 = new ElasticLoadBalancingV2Client({
      region: 'ap-northeast-2',
      endpoint: h.cloud.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const err = await rejection(elbv2.send(new DescribeLoadBalancersCommand({})));
    elbv2.destroy();
    expect([err.name, err.message, err.$metadata.httpStatusCode]).toEqual(['Throttling', 'Rate exceeded', 400]);
    // EC2 untouched.
    await expect(h.ec2Once.send(new E.DescribeVpcsCommand({}))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('takes rules over the control interface', async () => {
    const posted = await fetch(`${h.cloud.url}/_cloud/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'CreateVpc',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      }),
    });
    expect(posted.status).toBe(201);
    const err = await rejection(h.ec2Once.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' })));
    expect(err.name).toBe('UnauthorizedOperation');
    const bad = await fetch(`${h.cloud.url}/_cloud/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'X', code: 'Y', probability: 2 }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${h.cloud.url}/_cloud/faults`, { method: 'DELETE' })).status).toBe(204);
    await expect(h.ec2Once.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).resolves.toMatchObject({
      Vpc: { CidrBlock: '10.0.0.0/16' },
    });
  });
});
