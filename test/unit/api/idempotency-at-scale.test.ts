import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { seoulSpecInput } from '../../fixtures/build';
import { apiEvent, BUILD_MACHINE, buildArn, call, sdkError } from './api-fixtures';

/**
 * POST /builds with an Idempotency-Key in an account that already holds thousands of builds. Step Functions
 * is modelled by its documented StartExecution rules over a store of executions
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): the same name and
 * input while open → that execution; open with another input, or closed → ExecutionAlreadyExists. The answer
 * must not depend on how many executions there are, and none is ever listed to give it.
 */
const sfn = mockClient(SFNClient);
const OTHER_BUILDS = 6_000;
const KEY = '9a7c2f5e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';
const executions = new Map<string, DescribeExecutionCommandOutput>();

function holdOtherBuilds() {
  for (let i = 0; i < OTHER_BUILDS; i++) {
    const name = `fin-k8s-dev-20261127-${String(i).padStart(6, '0')}-abcd`;
    executions.set(buildArn(name), {
      executionArn: buildArn(name),
      stateMachineArn: BUILD_MACHINE,
      name,
      status: 'SUCCEEDED',
      startDate: new Date(),
      $metadata: {},
    });
  }
}

beforeEach(() => {
  executions.clear();
  holdOtherBuilds();
  sfn.on(StartExecutionCommand).callsFake(({ name, input }: { name: string; input: string }) => {
    const executionArn = buildArn(name);
    const existing = executions.get(executionArn);
    if (existing?.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
    if (existing) throw sdkError('ExecutionAlreadyExists');
    executions.set(executionArn, {
      executionArn,
      stateMachineArn: BUILD_MACHINE,
      name,
      status: 'RUNNING',
      input,
      startDate: new Date(),
      $metadata: {},
    });
    return { executionArn, startDate: new Date() };
  });
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const found = executions.get(executionArn);
    if (!found) throw sdkError('ExecutionDoesNotExist');
    return found;
  });
});

afterEach(() => sfn.reset());

const post = (body: unknown) =>
  call(
    apiEvent('POST', '/builds', { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': KEY } }),
  );

it(`gives one build for two POSTs with one key after ${OTHER_BUILDS.toLocaleString('en')} other builds, while open and once ended; 409 for another body; lists nothing`, async () => {
  const first = await post(seoulSpecInput());
  const whileOpen = await post(seoulSpecInput());
  const ours = executions.get(first.body.executionArn as string);
  if (!ours) throw new Error('the first POST started no execution');
  ours.status = 'SUCCEEDED';
  const onceEnded = await post(Object.fromEntries(Object.entries(seoulSpecInput()).reverse()));
  const otherBody = await post(seoulSpecInput({ workers: { count: 6 } }));

  expect([first.statusCode, whileOpen.statusCode, onceEnded.statusCode, otherBody.statusCode]).toEqual([202, 202, 200, 409]);
  expect(new Set([first, whileOpen, onceEnded].map((answer) => answer.body.buildId)).size).toBe(1);
  expect(otherBody.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'Idempotency-Key' });
  expect(executions.size).toBe(OTHER_BUILDS + 1);
  expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
});
