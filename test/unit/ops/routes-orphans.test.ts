import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStateMachineArn } from '../../../functions/api/ids';
import { routeIn, type RouteTable } from '../../../functions/api/router';
import type { OperationsContext } from '../../../functions/ops/context';
import type { OrphansAnswer, SweepAnswer } from '../../../functions/ops/contracts';
import { UNKNOWN_STACK_NOTE } from '../../../functions/ops/orphans';
import { listOrphans, sweepOrphan } from '../../../functions/ops/routes-orphans';
import { awsError, mockAws } from '../../fixtures/aws';
import { apiEvent, BUILD_MACHINE, NOW, REGION, TEARDOWN_MACHINE, teardownArn, type ErrorBody } from '../api/api-fixtures';
import { ours, TaggedWorld } from './tagged-world';

const aws = mockAws();
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ROUTES: RouteTable<OperationsContext> = [
  { method: 'GET', path: '/orphans', route: listOrphans },
  { method: 'POST', path: '/orphans/{buildId}/sweep', route: sweepOrphan },
];
const ID = 'dev-20261101-090000-ab12';

async function call<B>(method: string, path: string): Promise<{ statusCode: number; body: B }> {
  const ctx = {
    event: apiEvent(method, path),
    sfn: sfn as unknown as SFNClient,
    machines: { build: parseStateMachineArn(BUILD_MACHINE)!, teardown: parseStateMachineArn(TEARDOWN_MACHINE)! },
    requestId: 'req-1',
    now: () => NOW,
    random: () => 0.5,
    clientsFor: () => aws.clients,
    pricing: undefined as never,
    region: REGION,
  };
  const { result } = await routeIn(ROUTES, method, path, ctx);
  return { statusCode: result.statusCode, body: JSON.parse(result.body) as B };
}
const sweep = <B = SweepAnswer>(buildId = ID) => call<B>('POST', `/orphans/${buildId}/sweep`);

/** The executions Step Functions holds, by name; StartExecution adds a running one. */
function holds(executions: Record<string, { status: string; error?: string }>) {
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const name = executionArn.split(':').pop()!;
    const found = executions[name];
    if (!found) throw awsError('ExecutionDoesNotExist');
    return { executionArn, name, ...found };
  });
  sfn.on(StartExecutionCommand).callsFake(({ name }: { name: string }) => {
    if (executions[name]) throw awsError('ExecutionAlreadyExists');
    executions[name] = { status: 'RUNNING' };
    return { executionArn: teardownArn(name), startDate: NOW };
  });
}

/** What is tagged with build `ID`: a VPC with its private subnet. */
function leftBehind(): TaggedWorld {
  const world = new TaggedWorld();
  world.ec2 = [
    { type: 'vpc', id: 'vpc-1', tags: ours(ID, 'dev', 'vpc', 'dev-vpc'), fields: { CidrBlock: '10.0.0.0/16' } },
    {
      type: 'subnet',
      id: 'subnet-1',
      tags: ours(ID, 'dev', 'private-subnet', 'dev-private-a'),
      fields: { AvailabilityZone: 'ap-northeast-2a' },
    },
  ];
  world.install(aws);
  return world;
}

describe('GET /orphans', () => {
  it('answers the region’s orphans with when they were checked', async () => {
    leftBehind();
    holds({});
    const { statusCode, body } = await call<OrphansAnswer>('GET', '/orphans');
    expect(statusCode).toBe(200);
    expect(body).toEqual({
      checkedAt: NOW.toISOString(),
      region: REGION,
      orphans: [
        {
          buildId: ID,
          clusterName: 'dev',
          reason: `no execution found (history deleted or its state machine replaced); ${UNKNOWN_STACK_NOTE}`,
          resources: [
            { type: 'subnet', id: 'subnet-1', name: 'dev-private-a', role: 'private-subnet' },
            { type: 'vpc', id: 'vpc-1', name: 'dev-vpc', role: 'vpc' },
          ],
        },
      ],
    });
  });
});

