import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * ELBv2 lagging behind EC2: right after the network and the instances are created, ELBv2 may answer
 * SubnetNotFound / InvalidSecurityGroup for them (CreateLoadBalancer) and InvalidTarget (RegisterTargets).
 * The embedded cloud models the lag itself (local/cloud/ec2/elbv2-view.ts, tested on a manual clock in
 * test/local/cloud/elbv2-propagation.test.ts); here the answers are injected a fixed number of times, so the
 * build meets them whatever the machine's speed, and must still succeed: the product reads them as
 * NotYetVisible and the state machine retries until ELBv2 has caught up.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
});

afterAll(() => stack.close());

it('succeeds when ELBv2 does not see the new network and instances at first, and tears down completely', async () => {
  const cloud = stack.cloud!;
  cloud.faults.add({
    service: 'elbv2',
    action: 'CreateLoadBalancer',
    code: 'SubnetNotFound',
    message: 'injected: subnet not visible to ELB yet',
    count: 1,
  });
  cloud.faults.add({
    service: 'elbv2',
    action: 'CreateLoadBalancer',
    code: 'InvalidSecurityGroup',
    message: 'injected: group not visible to ELB yet',
    count: 1,
  });
  cloud.faults.add({
    service: 'elbv2',
    action: 'RegisterTargets',
    code: 'InvalidTarget',
    message: 'injected: instance not visible to ELB yet',
    count: 1,
  });
  const created = await api(stack, 'POST', '/builds', seoulBody('e2e-lag'));
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);
  const built = await waitWhile(stack, buildId, 'RUNNING', 120_000);
  expect(built.status).toBe('SUCCEEDED');
  expect(cloud.faults.list().map((f) => f.fired)).toEqual([1, 1, 1]);
  expect(cloud.resources(buildId).filter((r) => r.type === 'load-balancer')).toHaveLength(1);
  await api(stack, 'DELETE', `/builds/${buildId}`);
  expect((await waitWhile(stack, buildId, 'DESTROYING', 120_000)).status).toBe('DESTROYED');
  expect(cloud.resources(buildId)).toEqual([]);
}, 180_000);
