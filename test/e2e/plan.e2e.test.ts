import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../cli/k8s-ec2';
import { idempotentBuildId } from '../../functions/api/ids';
import type { PlanAnswer } from '../../functions/ops/contracts';
import { BUILD_ID_UNKNOWN } from '../../functions/ops/routes-plan';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { capture } from '../cli/capture';
import { api, seoulBody } from './helpers';

/**
 * POST /plans on the local stack, under the operations function's read-only role in the embedded cloud's IAM:
 * bad input is refused before any AWS call; what preflight would refuse is reported (and `k8s-ec2 plan` exits 1);
 * the Idempotency-Key the build will be sent with makes the names exact.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
});

afterAll(async () => {
  await stack?.close();
});

const planOf = (text: string) => JSON.parse(text) as PlanAnswer;

it('refuses a bad spec with a 400 that names the field, before any AWS call', async () => {
  stack.cloud?.resetStats();
  const answer = await api(stack, 'POST', '/plans', seoulBody('Bad_Name'));
  expect(answer.status).toBe(400);
  expect(answer.json?.error).toMatchObject({ field: 'name' });
  expect(stack.cloud?.stats().total).toBe(0);
  expect((await api(stack, 'POST', '/plans', seoulBody('e2e-plan'), { 'content-type': 'text/plain' })).status).toBe(415);
});

it('reports what preflight would refuse; `k8s-ec2 plan` then exits 1 and names the field', async () => {
  const answer = await api(stack, 'POST', '/plans', seoulBody('e2e-plan', { keyName: 'no-such-key' }));
  expect(answer.status).toBe(200);
  const { preflight, plan } = planOf(answer.text);
  expect(preflight.passed).toBe(false);
  expect(preflight.problems).toEqual([expect.objectContaining({ field: 'keyName' })]);
  expect(plan.resources.length).toBeGreaterThan(20);

  const out = capture();
  const file = join(await mkdtemp(join(tmpdir(), 'plan-')), 'spec.json');
  await writeFile(file, seoulBody('e2e-plan', { keyName: 'no-such-key' }));
  const code = await run(['plan', '--spec', file], out.io, { env: { K8S_EC2_API: stack.url } });
  expect(code).toBe(1);
  expect(out.stdout).toContain('keyName');
});

it('with the Idempotency-Key of the build to come, shows its build id and the names made from it', async () => {
  const body = seoulBody('e2e-plan', { bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
  const known = planOf((await api(stack, 'POST', '/plans', body, { 'Idempotency-Key': 'release-42' })).text);
  const buildId = idempotentBuildId('e2e-plan', 'release-42');
  expect(known.plan.buildId).toBe(buildId);
  const profile = known.plan.resources.find((r) => r.type === 'instance-profile');
  // IAM names are account-wide: the name carries the first 8 hex digits of the build id's SHA-256.
  expect(profile?.name).toBe(`e2e-plan-ssm-${createHash('sha256').update(buildId).digest('hex').slice(0, 8)}`);
  expect(profile?.tags['k8s-ec2:build-id']).toBe(buildId);

  const unknown = planOf((await api(stack, 'POST', '/plans', body)).text);
  expect(unknown.plan.buildId).toBe(BUILD_ID_UNKNOWN);
  expect(unknown.plan.resources.find((r) => r.type === 'instance-profile')?.name).toBe('e2e-plan-ssm-<hash of build id>');
  expect(unknown.plan.resources.every((r) => r.tags['k8s-ec2:build-id'] === BUILD_ID_UNKNOWN)).toBe(true);
});
