import { startCloud, type EmbeddedCloud } from '../../local/cloud';
import { startLocalStack } from '../../local/stack';
import { api, seoulBody, waitWhile } from './helpers';

/**
 * ELBv2 lagging behind EC2 (local/cloud/ec2/elbv2-view.ts): with a propagation window far longer than the
 * moment between CreateNetwork's last create and CreateLoadBalancer, ELBv2 certainly refuses the fresh
 * subnets and group first (SubnetNotFound / InvalidSecurityGroup), and the build must still succeed: the
 * product reads those answers as NotYetVisible and the state machine retries until ELBv2 has caught up.
 * The cloud is started here with that window and handed to the stack as external endpoints (the stack
 * starts its own cloud with the default window; build.e2e.test.ts runs whole builds on that one).
 */
const TIME_SCALE = 200;
/** 200 simulated seconds = 1 real second at this time scale: longer than any gap between two steps. */
const WINDOW = 200;

let cloud: EmbeddedCloud;
const saved = { ...process.env };

beforeAll(async () => {
  cloud = await startCloud({ port: 0, timeScale: TIME_SCALE, latency: { elbv2SeesNewEc2ResourcesAfter: WINDOW } });
});

afterAll(async () => {
  process.env = saved;
  await cloud.close();
});

it('succeeds when ELBv2 does not see the new network at first, and tears down completely', async () => {
  process.env.AWS_ENDPOINT_URL_EC2 = cloud.url;
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = cloud.url;
  const stack = await startLocalStack({ timeScale: TIME_SCALE });
  try {
    const created = await api(stack, 'POST', '/builds', seoulBody('e2e-lag'));
    expect(created.status).toBe(202);
    const buildId = created.json.buildId as string;
    const built = await waitWhile(stack, buildId, 'RUNNING', 120_000);
    expect(built.status).toBe('SUCCEEDED');
    // Refused at least once (the fresh subnets), then accepted: one NLB.
    expect(cloud.stats().calls['elbv2:CreateLoadBalancer']).toBeGreaterThanOrEqual(2);
    expect(cloud.resources(buildId).filter((r) => r.type === 'load-balancer')).toHaveLength(1);
    await api(stack, 'DELETE', `/builds/${buildId}`);
    expect((await waitWhile(stack, buildId, 'DESTROYING', 120_000)).status).toBe('DESTROYED');
    expect(cloud.resources(buildId)).toEqual([]);
  } finally {
    await stack.close();
  }
}, 180_000);
