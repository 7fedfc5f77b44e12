import { startCloud, type EmbeddedCloud } from '../../local/cloud';
import { findLeftovers } from '../../local/leftovers';
import { messageText } from '../../local/api/slack-sink';
import { startLocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * The embedded cloud is replaceable: with AWS_ENDPOINT_URL_EC2 / _ELASTIC_LOAD_BALANCING_V2 set (LocalStack,
 * moto), the local runtime uses that endpoint. A separately started embedded cloud stands in for it here,
 * with a Service Quotas that cannot answer, as such emulators' (LocalStack has no Service Quotas and answers
 * 501, https://github.com/localstack/localstack/issues/8501; moto knows only VPC quotas,
 * https://github.com/getmoto/moto/pull/5557).
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

it('builds and destroys against endpoints given by the standard variables, with every quota noted as not checked', async () => {
  // AWS's default Standard vCPU quota (5) would refuse this 20-vCPU build: a limit nobody answered is not guessed.
  other.faults.add({
    service: 'servicequotas',
    action: '*',
    code: 'InternalFailure',
    httpStatus: 501,
    message: "API for service 'service-quotas' not yet implemented",
  });
  process.env.AWS_ENDPOINT_URL_EC2 = other.url;
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = other.url;
  delete process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS;
  const stack = await startLocalStack({ timeScale: 200 });
  try {
    expect(stack.cloud).toBeUndefined();
    expect(stack.endpoints.AWS_ENDPOINT_URL_SERVICE_QUOTAS).toBe(other.url);
    const created = await api(stack, 'POST', '/builds', seoulBody('e2e-external'));
    const buildId = buildIdOf(created);
    const built = await waitWhile(stack, buildId, 'RUNNING');
    expect(built.status).toBe('SUCCEEDED');
    const vcpuNote =
      /^Running On-Demand Standard .* vCPUs quota L-1216C47A not checked: Service Quotas did not answer \(the endpoint answered HTTP 501 InternalFailure\); AWS enforces it at RunInstances$/;
    expect(built.outputs?.notes).toHaveLength(4);
    expect(built.outputs?.notes).toContainEqual(expect.stringMatching(vcpuNote));
    const slack = await stack.slack.waitFor((m) => messageText(m).includes(buildId) && messageText(m).includes('SUCCEEDED'));
    expect(messageText(slack)).toContain('quota L-1216C47A not checked');
    expect(other.resources(buildId).filter((r) => r.type === 'instance')).toHaveLength(7);
    expect(await findLeftovers(buildId, 'e2e-external', 'ap-northeast-2', stack.endpoints)).not.toEqual([]);
    await api(stack, 'DELETE', `/builds/${buildId}`);
    expect((await waitWhile(stack, buildId, 'DESTROYING')).status).toBe('DESTROYED');
    expect(await findLeftovers(buildId, 'e2e-external', 'ap-northeast-2', stack.endpoints)).toEqual([]);
    expect(other.resources(buildId)).toEqual([]);
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
    expect(second.endpoints.AWS_ENDPOINT_URL_EC2).toBe(second.cloud!.url);
    expect(process.env.AWS_ENDPOINT_URL_EC2).toBeUndefined();
  } finally {
    await second.close();
  }
});
