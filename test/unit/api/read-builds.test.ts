import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionStatus,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ARTIFACT_NAMES, renderArtifact } from '../../../functions/core/artifacts';
import type { BuildOutputs } from '../../../functions/core/contracts';
import { seoulSpec, seoulSpecInput } from '../../fixtures/build';
import { seoulOutputs } from '../../fixtures/outputs';
import {
  apiEvent,
  BUILD_MACHINE,
  buildArn,
  call,
  sdkError,
  TEARDOWN_MACHINE,
  teardownArn,
  type BuildBody,
  type BuildListBody,
  type ErrorBody,
} from './api-fixtures';

const sfn = mockClient(SFNClient);
const ID = 'fin-k8s-dev-20261125-101530-ab12';
const T0 = Date.parse('2026-11-25T10:15:30Z');
const at = (s: number) => new Date(T0 + s * 1000);
const input = JSON.stringify({ buildId: ID, spec: seoulSpecInput() });

function execution(status: string, extra: Record<string, unknown> = {}) {
  return { executionArn: buildArn(ID), stateMachineArn: BUILD_MACHINE, name: ID, status, startDate: at(0), input, ...extra } as never;
}

/** An AWS-shaped history: events chained by previousEventId, one second apart. */
function history(...specs: Array<[type: string, prev: number, details?: Record<string, unknown>]>): HistoryEvent[] {
  return specs.map(
    ([type, previousEventId, details], i) => ({ id: i + 1, previousEventId, type, timestamp: at(i + 1), ...details }) as HistoryEvent,
  );
}
const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [] });

/** Preflight ok; CreateNetwork throttled once then ok; in the Parallel, LaunchNodes fails for good; rollback; Fail. */
const rolledBackHistory = history(
  ['ExecutionStarted', 0], // 1
  ['TaskStateEntered', 1, entered('Preflight')],
  ['TaskScheduled', 2],
  ['TaskStarted', 3],
  ['TaskSucceeded', 4],
  ['TaskStateExited', 5, exited('Preflight')], // 2-6
  ['TaskStateEntered', 6, entered('CreateNetwork')],
  ['TaskScheduled', 7],
  ['TaskStarted', 8], // 7-9
  ['TaskFailed', 9, { taskFailedEventDetails: { error: 'AwsThrottled', cause: lambdaCause('AwsThrottled', 'slow down') } }], // 10
  ['TaskScheduled', 10],
  ['TaskStarted', 11],
  ['TaskSucceeded', 12],
  ['TaskStateExited', 13, exited('CreateNetwork')], // 11-14
  ['ParallelStateEntered', 14, entered('Provision')],
  ['ParallelStateStarted', 15], // 15-16
  ['TaskStateEntered', 16, entered('LaunchNodes')],
  ['TaskStateEntered', 16, entered('CreateLoadBalancer')],
  ['TaskStateEntered', 16, entered('LaunchBastion')], // 17-19
  ['TaskScheduled', 17],
  ['TaskScheduled', 18],
  ['TaskScheduled', 19],
  ['TaskStarted', 20],
  ['TaskStarted', 21],
  ['TaskStarted', 22], // 20-25
  ['TaskSucceeded', 24],
  ['TaskStateExited', 26, exited('CreateLoadBalancer')], // 26-27
  [
    'TaskFailed',
    23,
    {
      taskFailedEventDetails: {
        error: 'InsufficientCapacity',
        cause: lambdaCause('InsufficientCapacity', 'no m6i.large in ap-northeast-2c'),
      },
    },
  ], // 28
  ['ParallelStateFailed', 28],
  ['ParallelStateExited', 29, exited('Provision')], // 29-30
  ['TaskStateEntered', 30, entered('RollbackNetwork')],
  ['LambdaFunctionScheduled', 31],
  ['LambdaFunctionStarted', 32],
  ['LambdaFunctionSucceeded', 33],
  ['TaskStateExited', 34, exited('RollbackNetwork')], // 31-35
  ['FailStateEntered', 35, entered('BuildRolledBack')],
  ['ExecutionFailed', 36, { executionFailedEventDetails: { error: 'BuildRolledBack' } }], // 36-37
);

afterEach(() => sfn.reset());