describe('POST /orphans/{buildId}/sweep', () => {
  it('starts the teardown machine with a spec rebuilt from the tags, named as DELETE names teardowns', async () => {
    leftBehind();
    holds({});
    const { statusCode, body } = await sweep();
    expect(statusCode).toBe(202);
    const arn = teardownArn(`${ID}--destroy-1`);
    expect(body).toEqual({
      buildId: ID,
      status: 'DESTROYING',
      executionArn: arn,
      links: { orphans: '/orphans', console: expect.stringContaining(arn) as string },
    });
    const started = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect([started.stateMachineArn, started.name]).toEqual([TEARDOWN_MACHINE, `${ID}--destroy-1`]);
    expect(JSON.parse(started.input!)).toMatchObject({
      buildId: ID,
      executionArn: arn,
      specVersion: 2,
      spec: { name: 'dev', region: REGION, vpcCidr: '10.0.0.0/16', availabilityZones: ['ap-northeast-2a'], egress: 'none' },
    });
    // One build's teardowns are found by name, never by listing the account's executions.
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
  });

  it('answers a repeat while the sweep runs with the same execution, starting nothing', async () => {
    leftBehind();
    holds({ [`${ID}--destroy-1`]: { status: 'RUNNING' } });
    const { statusCode, body } = await sweep();
    expect([statusCode, body.status, body.executionArn]).toEqual([202, 'DESTROYING', teardownArn(`${ID}--destroy-1`)]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('sweeps a build whose rollback failed, after its failed DELETE, as the next teardown', async () => {
    leftBehind();
    holds({ [ID]: { status: 'FAILED', error: 'RollbackFailed' }, [`${ID}--destroy-1`]: { status: 'FAILED' } });
    const { body } = await sweep();
    expect(body.executionArn).toBe(teardownArn(`${ID}--destroy-2`));
  });

  it('answers 404 once the sweep succeeded and nothing tagged is left', async () => {
    new TaggedWorld().install(aws);
    holds({ [`${ID}--destroy-1`]: { status: 'SUCCEEDED' } });
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code, body.error.field]).toEqual([404, 'NOT_FOUND', 'buildId']);
    expect(body.error.message).toBe(`nothing tagged with build id "${ID}" is left in ${REGION}`);
  });

  it('sweeps again what a succeeded sweep left behind', async () => {
    leftBehind();
    holds({ [`${ID}--destroy-1`]: { status: 'SUCCEEDED' } });
    const { statusCode, body } = await sweep();
    expect([statusCode, body.executionArn]).toEqual([202, teardownArn(`${ID}--destroy-2`)]);
  });

  it.each([
    { label: 'runs', history: { [ID]: { status: 'RUNNING' } }, message: /is running/ },
    { label: 'succeeded and stands', history: { [ID]: { status: 'SUCCEEDED' } }, message: new RegExp(`DELETE /builds/${ID}`) },
  ])('refuses with 409 NOT_AN_ORPHAN a build that $label', async ({ history, message }) => {
    leftBehind();
    holds(history);
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code]).toEqual([409, 'NOT_AN_ORPHAN']);
    expect(body.error.message).toMatch(message);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a build whose DELETE failed with 409 NOT_AN_ORPHAN naming that teardown and saying to DELETE again', async () => {
    leftBehind();
    holds({ [ID]: { status: 'SUCCEEDED' }, [`${ID}--destroy-1`]: { status: 'FAILED' } });
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code]).toEqual([409, 'NOT_AN_ORPHAN']);
    expect(body.error.message).toBe(
      `build "${ID}" succeeded and its last teardown, ${ID}--destroy-1, FAILED: ` +
        `it is not an orphan; see why that teardown stopped, then DELETE /builds/${ID} again`,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it.each(['has space', `${ID}--destroy-1`, 'x'.repeat(81)])('answers 400 INVALID_BUILD_ID for "%s", before any AWS call', async (id) => {
    const { statusCode, body } = await sweep<ErrorBody>(encodeURIComponent(id));
    expect([statusCode, body.error.code, body.error.field]).toEqual([400, 'INVALID_BUILD_ID', 'buildId']);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 409 CANNOT_SWEEP naming what the teardown would leave', async () => {
    const world = leftBehind();
    world.ec2.push({ type: 'snapshot', id: 'snap-1', tags: ours(ID, 'dev', 'worker', 'dev-backup') });
    holds({});
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code]).toEqual([409, 'CANNOT_SWEEP']);
    expect(body.error.message).toMatch(/snapshot dev-backup/);
  });

  it('answers 409 CANNOT_SWEEP naming a detached volume, which the teardown would leave', async () => {
    const world = leftBehind();
    world.ec2.push({ type: 'volume', id: 'vol-kept', tags: ours(ID, 'dev', 'worker', 'dev-worker-1'), state: 'available' });
    holds({});
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code, body.error.field]).toEqual([409, 'CANNOT_SWEEP', 'buildId']);
    expect(body.error.message).toMatch(
      /cannot remove the detached volume vol-kept \(dev-worker-1\): it deletes volumes and network interfaces only/,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 409 CANNOT_SWEEP, not 500, when the spec rebuilt from the tags is one no teardown accepts', async () => {
    const world = leftBehind();
    for (let i = 0; i < 21; i++) {
      world.ec2.push({
        type: 'vpc-endpoint',
        id: `vpce-${i}`,
        tags: ours(ID, 'dev', 'vpc-endpoint', `dev-vpce-${i}`),
        state: 'available',
        fields: { ServiceName: `com.amazonaws.${REGION}.service${i}` },
      });
    }
    holds({});
    const { statusCode, body } = await sweep<ErrorBody>();
    expect([statusCode, body.error.code]).toEqual([409, 'CANNOT_SWEEP']);
    expect(body.error.message).toMatch(/endpoints \(21 of them\): give at most 20 endpoint services/);
  });

  it('answers a racing sweep with the teardown the other one started', async () => {
    leftBehind();
    holds({});
    sfn.on(StartExecutionCommand).callsFake(({ name }: { name: string }) => {
      holds({ [name]: { status: 'RUNNING' } });
      throw awsError('ExecutionAlreadyExists');
    });
    const { statusCode, body } = await sweep();
    expect([statusCode, body.status, body.executionArn]).toEqual([202, 'DESTROYING', teardownArn(`${ID}--destroy-1`)]);
  });
});
