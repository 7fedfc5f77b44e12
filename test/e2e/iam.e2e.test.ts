import type { Grant } from '../../infra/iam';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { StepFunctionId } from '../../workflows/steps';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * IAM end to end: every step runs under its own role whose policy is the permission table the CDK stack
 * renders, and the embedded cloud authorises each call as AWS would. A build succeeds only if the table
 * grants everything AWS checks; one permission fewer fails the build at the step that needs it.
 */
const ADMINISTRATOR = 'arn:aws:iam::123456789012:root';

/** One action removed from one step's role (the statement stays if other actions remain in it). */
function withoutPermission(step: StepFunctionId, action: string) {
  return (id: StepFunctionId, grants: Grant[]) =>
    id !== step
      ? grants
      : grants.map((g) => ({ ...g, actions: g.actions.filter((a) => a !== action) })).filter((g) => g.actions.length > 0);
}

async function build(stack: LocalStack, name: string) {
  const created = await api(stack, 'POST', '/builds', seoulBody(name));
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);
  return { buildId, final: await waitWhile(stack, buildId, 'RUNNING') };
}

describe('with every step under its own role', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 200 });
  });
  afterAll(() => stack.close());

  it('a build and its teardown succeed, every AWS call signed by a step role (or notify’s, pricing the success message)', async () => {
    stack.cloud!.resetStats();
    const { buildId, final } = await build(stack, 'e2e-iam');
    expect(final.status).toBe('SUCCEEDED');
    const teardown = await api(stack, 'DELETE', `/builds/${buildId}`);
    expect(teardown.status).toBe(202);
    expect((await waitWhile(stack, buildId, 'DESTROYING')).status).toBe('DESTROYED');

    const principals = stack.cloud!.stats().byPrincipal;
    expect(principals[ADMINISTRATOR]).toBeUndefined();
    const roles = Object.values(stack.roles.credentials).map((c) => c.principalArn);
    const others = Object.keys(principals).filter((p) => !roles.includes(p));
    expect(others).toEqual([expect.stringContaining('/k8s-ec2-builder-notify/')]);
    expect(Object.keys(principals).length).toBeGreaterThanOrEqual(10);
    expect(stack.cloud!.resources(buildId)).toEqual([]);
  });
});

describe.each([
  ['createLoadBalancer', 'ec2:DescribeSubnets', 'CreateLoadBalancer', /not authorized to perform: ec2:DescribeSubnets/],
  ['registerTargets', 'ec2:DescribeVpcs', 'RegisterTargets', /not authorized to perform: ec2:DescribeVpcs/],
  [
    'launchNodes',
    'ec2:CreateTags',
    'LaunchNodes',
    /not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:ap-northeast-2:123456789012:instance\/\*/,
  ],
] as const)("without %s's %s", (step, action, failedStep, message) => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 200, permissions: withoutPermission(step, action) });
  });
  afterAll(() => stack.close());

  it(`fails at ${failedStep} with PermissionDenied, rolls back and leaves nothing`, async () => {
    const { buildId, final } = await build(stack, `e2e-deny-${step.toLowerCase().slice(0, 8)}`);
    expect(final.status).toBe('ROLLED_BACK');
    expect(final.error).toMatchObject({ step: failedStep, error: 'PermissionDenied' });
    expect(JSON.stringify(final.error)).toMatch(message);
    expect(stack.cloud!.resources(buildId)).toEqual([]);
  });
});