describe('GET /builds/{id}', () => {
  beforeEach(() => sfn.on(ListExecutionsCommand).resolves({ executions: [] }));

  it('reports a rolled-back build: checklist, the step that failed with its error, no outputs', async () => {
    sfn.on(DescribeExecutionCommand).resolves(execution('FAILED', { stopDate: at(37), error: 'BuildRolledBack', cause: 'rolled back' }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: rolledBackHistory });
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({
      buildId: ID,
      clusterName: 'fin-k8s-dev',
      status: 'ROLLED_BACK',
      executionStatus: 'FAILED',
      startedAt: at(0).toISOString(),
      stoppedAt: at(37).toISOString(),
    });
    expect(answer.body.steps.map((s) => [s.name, s.status])).toEqual([
      ['Preflight', 'succeeded'],
      ['CreateNetwork', 'succeeded'],
      ['Provision', 'failed'],
      ['LaunchNodes', 'failed'],
      ['CreateLoadBalancer', 'succeeded'],
      ['LaunchBastion', 'failed'],
      ['RollbackNetwork', 'succeeded'],
    ]);
    expect(answer.body.steps[0]).toEqual({
      name: 'Preflight',
      status: 'succeeded',
      enteredAt: at(2).toISOString(),
      exitedAt: at(6).toISOString(),
    });
    expect(answer.body.error).toEqual({ step: 'LaunchNodes', error: 'InsufficientCapacity', cause: 'no m6i.large in ap-northeast-2c' });
    expect(answer.body.outputs).toBeUndefined();
    expect(answer.body.currentStep).toBeUndefined();
    expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({ executionArn: buildArn(ID) });
  });

  it('prefers the step and error that the Fail state names in its cause', async () => {
    const cause = JSON.stringify({
      step: 'RegisterTargets',
      error: 'QuotaExceeded',
      cause: JSON.stringify({ errorType: 'QuotaExceeded', errorMessage: 'TooManyTargets' }),
    });
    sfn.on(DescribeExecutionCommand).resolves(execution('FAILED', { stopDate: at(37), error: 'RollbackFailed', cause }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: rolledBackHistory });
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    expect(answer.body.status).toBe('ROLLBACK_FAILED');
    expect(answer.body.error).toEqual({ step: 'RegisterTargets', error: 'QuotaExceeded', cause: 'TooManyTargets' });
  });

  it('shows a step being retried as the current step while the build runs', async () => {
    sfn.on(DescribeExecutionCommand).resolves(execution('RUNNING'));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: rolledBackHistory.slice(0, 10) });
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    expect(answer.body).toMatchObject({ status: 'RUNNING', currentStep: 'CreateNetwork' });
    expect(answer.body.steps[1]).toEqual({ name: 'CreateNetwork', status: 'retrying', enteredAt: at(7).toISOString() });
    expect(answer.body.error).toBeUndefined();
  });

  it('reads every page of the history', async () => {
    sfn.on(DescribeExecutionCommand).resolves(execution('RUNNING'));
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: rolledBackHistory.slice(0, 9), nextToken: 'page-2' })
      .resolvesOnce({ events: rolledBackHistory.slice(9, 14) });
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    // (The paginator reuses one input object, so the recorded inputs cannot show the first call's token.)
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(2);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[1].args[0].input).toMatchObject({
      executionArn: buildArn(ID),
      nextToken: 'page-2',
    });
    expect(answer.body.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('returns the outputs of a successful build and its running teardown as DESTROYING', async () => {
    const teardownName = `${ID}--destroy-1`;
    const notes = [
      'EC2-VPC Elastic IPs quota L-0263D0A3 not checked: Service Quotas did not answer (the endpoint answered AccessDeniedException); AWS enforces it at AllocateAddress',
    ];
    sfn.on(DescribeExecutionCommand).rejects(sdkError('ExecutionDoesNotExist'));
    sfn.on(DescribeExecutionCommand, { executionArn: buildArn(ID) }).resolves(
      execution('SUCCEEDED', {
        stopDate: at(400),
        output: JSON.stringify({ outputs: { ...seoulOutputs(), notes }, baseline: { checks: [] } }),
      }),
    );
    sfn.on(GetExecutionHistoryCommand).resolves({ events: rolledBackHistory.slice(0, 6) });
    // Found by its name (DescribeExecution), not by listing the teardown machine's executions.
    sfn.on(DescribeExecutionCommand, { executionArn: teardownArn(teardownName) }).resolves({
      executionArn: teardownArn(teardownName),
      stateMachineArn: TEARDOWN_MACHINE,
      name: teardownName,
      status: 'RUNNING',
      startDate: at(500),
    });
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    expect(answer.body.status).toBe('DESTROYING');
    expect(answer.body.outputs?.loadBalancer.dnsName).toBe(seoulOutputs().loadBalancer.dnsName);
    expect(answer.body.outputs?.notes).toEqual(notes);
    expect(answer.body.teardown).toMatchObject({
      executionArn: teardownArn(teardownName),
      status: 'DESTROYING',
      executionStatus: 'RUNNING',
    });
    expect(answer.body.error).toBeUndefined();
  });

  it.each([
    { label: 'unknown', path: '/builds/fin-k8s-dev-19990101-000000-zzzz', status: 404, code: 'NOT_FOUND' },
    { label: 'not an execution name', path: '/builds/bad%20id', status: 400, code: 'INVALID_BUILD_ID' },
    { label: 'a teardown name', path: `/builds/${ID}--destroy-1`, status: 400, code: 'INVALID_BUILD_ID' },
  ])('answers $status $code for an id that is $label', async ({ path, status, code }) => {
    sfn.on(DescribeExecutionCommand).rejects(sdkError('ExecutionDoesNotExist'));
    const answer = await call(apiEvent('GET', path));
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error).toMatchObject({ code, field: 'id' });
    if (status === 400) expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});

