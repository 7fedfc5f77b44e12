/**
 * POST /builds/{id}/verify: the build's spec and ids come from its execution, only a SUCCEEDED build not torn down
 * is verified (409 BUILD_NOT_LIVE otherwise, saying why), and the answer is its drift.
 */
import { DescribeExecutionCommand, SFNClient, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStateMachineArn } from '../../../functions/api/ids';
import { routeIn, type RouteTable } from '../../../functions/api/router';
import type { BuildResult } from '../../../functions/core/contracts';
import { SPEC_VERSION } from '../../../functions/core/spec-validation';
import type { OperationsContext } from '../../../functions/ops/context';
import type { VerifyAnswer } from '../../../functions/ops/contracts';
import { verifyBuild } from '../../../functions/ops/routes-verify';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import {
  apiEvent,
  BUILD_MACHINE,
  buildArn,
  NOW,
  REGION,
  sdkError,
  TEARDOWN_MACHINE,
  teardownArn,
  type ErrorBody,
} from '../api/api-fixtures';
import { DriftWorld } from './drift-world';

const aws = mockAws();
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ID = 'fin-k8s-dev-20261125-101530-ab12';
const plan = seoulPlan({}, ID);
const ROUTES: RouteTable<OperationsContext> = [{ method: 'POST', path: '/builds/{id}/verify', route: verifyBuild }];

function build(status: string, extra: Partial<DescribeExecutionCommandOutput> = {}, world = new DriftWorld(plan)) {
  const result: BuildResult = { outputs: world.outputs, baseline: { checks: [] } };
  return {
    executionArn: buildArn(ID),
    stateMachineArn: BUILD_MACHINE,
    name: ID,
    status,
    startDate: NOW,
    input: JSON.stringify({ buildId: ID, executionArn: buildArn(ID), specVersion: SPEC_VERSION, spec: plan.spec }),
    ...(status === 'SUCCEEDED' && { output: JSON.stringify(result) }),
    ...extra,
  } as DescribeExecutionCommandOutput;
}

const teardown = (status: string) =>
  ({ executionArn: teardownArn(`${ID}--destroy-1`), name: `${ID}--destroy-1`, status, startDate: NOW }) as DescribeExecutionCommandOutput;

/** The executions Step Functions holds: DescribeExecution answers these and nothing else. */
function holds(...executions: DescribeExecutionCommandOutput[]) {
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const found = executions.find((e) => e.executionArn === executionArn);
    if (!found) throw sdkError('ExecutionDoesNotExist');
    return found;
  });
}

const clientsFor = jest.fn(() => aws.clients);
afterEach(() => clientsFor.mockClear());

async function verify<B>(id = ID): Promise<{ statusCode: number; body: B }> {
  const ctx: Omit<OperationsContext, 'params'> = {
    event: apiEvent('POST', `/builds/${id}/verify`),
    sfn: new SFNClient({ region: REGION }),
    machines: { build: parseStateMachineArn(BUILD_MACHINE)!, teardown: parseStateMachineArn(TEARDOWN_MACHINE)! },
    requestId: 'req-1234',
    now: () => NOW,
    random: () => 0.5,
    clientsFor,
    pricing: undefined as never,
    region: REGION,
  };
  const { result } = await routeIn(ROUTES, 'POST', `/builds/${encodeURIComponent(id)}/verify`, ctx);
  return { statusCode: result.statusCode, body: JSON.parse(result.body) as B };
}

describe('POST /builds/{id}/verify', () => {
  it('answers 200 with no drift for a build as it was made, reading its region’s account', async () => {
    new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    holds(build('SUCCEEDED'));
    const answer = await verify<VerifyAnswer>();
    expect(answer).toEqual({ statusCode: 200, body: { buildId: ID, checkedAt: NOW.toISOString(), drift: [] } });
    expect(clientsFor).toHaveBeenCalledWith('ap-northeast-2');
  });

  it('answers what changed by hand', async () => {
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    world.instance('fin-k8s-dev-cp-2').MetadataOptions!.HttpTokens = 'optional';
    holds(build('SUCCEEDED', {}, world));
    const answer = await verify<VerifyAnswer>();
    expect(answer.statusCode).toBe(200);
    expect(answer.body.drift).toEqual([
      {
        resource: `instance fin-k8s-dev-cp-2 (${world.instance('fin-k8s-dev-cp-2').InstanceId})`,
        field: 'metadataOptions.httpTokens',
        expected: 'required',
        actual: 'optional',
      },
    ]);
  });

  it('answers 404 for a build that does not exist and 400 for an id that cannot be one, reading nothing', async () => {
    holds();
    expect(await verify<ErrorBody>()).toMatchObject({ statusCode: 404, body: { error: { code: 'NOT_FOUND', field: 'id' } } });
    expect(await verify<ErrorBody>('not an id!')).toMatchObject({ statusCode: 400, body: { error: { code: 'INVALID_BUILD_ID' } } });
    expect(clientsFor).not.toHaveBeenCalled();
  });

  it.each([
    { label: 'running', execution: build('RUNNING'), teardowns: [], says: 'is RUNNING' },
    { label: 'rolled back', execution: build('FAILED', { error: 'BuildRolledBack' }), teardowns: [], says: 'is ROLLED_BACK' },
    { label: 'destroyed', execution: build('SUCCEEDED'), teardowns: [teardown('SUCCEEDED')], says: 'is DESTROYED' },
    { label: 'being destroyed', execution: build('SUCCEEDED'), teardowns: [teardown('RUNNING')], says: 'is DESTROYING' },
    {
      label: 'partly torn down (its teardown failed)',
      execution: build('SUCCEEDED'),
      teardowns: [teardown('FAILED')],
      says: `is SUCCEEDED, but its teardown ${ID}--destroy-1 ended FAILED`,
    },
  ])('answers 409 BUILD_NOT_LIVE for a build $label, reading nothing', async ({ execution, teardowns, says }) => {
    holds(execution, ...teardowns);
    const answer = await verify<ErrorBody>();
    expect(answer.statusCode).toBe(409);
    expect(answer.body.error.code).toBe('BUILD_NOT_LIVE');
    expect(answer.body.error.message).toContain(says);
    expect(answer.body.error.message).toContain('only a SUCCEEDED build that has not been destroyed can be verified');
    expect(clientsFor).not.toHaveBeenCalled();
  });

  it('answers 500 (never a made-up empty drift) when a succeeded build’s output cannot be read', async () => {
    holds(build('SUCCEEDED', { output: '{"unexpected":true}' }));
    expect(await verify<ErrorBody>()).toMatchObject({ statusCode: 500, body: { error: { code: 'INTERNAL' } } });
  });
});
