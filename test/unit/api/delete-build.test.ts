import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { seoulSpecInput } from '../../fixtures/build';
import { apiEvent, BUILD_MACHINE, buildArn, call, sdkError, TEARDOWN_MACHINE, teardownArn } from './api-fixtures';

const sfn = mockClient(SFNClient);
const ID = 'fin-k8s-dev-20261125-101530-ab12';
const spec = seoulSpecInput();
const build = (status: string, error?: string) =>
  ({
    executionArn: buildArn(ID),
    stateMachineArn: BUILD_MACHINE,
    name: ID,
    status,
    error,
    startDate: new Date(),
    input: JSON.stringify({ buildId: ID, spec }),
  }) as never;
const teardown = (n: number, status: string, buildId = ID) => ({
  executionArn: teardownArn(`${buildId}--destroy-${n}`),
  stateMachineArn: TEARDOWN_MACHINE,
  name: `${buildId}--destroy-${n}`,
  status: status as ExecutionStatus,
  startDate: new Date(),
});
const del = () => call(apiEvent('DELETE', `/builds/${ID}`));

beforeEach(() => {
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: teardownArn(input.name), startDate: new Date() }));
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

afterEach(() => sfn.reset());

describe('DELETE /builds/{id}', () => {
  it.each([
    { label: 'succeeded', status: 'SUCCEEDED', error: undefined },
    { label: 'rolled back', status: 'FAILED', error: 'BuildRolledBack' },
    { label: 'failed to roll back', status: 'FAILED', error: 'RollbackFailed' },
    { label: 'aborted', status: 'ABORTED', error: undefined },
  ])('starts the teardown machine with the build id and its spec when the build $label', async ({ status, error }) => {
    sfn.on(DescribeExecutionCommand).resolves(build(status, error));
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toMatchObject({ buildId: ID, status: 'DESTROYING', executionArn: teardownArn(`${ID}--destroy-1`) });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: TEARDOWN_MACHINE,
      name: `${ID}--destroy-1`,
      input: JSON.stringify({ buildId: ID, spec }),
    });
  });

  it('numbers a new teardown after one that failed, ignoring teardowns of other builds', async () => {
    sfn.on(DescribeExecutionCommand).resolves(build('SUCCEEDED'));
    sfn.on(ListExecutionsCommand, { stateMachineArn: TEARDOWN_MACHINE }).resolves({
      executions: [teardown(7, 'RUNNING', 'other-build-1'), teardown(2, 'FAILED'), teardown(1, 'FAILED')],
    });
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe(`${ID}--destroy-3`);
  });

  it('answers a second DELETE with the running teardown and starts no second execution', async () => {
    sfn.on(DescribeExecutionCommand).resolves(build('SUCCEEDED'));
    sfn.on(ListExecutionsCommand, { stateMachineArn: TEARDOWN_MACHINE }).resolves({ executions: [teardown(1, 'RUNNING')] });
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toMatchObject({ status: 'DESTROYING', executionArn: teardownArn(`${ID}--destroy-1`) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 200 DESTROYED once a teardown has succeeded, without starting another', async () => {
    sfn.on(DescribeExecutionCommand).resolves(build('SUCCEEDED'));
    sfn.on(ListExecutionsCommand, { stateMachineArn: TEARDOWN_MACHINE }).resolves({ executions: [teardown(1, 'SUCCEEDED')] });
    const answer = await del();
    expect(answer.statusCode).toBe(200);
    expect(answer.body.status).toBe('DESTROYED');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reads teardowns across pages of the teardown machine', async () => {
    sfn.on(DescribeExecutionCommand).resolves(build('SUCCEEDED'));
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: TEARDOWN_MACHINE })
      .resolvesOnce({ executions: [teardown(1, 'RUNNING', 'other-1')], nextToken: 'p2' })
      .resolvesOnce({ executions: [teardown(1, 'RUNNING')] });
    const answer = await del();
    expect(answer.body.executionArn).toBe(teardownArn(`${ID}--destroy-1`));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 409 while the build is still running and starts nothing', async () => {
    sfn.on(DescribeExecutionCommand).resolves(build('RUNNING'));
    const answer = await del();
    expect(answer.statusCode).toBe(409);
    expect(answer.body.error.code).toBe('BUILD_RUNNING');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown build', async () => {
    sfn.on(DescribeExecutionCommand).rejects(sdkError('ExecutionDoesNotExist'));
    const answer = await del();
    expect(answer.statusCode).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  it.each([
    { label: 'still running (the racing DELETE started it)', status: 'RUNNING', http: 202 },
    { label: 'already succeeded', status: 'SUCCEEDED', http: 200 },
    { label: 'failed', status: 'FAILED', http: 409 },
  ])('when a racing DELETE took the teardown name and that teardown is $label, answers $http', async ({ status, http }) => {
    sfn.on(DescribeExecutionCommand, { executionArn: buildArn(ID) }).resolves(build('SUCCEEDED'));
    sfn.on(DescribeExecutionCommand, { executionArn: teardownArn(`${ID}--destroy-1`) }).resolves({ ...teardown(1, status), input: '{}' });
    sfn.on(StartExecutionCommand).rejects(sdkError('ExecutionAlreadyExists'));
    const answer = await del();
    expect(answer.statusCode).toBe(http);
  });

  it('answers 500 when the build execution carries no spec', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ ...(build('SUCCEEDED') as object), input: '{"buildId":"x"}' } as never);
    const answer = await del();
    expect(answer.statusCode).toBe(500);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