describe('GET /builds/{id} of a build swept from its tags (no build execution, a teardown)', () => {
  it.each([
    ['RUNNING', 'DESTROYING'],
    ['SUCCEEDED', 'DESTROYED'],
    ['FAILED', 'FAILED'],
  ])('answers with the teardown: %s → %s', async (executionStatus, status) => {
    const name = `${ID}--destroy-1`;
    const teardownExecution = {
      executionArn: teardownArn(name),
      stateMachineArn: TEARDOWN_MACHINE,
      name,
      status: executionStatus,
      startDate: at(0),
      input: JSON.stringify({ buildId: ID, spec: { name: 'fin-k8s-dev' } }),
    };
    sfn.on(DescribeExecutionCommand).rejects(sdkError('ExecutionDoesNotExist'));
    sfn.on(DescribeExecutionCommand, { executionArn: teardownArn(name) }).resolves(teardownExecution as never);
    sfn.on(DescribeExecutionCommand, { executionArn: teardownArn(`${ID}--destroy-2`) }).rejects(sdkError('ExecutionDoesNotExist'));
    const answer = await call<BuildBody>(apiEvent('GET', `/builds/${ID}`));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ buildId: ID, clusterName: 'fin-k8s-dev', status, steps: [] });
    expect(answer.body.teardown).toMatchObject({ executionArn: teardownArn(name), executionStatus });
  });
});

describe('GET /builds', () => {
  const item = (name: string, status: string) => ({
    executionArn: buildArn(name),
    stateMachineArn: BUILD_MACHINE,
    name,
    status: status as ExecutionStatus,
    startDate: at(0),
  });
  const teardown = (build: string, n: number, status: string) => ({
    executionArn: teardownArn(`${build}--destroy-${n}`),
    stateMachineArn: TEARDOWN_MACHINE,
    name: `${build}--destroy-${n}`,
    status: status as ExecutionStatus,
    startDate: at(n),
  });

  it('lists builds newest first with the status of docs/design.md "2.3 Build statuses" for each', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: BUILD_MACHINE }).resolves({
      executions: [
        item('a-1', 'RUNNING'),
        item('b-1', 'SUCCEEDED'),
        item('c-1', 'SUCCEEDED'),
        item('d-1', 'FAILED'),
        item('e-1', 'FAILED'),
        item('f-1', 'FAILED'),
        item('g-1', 'ABORTED'),
        item('h-1', 'SUCCEEDED'),
      ],
      nextToken: 'more',
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: TEARDOWN_MACHINE }).resolves({
      executions: [
        teardown('c-1', 2, 'SUCCEEDED'),
        teardown('b-1', 1, 'RUNNING'),
        teardown('c-1', 1, 'FAILED'),
        teardown('h-1', 1, 'FAILED'),
      ],
    });
    sfn.on(DescribeExecutionCommand, { executionArn: buildArn('d-1') }).resolves({ ...item('d-1', 'FAILED'), error: 'BuildRolledBack' });
    sfn.on(DescribeExecutionCommand, { executionArn: buildArn('e-1') }).resolves({ ...item('e-1', 'FAILED'), error: 'RollbackFailed' });
    sfn.on(DescribeExecutionCommand, { executionArn: buildArn('f-1') }).resolves({ ...item('f-1', 'FAILED'), error: 'PreflightFailed' });
    const answer = await call<BuildListBody>(apiEvent('GET', '/builds', { query: { limit: '8' } }));
    expect(answer.statusCode).toBe(200);
    expect(answer.body.builds.map((b) => [b.buildId, b.status])).toEqual([
      ['a-1', 'RUNNING'],
      ['b-1', 'DESTROYING'],
      ['c-1', 'DESTROYED'],
      ['d-1', 'ROLLED_BACK'],
      ['e-1', 'ROLLBACK_FAILED'],
      ['f-1', 'FAILED'],
      ['g-1', 'FAILED'],
      ['h-1', 'SUCCEEDED'],
    ]);
    expect(answer.body.nextToken).toBe('more');
    expect(answer.body.builds[0].links.self).toBe('/builds/a-1');
    expect(sfn.commandCalls(ListExecutionsCommand, { stateMachineArn: BUILD_MACHINE })[0].args[0].input).toMatchObject({ maxResults: 8 });
    // Only the failed builds need their error name.
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it('passes nextToken through and answers an empty page without scanning teardowns', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const answer = await call(apiEvent('GET', '/builds', { query: { nextToken: 'tok' } }));
    expect(answer.body).toEqual({ builds: [] });
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1);
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({ nextToken: 'tok', maxResults: 25 });
  });

  it.each(['0', '101', 'ten'])('answers 400 for limit=%s', async (limit) => {
    const answer = await call(apiEvent('GET', '/builds', { query: { limit } }));
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_VALUE', field: 'limit' });
  });

  it('answers 400 for an expired nextToken', async () => {
    sfn.on(ListExecutionsCommand).rejects(sdkError('InvalidToken'));
    const answer = await call<ErrorBody>(apiEvent('GET', '/builds', { query: { nextToken: 'old' } }));
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error.field).toBe('nextToken');
  });
});

