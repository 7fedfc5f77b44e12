import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { parseStateMachineArn } from '../../functions/api/ids';
import { routeIn, type RouteTable } from '../../functions/api/router';
import { createClients } from '../../functions/core/clients';
import type { OperationsContext } from '../../functions/ops/context';
import type { OrphansAnswer, SweepAnswer } from '../../functions/ops/contracts';
import { findTaggedResources } from '../../functions/ops/inventory';
import { listOrphans, sweepOrphan } from '../../functions/ops/routes-orphans';
import { findLeftovers } from '../../local/leftovers';
import { LOCAL_DEPLOYMENT, startLocalStack, type LocalStack } from '../../local/stack';
import { buildDefinition, scaleDefinitionTime, teardownDefinition } from '../../workflows';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';
import { apiEvent } from '../unit/api/api-fixtures';

/**
 * The sweep end to end on the embedded cloud: real builds (one closed network without a bastion, one with a
 * bastion), then seen from another stack that has none of their executions — the case "our execution history is
 * gone". There they are orphans; the sweep runs the real teardown workflow with the spec rebuilt from their tags,
 * and nothing tagged with them is left in EC2, ELBv2 or IAM.
 */
const REGION = 'ap-northeast-2';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const ROUTES: RouteTable<OperationsContext> = [
  { method: 'GET', path: '/orphans', route: listOrphans },
  { method: 'POST', path: '/orphans/{buildId}/sweep', route: sweepOrphan },
];

let stack: LocalStack;
let sfn: SFNClient;
/**
 * This stack's machines; the same deployment's after its state machines were replaced (a build of one has no
 * execution in the other: its history is lost); and another deployment's (prod beside dev), which must not touch ours.
 */
let ours: OperationsContext['machines'];
let another: OperationsContext['machines'];
let otherDeployment: OperationsContext['machines'];

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  sfn = new SFNClient({ region: REGION, endpoint: stack.url, credentials: LOCAL_CREDENTIALS });
  const machine = (arn: string) => parseStateMachineArn(arn)!;
  ours = { build: machine(stack.buildStateMachineArn), teardown: machine(stack.teardownStateMachineArn), deployment: LOCAL_DEPLOYMENT };
  const scaled = (definition: object) => scaleDefinitionTime(definition as never, stack.timeScale);
  another = {
    build: machine(stack.sfn.createStateMachine('another-build', scaled(buildDefinition()))),
    teardown: machine(stack.sfn.createStateMachine('another-teardown', scaled(teardownDefinition()))),
    deployment: LOCAL_DEPLOYMENT,
  };
  otherDeployment = { ...another, deployment: 'k8s-ec2-prod' };
});

afterAll(async () => {
  sfn.destroy();
  await stack.close();
});

jest.setTimeout(180_000);

const clients = () => createClients(REGION, stack.endpoints, stack.operatorCredentials);

async function call<B>(machines: OperationsContext['machines'], method: string, path: string): Promise<{ statusCode: number; body: B }> {
  const ctx = {
    event: apiEvent(method, path),
    sfn,
    machines,
    requestId: 'req-1',
    now: () => new Date(),
    random: Math.random,
    clientsFor: () => clients(),
    pricing: undefined as never,
    region: REGION,
  };
  const { result } = await routeIn(ROUTES, method, path, ctx);
  return { statusCode: result.statusCode, body: JSON.parse(result.body) as B };
}

async function build(name: string, extra: Record<string, unknown>): Promise<string> {
  const created = await api(stack, 'POST', '/builds', seoulBody(name, extra));
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);
  expect((await waitWhile(stack, buildId, 'RUNNING', 120_000)).status).toBe('SUCCEEDED');
  return buildId;
}

async function transitGateway(): Promise<string> {
  const res = await fetch(`${stack.cloud!.url}/_cloud/transit-gateways`, {
    method: 'POST',
    body: JSON.stringify({ autoAcceptSharedAttachments: true }),
  });
  return ((await res.json()) as { transitGatewayId: string }).transitGatewayId;
}

