/** Fault rules on Service Quotas: how a test makes it not answer, as moto, LocalStack or a denied role would. */
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const vcpuQuota = () => h.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }));

it('answers GetServiceQuota with the injected AWS JSON error', async () => {
  h.cloud.faults.add({ service: 'servicequotas', action: 'GetServiceQuota', code: 'AccessDeniedException' });
  const error = await rejection(vcpuQuota());
  expect([error.name, error.$metadata.httpStatusCode]).toEqual(['AccessDeniedException', 400]);
  // EC2 is not affected by a Service Quotas rule.
  await expect(h.ec2.send(new DescribeVpcsCommand({}))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
});

it('leaves Service Quotas alone for rules that do not name it', async () => {
  h.cloud.faults.add({ action: '*', code: 'Unavailable' });
  await expect(vcpuQuota()).resolves.toMatchObject({ Quota: { QuotaCode: 'L-1216C47A' } });
});

it('accepts servicequotas through the control interface and rejects unknown services', async () => {
  const post = (rule: object) => fetch(`${h.cloud.url}/_cloud/faults`, { method: 'POST', body: JSON.stringify(rule) });
  expect((await post({ service: 'servicequotas', action: '*', code: 'NoSuchResourceException' })).status).toBe(201);
  expect((await rejection(vcpuQuota())).name).toBe('NoSuchResourceException');
  expect((await post({ service: 'kms', action: '*', code: 'X' })).status).toBe(400);
});