describe('GET /builds/{id}/artifacts/{name}', () => {
  const succeeded = () => execution('SUCCEEDED', { output: JSON.stringify({ outputs: seoulOutputs(), baseline: { checks: [] } }) });

  it.each(ARTIFACT_NAMES)('renders %s as text from the outputs and the spec', async (name) => {
    sfn.on(DescribeExecutionCommand).resolves(succeeded());
    const answer = await call(apiEvent('GET', `/builds/${ID}/artifacts/${name}`));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(answer.headers['X-Request-Id']).toBe('req-1234');
    expect(answer.raw).toBe(renderArtifact(name, seoulOutputs(), seoulSpec()));
  });

  it('renders the ssh_config of a build without a bastion through Session Manager', async () => {
    const outputs: BuildOutputs = seoulOutputs();
    delete outputs.bastion;
    sfn.on(DescribeExecutionCommand).resolves(execution('SUCCEEDED', { output: JSON.stringify({ outputs, baseline: { checks: [] } }) }));
    const answer = await call(apiEvent('GET', `/builds/${ID}/artifacts/ssh_config`));
    expect(answer.statusCode).toBe(200);
    expect(answer.raw).toContain('ProxyCommand aws ssm start-session --target %h --document-name AWS-StartSSHSession');
    expect(answer.raw).not.toContain('ProxyJump');
  });

  it('names every artifact, hosts.yaml among them, when asked for an unknown one', async () => {
    sfn.on(DescribeExecutionCommand).resolves(succeeded());
    const answer = await call<ErrorBody>(apiEvent('GET', `/builds/${ID}/artifacts/hosts.yml`));
    expect(answer.statusCode).toBe(404);
    expect(answer.body.error.message).toBe('no artifact "hosts.yml"; artifacts are ssh_config, hosts.yaml, inventory.ini, kubeadm.yaml');
  });

  it.each([
    { label: 'an unknown artifact', path: `/builds/${ID}/artifacts/passwords.txt`, describe: succeeded(), status: 404, code: 'NOT_FOUND' },
    { label: 'an unknown build', path: `/builds/nope-1/artifacts/ssh_config`, describe: undefined, status: 404, code: 'NOT_FOUND' },
    {
      label: 'a running build',
      path: `/builds/${ID}/artifacts/ssh_config`,
      describe: execution('RUNNING'),
      status: 409,
      code: 'BUILD_NOT_SUCCEEDED',
    },
    {
      label: 'a rolled-back build',
      path: `/builds/${ID}/artifacts/ssh_config`,
      describe: execution('FAILED', { error: 'BuildRolledBack' }),
      status: 409,
      code: 'BUILD_NOT_SUCCEEDED',
    },
    {
      label: 'a success without outputs',
      path: `/builds/${ID}/artifacts/ssh_config`,
      describe: execution('SUCCEEDED', { output: '{}' }),
      status: 500,
      code: 'INTERNAL',
    },
  ])('answers $status $code for $label', async ({ path, describe: described, status, code }) => {
    if (described) sfn.on(DescribeExecutionCommand).resolves(described);
    else sfn.on(DescribeExecutionCommand).rejects(sdkError('ExecutionDoesNotExist'));
    const answer = await call<ErrorBody>(apiEvent('GET', path));
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });
});