/** Polls the execution until it ends (bounded: the test fails rather than hangs). */
async function ended(executionArn: string): Promise<string | undefined> {
  for (const started = Date.now(); Date.now() - started < 120_000; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return status;
  }
  throw new Error(`${executionArn} still running after 120 s`);
}

it('lists builds whose executions it cannot see as orphans, and sweeps each to nothing from its tags alone', async () => {
  const gateway = await transitGateway();
  const [closed, withBastion] = await Promise.all([
    build('sweep-closed', {
      bastion: { enabled: false },
      egress: 'nat-per-az',
      endpoints: ['ssm', 'ssmmessages', 'ec2messages', 's3'],
      transitGateway: { id: gateway, routes: ['10.200.0.0/16', '192.168.0.0/16'] },
      loadBalancer: { ingress: [{ port: 8443, nodePort: 31443 }] },
    }),
    build('sweep-bastion', {}),
  ]);

  // This stack built them and they stand: not orphans, and DELETE is the way to remove them.
  expect((await call<OrphansAnswer>(ours, 'GET', '/orphans')).body.orphans).toEqual([]);
  const refused = await call<{ error: { code: string } }>(ours, 'POST', `/orphans/${closed}/sweep`);
  expect([refused.statusCode, refused.body.error.code]).toEqual([409, 'NOT_AN_ORPHAN']);

  // Another deployment in the account and region neither lists nor sweeps them, though it has no execution of them.
  expect((await call<OrphansAnswer>(otherDeployment, 'GET', '/orphans')).body.orphans).toEqual([]);
  const foreign = await call<{ error: { code: string; message: string } }>(otherDeployment, 'POST', `/orphans/${closed}/sweep`);
  expect([foreign.statusCode, foreign.body.error.code]).toEqual([409, 'CANNOT_SWEEP']);
  expect(foreign.body.error.message).toContain(`made by deployment "${LOCAL_DEPLOYMENT}"`);

  // The same deployment after its state machines were replaced has no execution of them: orphans, found from their tags.
  const listed = (await call<OrphansAnswer>(another, 'GET', '/orphans')).body.orphans;
  expect(listed.map((g) => [g.buildId, g.reason])).toEqual(
    expect.arrayContaining([
      [closed, 'no execution found (history deleted or its state machine replaced)'],
      [withBastion, 'no execution found (history deleted or its state machine replaced)'],
    ]),
  );
  const closedKinds = new Set(listed.find((g) => g.buildId === closed)!.resources.map((r) => r.type));
  for (const kind of [
    'loadbalancer',
    'targetgroup',
    'instance',
    'natgateway',
    'vpc-endpoint',
    'transit-gateway-attachment',
    'role',
    'instance-profile',
  ])
    expect(closedKinds).toContain(kind);

  for (const [buildId, name] of [
    [closed, 'sweep-closed'],
    [withBastion, 'sweep-bastion'],
  ]) {
    const swept = await call<SweepAnswer>(another, 'POST', `/orphans/${buildId}/sweep`);
    expect([swept.statusCode, swept.body.status]).toEqual([202, 'DESTROYING']);
    // A repeat while it runs answers the same execution.
    expect((await call<SweepAnswer>(another, 'POST', `/orphans/${buildId}/sweep`)).body.executionArn).toBe(swept.body.executionArn);
    expect(await ended(swept.body.executionArn)).toBe('SUCCEEDED');

    expect(await findTaggedResources(clients(), buildId)).toEqual([]);
    expect(stack.cloud!.resources(buildId)).toEqual([]);
    expect(await findLeftovers(buildId, name, REGION, stack.endpoints, stack.operatorCredentials)).toEqual([]);
    const again = await call<{ error: { code: string } }>(another, 'POST', `/orphans/${buildId}/sweep`);
    expect([again.statusCode, again.body.error.code]).toEqual([404, 'NOT_FOUND']);
  }
  expect((await call<OrphansAnswer>(another, 'GET', '/orphans')).body.orphans).toEqual([]);
});
