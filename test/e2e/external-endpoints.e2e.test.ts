import { startCloud, type EmbeddedCloud } from '../../local/cloud';
import { findLeftovers } from '../../local/leftovers';
import { startLocalStack } from '../../local/stack';
import { api, seoulBody, waitWhile } from './helpers';

/**
 * The embedded cloud is replaceable: with AWS_ENDPOINT_URL_EC2 / _ELASTIC_LOAD_BALANCING_V2 set (LocalStack,
 * moto), the local runtime uses that endpoint. A separately started embedded cloud stands in for it here.
 */
let other: EmbeddedCloud;
const saved = { ...process.env };

beforeAll(async () => {
  other = await startCloud({ port: 0, timeScale: 200 });
});

afterAll(async () => {
  process.env = saved;
  await other.close();
});

it('builds and destroys against endpoints given by the standard variables', async () => {
  process.env.AWS_ENDPOINT_URL_EC2 = other.url;
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = other.url;
  delete process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS;
  const stack = await startLocalStack({ timeScale: 200 });
  try {
    expect(stack.cloud).toBeUndefined();
    expect(process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS).toBe(other.url);
    const created = await api(stack, 'POST', '/builds', seoulBody('e2e-external'));
    const built = await waitWhile(stack, created.json.buildId, 'RUNNING');
    expect(built.status).toBe('SUCCEEDED');
    expect(other.resources(created.json.buildId).filter((r) => r.type === 'instance')).toHaveLength(7);
    expect(await findLeftovers(created.json.buildId, 'e2e-external', 'ap-northeast-2')).not.toEqual([]);
    await api(stack, 'DELETE', `/builds/${created.json.buildId}`);
    expect((await waitWhile(stack, created.json.buildId, 'DESTROYING')).status).toBe('DESTROYED');
    expect(await findLeftovers(created.json.buildId, 'e2e-external', 'ap-northeast-2')).toEqual([]);
    expect(other.resources(created.json.buildId)).toEqual([]);
  } finally {
    await stack.close();
  }
  expect(process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS).toBeUndefined();
});

it('a second stack in the same process gets its own embedded cloud', async () => {
  delete process.env.AWS_ENDPOINT_URL_EC2;
  delete process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
  const first = await startLocalStack({ timeScale: 200 });
  await first.close();
  const second = await startLocalStack({ timeScale: 200 });
  try {
    expect(second.cloud).toBeDefined();
    expect(process.env.AWS_ENDPOINT_URL_EC2).toBe(second.cloud!.url);
  } finally {
    await second.close();
  }
});
