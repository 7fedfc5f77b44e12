import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { TeardownInput } from '../../../functions/core/contracts';
import { SPEC_VERSION } from '../../../functions/core/spec-validation';
import { seoulSpec, seoulSpecInput } from '../../fixtures/build';
import { apiEvent, BUILD_MACHINE, buildArn, call, sdkError, TEARDOWN_MACHINE, teardownArn, type ErrorBody } from './api-fixtures';

const sfn = mockClient(SFNClient);
const ID = 'fin-k8s-dev-20261125-101530-ab12';
const spec = seoulSpec();
const build = (status: string, error?: string) =>
  ({
    executionArn: buildArn(ID),
    stateMachineArn: BUILD_MACHINE,
    name: ID,
    status,
    error,
    startDate: new Date(),
    input: JSON.stringify({ buildId: ID, executionArn: buildArn(ID), specVersion: SPEC_VERSION, spec }),
  }) as never;
const teardown = (n: number, status: string, buildId = ID) => ({
  executionArn: teardownArn(`${buildId}--destroy-${n}`),
  stateMachineArn: TEARDOWN_MACHINE,
  name: `${buildId}--destroy-${n}`,
  status: status as ExecutionStatus,
  startDate: new Date(),
});
const del = <B = Record<string, unknown>>() => call<B>(apiEvent('DELETE', `/builds/${ID}`));

/** The executions Step Functions holds, by ARN: DescribeExecution answers these and nothing else. */
function holds(...executions: Array<{ executionArn: string; input?: string }>) {
  const byArn = new Map(executions.map((e) => [e.executionArn, e]));
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const found = byArn.get(executionArn);
    if (!found) throw sdkError('ExecutionDoesNotExist');
    return found;
  });
}

beforeEach(() => {
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: teardownArn(input.name), startDate: new Date() }));
});

/** One build's teardowns are found by name, never by listing the account's executions. */
afterEach(() => {
  expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
  sfn.reset();
});

describe('DELETE /builds/{id}', () => {
  it.each([
    { label: 'succeeded', status: 'SUCCEEDED', error: undefined },
    { label: 'rolled back', status: 'FAILED', error: 'BuildRolledBack' },
    { label: 'failed to roll back', status: 'FAILED', error: 'RollbackFailed' },
    { label: 'aborted', status: 'ABORTED', error: undefined },
  ])('starts the teardown machine with the build id and its spec when the build $label', async ({ status, error }) => {
    holds(build(status, error));
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toMatchObject({ buildId: ID, status: 'DESTROYING', executionArn: teardownArn(`${ID}--destroy-1`) });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: TEARDOWN_MACHINE,
      name: `${ID}--destroy-1`,
      input: JSON.stringify({
        buildId: ID,
        executionArn: teardownArn(`${ID}--destroy-1`),
        specVersion: SPEC_VERSION,
        spec,
        deployment: BUILD_MACHINE,
      }),
    });
  });

  it('normalises the spec of a build started before specs were stored normalised, so it stays removable', async () => {
    holds({
      ...(build('SUCCEEDED') as object),
      executionArn: buildArn(ID),
      input: JSON.stringify({ buildId: ID, spec: seoulSpecInput() }),
    });
    await del();
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input ?? '{}') as TeardownInput;
    expect(input).toMatchObject({ specVersion: SPEC_VERSION, spec: seoulSpec() });
  });

  it('numbers a new teardown after one that failed, ignoring teardowns of other builds', async () => {
    holds(build('SUCCEEDED'), teardown(7, 'RUNNING', 'other-build-1'), teardown(2, 'FAILED'), teardown(1, 'FAILED'));
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe(`${ID}--destroy-3`);
  });

  it('answers a second DELETE with the running teardown and starts no second execution', async () => {
    holds(build('SUCCEEDED'), teardown(1, 'RUNNING'));
    const answer = await del();
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toMatchObject({ status: 'DESTROYING', executionArn: teardownArn(`${ID}--destroy-1`) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 200 DESTROYED once a teardown has succeeded, without starting another', async () => {
    holds(build('SUCCEEDED'), teardown(1, 'SUCCEEDED'));
    const answer = await del();
    expect(answer.statusCode).toBe(200);
    expect(answer.body.status).toBe('DESTROYED');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a teardown beyond the 20th, naming the limit', async () => {
    holds(build('SUCCEEDED'), ...Array.from({ length: 20 }, (_, i) => teardown(i + 1, 'FAILED')));
    const answer = await del<ErrorBody>();
    expect(answer.statusCode).toBe(409);
    expect(answer.body.error.code).toBe('TOO_MANY_TEARDOWNS');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 409 while the build is still running and starts nothing', async () => {
    holds(build('RUNNING'));
    const answer = await del<ErrorBody>();
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
    holds(build('SUCCEEDED'), { ...teardown(1, status), input: '{}' });
    sfn.on(StartExecutionCommand).rejects(sdkError('ExecutionAlreadyExists'));
    const answer = await del();
    expect(answer.statusCode).toBe(http);
  });

  it('answers 500 when the build execution carries no spec', async () => {
    holds({ ...(build('SUCCEEDED') as object), executionArn: buildArn(ID), input: '{"buildId":"x"}' });
    const answer = await del();
    expect(answer.statusCode).toBe(500);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
