import { QUOTA_CODES } from '../../local/cloud';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * The largest build the spec allows (7 control planes, 100 workers, the bastion: 108 instances) on the
 * embedded cloud with AWS's token buckets on. RunInstances allows 5 requests in a burst and 2 a second
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), the buckets refill in real
 * seconds whatever the time scale, and a throttle must never fail a step: the nodes go out in one
 * RunInstances per role and zone. The account's vCPU quota is raised first (416 vCPUs), as it would have to
 * be in a real account.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200, throttling: true });
  stack.cloud!.quotas.set(QUOTA_CODES.onDemandStandardVcpus, 1000);
});

afterAll(async () => {
  await stack.close();
});

it('builds 7 control planes and 100 workers with throttling on, then tears down to nothing', async () => {
  const body = seoulBody('e2e-scale', {
    controlPlane: { count: 7, instanceTypes: ['m6i.large'] },
    workers: { count: 100, instanceTypes: ['m6i.xlarge', 'm5.xlarge'] },
  });
  const created = await api(stack, 'POST', '/builds', body);
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);

  const built = await waitWhile(stack, buildId, 'RUNNING', 120_000);
  expect({ status: built.status, error: built.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  expect(built.outputs?.nodes).toHaveLength(107);
  expect(new Set(built.outputs?.nodes.map((node: { name: string }) => node.name)).size).toBe(107);
  const instances = stack.cloud!.resources(buildId).filter((r) => r.type === 'instance');
  expect(instances).toHaveLength(108);
  // Six RunInstances for the nodes (one per role and zone) and one for the bastion, retries aside.
  expect(stack.cloud!.stats().calls['ec2:RunInstances']).toBeLessThan(20);

  const deleted = await api(stack, 'DELETE', `/builds/${buildId}`);
  expect(deleted.status).toBe(202);
  expect((await waitWhile(stack, buildId, 'DESTROYING', 120_000)).status).toBe('DESTROYED');
  expect(stack.cloud!.resources(buildId)).toEqual([]);
}, 240_000);
