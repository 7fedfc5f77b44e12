import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { createClients } from '../../functions/core/clients';
import type { PlanAnswer } from '../../functions/ops/contracts';
import { hourly, monthly } from '../../functions/ops/estimate-lines';
import { run } from '../../cli/k8s-ec2';
import type { EmbeddedCloud } from '../../local/cloud';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { capture } from '../cli/capture';
import { api, buildIdOf, waitWhile } from './helpers';

/**
 * Issue 10's "done when", as a user does it on the embedded cloud: `k8s-ec2 plan` lists what the build then
 * makes (by type and name) with a cost estimate, and changes nothing; `k8s-ec2 verify` finds no drift on a
 * fresh build and exits 1 once someone opens a node group to 0.0.0.0/0 by hand.
 */
let stack: LocalStack;
let cloud: EmbeddedCloud;
const SPEC_FILE = 'examples/seoul.json';
const seoul = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as { name: string; region: string };

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  if (!stack.cloud) throw new Error('these tests need the embedded cloud (unset AWS_ENDPOINT_URL_EC2)');
  cloud = stack.cloud;
});

afterAll(async () => {
  await stack?.close();
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = capture();
  const code = await run(argv, out.io, { env: { K8S_EC2_API: stack.url }, pollIntervalMs: 50 });
  return { code, stdout: out.stdout, stderr: out.stderr };
}

/** Actions whose name says they only read: what AWS's own read-only managed policies grant by prefix. */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List)/;

/** Parts AWS makes with their parent (the same RunInstances / AuthorizeSecurityGroupIngress): the plan shows them with it. */
const PARTS = new Set(['volume', 'network-interface', 'security-group-rule']);
/** The embedded cloud's names for ELB resources → the resource types in their ARNs, which the plan uses. */
const PLAN_TYPE: Record<string, string> = { 'load-balancer': 'loadbalancer', 'target-group': 'targetgroup' };

describe('plan, then build, then verify (examples/seoul.json)', () => {
  let planned: PlanAnswer;
  let buildId: string;

  it('k8s-ec2 plan prints every resource and a cost estimate, exit 0, with no mutating call and no execution', async () => {
    cloud.resetStats();
    const executions = () =>
      stack.sfn.listExecutions(stack.buildStateMachineArn).length + stack.sfn.listExecutions(stack.teardownStateMachineArn).length;
    const executionsBefore = executions();
    const printed = await cli('plan', '--spec', SPEC_FILE);
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`+ create vpc "${seoul.name}-vpc"`);
    expect(printed.stdout).toMatch(/Plan: \d+ to create/);

    const answer = await api(stack, 'POST', '/plans', readFileSync(SPEC_FILE, 'utf8'));
    expect(answer.status).toBe(200);
    planned = JSON.parse(answer.text) as PlanAnswer;
    expect(planned.preflight).toMatchObject({ passed: true, problems: [] });
    expect(planned.estimate.knownMonthlyUsd).toBeGreaterThan(0);
    expect(planned.estimate.unknown).toEqual([]);
    // The printed total is the priced one (not a $0.00 standing in for prices that did not come).
    expect(printed.stdout).toContain(
      `Estimated ${hourly(planned.estimate.knownHourlyUsd)}/h, ${monthly(planned.estimate.knownMonthlyUsd)} per 30 days.`,
    );

    const calls = Object.keys(cloud.stats().calls);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((action) => !READ_ONLY.test(action))).toEqual([]);
    expect(executions()).toBe(executionsBefore);
  });

  it('the build makes exactly what the plan listed, by type and name', async () => {
    buildId = buildIdOf(await api(stack, 'POST', '/builds', readFileSync(SPEC_FILE, 'utf8')));
    expect((await waitWhile(stack, buildId, 'RUNNING', 120_000)).status).toBe('SUCCEEDED');

    const made = cloud.resources(buildId);
    const key = (type: string, name?: string) => `${type} ${name ?? '(no name)'}`;
    const madeKeys = made.filter((r) => !PARTS.has(r.type)).map((r) => key(PLAN_TYPE[r.type] ?? r.type, r.name));
    expect(madeKeys.sort()).toEqual(planned.plan.resources.map((r) => key(r.type, r.name)).sort());
    // The parts: a root volume and an interface per instance, the rules as planned.
    const instances = made.filter((r) => r.type === 'instance').length;
    expect(made.filter((r) => r.type === 'volume')).toHaveLength(instances);
    const plannedRules = planned.plan.resources.reduce((n, r) => n + (r.rules?.length ?? 0), 0);
    expect(made.filter((r) => r.type === 'security-group-rule')).toHaveLength(plannedRules);
  });

  it('k8s-ec2 verify: a fresh build has no drift (exit 0), read-only', async () => {
    cloud.resetStats();
    const printed = await cli('verify', buildId);
    expect(printed.stderr).toBe('');
    expect(printed.stdout).toContain('no drift');
    expect(printed.code).toBe(0);
    expect(Object.keys(cloud.stats().calls).filter((action) => !READ_ONLY.test(action))).toEqual([]);
  });

  it('k8s-ec2 verify: 0.0.0.0/0 added by hand to the worker group is drift, exit 1', async () => {
    const build = await api(stack, 'GET', `/builds/${buildId}`);
    const workerGroup = build.json?.outputs?.securityGroupIds.workers;
    const { ec2 } = createClients(seoul.region, stack.endpoints, stack.operatorCredentials);
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: workerGroup,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'by hand' }] }],
      }),
    );
    const printed = await cli('verify', buildId);
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(1);
    expect(printed.stdout).toContain(`${seoul.name}-worker-sg`);
    expect(printed.stdout).toContain('0.0.0.0/0');

    const answer = await api(stack, 'POST', `/builds/${buildId}/verify`);
    const drift = (JSON.parse(answer.text) as { drift: Array<{ resource: string; field: string }> }).drift;
    expect(drift).toHaveLength(1);
    expect(drift[0].resource).toContain(workerGroup);
  });

  it('is torn down as usual, nothing tagged left', async () => {
    await api(stack, 'DELETE', `/builds/${buildId}`);
    expect((await waitWhile(stack, buildId, 'DESTROYING', 120_000)).status).toBe('DESTROYED');
    expect(cloud.resources(buildId)).toEqual([]);
  });
});
