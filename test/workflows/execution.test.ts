import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import {
  AwsThrottled,
  PermissionDenied,
  PreflightFailed,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
} from '../../functions/core/errors';
import { carriedAllocationIds, carriedConnections, carriedInstanceIds } from '../../functions/core/carried';
import type { BuildResult, BuildState } from '../../functions/core/contracts';
import {
  BUILD_FAILURES,
  buildDefinition,
  scaleDefinitionTime,
  TEARDOWN_FAILED,
  teardownDefinition,
  type FailureRecord,
  type StateMachineDefinition,
} from '../../workflows';

/**
 * Runs the real definitions in aws-local-stepfunctions with fake in-process handlers, by state name (as the
 * local runtime does). Time is scaled ×1000 with scaleDefinitionTime, so a 10 s readiness poll takes 10 ms:
 * this also proves the runtime accepts the fractional intervals. (Node 20: jest's setupFiles load the
 * Promise.withResolvers polyfill the library needs; without it every Task would fail into its Catch.)
 */
const SCALE = 1000;
const INPUT = {
  buildId: 'fin-k8s-dev-20261125-ab12',
  executionArn: 'arn:aws:states:ap-northeast-2:123456789012:execution:k8s-ec2-build:fin-k8s-dev-20261125-ab12',
  specVersion: 2,
  // With a Transit Gateway, so that ConnectNetwork runs (a spec without connections skips it, tested below).
  spec: { name: 'fin-k8s-dev', region: 'ap-northeast-2', transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.200.0.0/16'] } },
};
const RESULT: BuildResult = {
  outputs: { buildId: INPUT.buildId, clusterName: 'fin-k8s-dev' } as BuildResult['outputs'],
  baseline: { checks: [{ id: 'nodes-imdsv2', ok: true, detail: 'all nodes require IMDSv2' }] },
};
const PIECES: Record<string, unknown> = {
  Preflight: { imageId: 'ami-0rhel8', imageName: 'RHEL-8.10', checks: ['azs'] },
  CreateNetwork: { vpcId: 'vpc-1', internetGatewayId: 'igw-1', complete: true },
  LaunchNodes: { complete: true, nodes: [{ name: 'fin-k8s-dev-cp-1', instanceId: 'i-1' }], generations: {}, unnamed: [] },
  CreateLoadBalancer: { loadBalancerArn: 'arn:lb', dnsName: 'lb.example' },
  LaunchBastion: { instanceId: 'i-b', allocationId: 'eipalloc-1', publicIp: '203.0.113.9', complete: true },
  ConnectNetwork: {
    natAddressIds: { 'ap-northeast-2a': 'eipalloc-nat-a' },
    natGatewayIds: { 'ap-northeast-2a': 'nat-a' },
    endpointIds: { ssm: 'vpce-ssm' },
    transitGatewayAttachmentId: 'tgw-attach-1',
    complete: true,
  },
  RegisterTargets: { registered: { api: ['i-1'] } },
  WaitUntilReady: { ready: true, waitSeconds: 0, pending: [], loadBalancerState: 'active' },
  VerifyBaseline: RESULT,
  // TerminateInstances' last answer: nothing left to wait for (TERMINATING below is one that loops).
  TerminateInstances: { step: 'teardown-instances', deleted: ['i-1'], complete: true, startedAt: '2026-11-25T10:00:00.000Z' },
  RollbackTerminateInstances: { step: 'teardown-instances', deleted: ['i-1'], complete: true, startedAt: '2026-11-25T10:00:00.000Z' },
};
/**
 * A TerminateInstances answer that asks to wait and look again. WaitForNetworkRelease reads its waitSeconds;
 * scaled, the `waitUntil` the local runtime adds beside it (local/step-roles.ts). Now: the runs stay fast.
 */
const TERMINATING = {
  step: 'teardown-instances',
  deleted: ['i-1'],
  complete: false,
  waitSeconds: 47,
  waitUntil: new Date().toISOString(),
  startedAt: '2026-11-25T10:00:00.000Z',
  instancesTerminatingAt: '2026-11-25T10:00:00.000Z',
};

/** What a scripted call does: an Error is thrown, anything else returned. */
type Behaviour = unknown;
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** The two event kinds we read (the library does not export its event types). */
type Event = { type: string; state?: { name: string; type: string; input: unknown } };
interface Run {
  output?: unknown;
  error?: { name: string; cause: string };
  /** The input of the Fail state the execution ended in (it holds `$.failure`). */
  failInput?: { failure?: FailureRecord };
  entered: string[];
  retried: string[];
  calls: Record<string, unknown[]>;
}

/**
 * Every Task answers with its piece unless `script[state]` says otherwise: a list of what the next calls
 * do (an Error is thrown, anything else returned), the last entry repeating.
 */
async function execute(
  definition: StateMachineDefinition,
  script: Record<string, Behaviour[]> = {},
  input: Record<string, unknown> = INPUT,
): Promise<Run> {
  const calls: Record<string, unknown[]> = {};
  const handler =
    (state: string) =>
    (input: unknown): Promise<unknown> => {
      (calls[state] ??= []).push(input);
      const plan = script[state] ?? [PIECES[state] ?? { step: state, deleted: [] }];
      const next = plan[Math.min(calls[state].length, plan.length) - 1];
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    };
  const names = Object.keys(PIECES).concat(
    ['DeleteLoadBalancer', 'TerminateInstances', 'DeleteNetwork'].flatMap((n) => [n, `Rollback${n}`]),
  );
  const machine = new StateMachine(scaleDefinitionTime(definition, SCALE) as never);
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: Object.fromEntries(names.map((n) => [n, handler(n)])) as LocalHandlers },
  });
  const run: Run = { entered: [], retried: [], calls };
  try {
    run.output = await execution.result;
  } catch (error) {
    const failed = (error as { cause?: Error }).cause!;
    run.error = { name: failed.name, cause: failed.message };
  }
  for await (const event of execution.eventLogs as AsyncGenerator<Event>) {
    if (event.type === 'StateEntered') run.entered.push(event.state!.name);
    if (event.type === 'StateEntered' && event.state!.type === 'Fail') run.failInput = event.state!.input as Run['failInput'];
    if (event.type === 'StateRetried') run.retried.push(event.state!.name);
  }
  return run;
}

const failure = (run: Run): FailureRecord => JSON.parse(run.error!.cause) as FailureRecord;
const ROLLBACK = ['RollbackDeleteLoadBalancer', 'RollbackTerminateInstances', 'RollbackDeleteNetwork'];
const rollbackOf = (run: Run) => run.entered.filter((s) => ROLLBACK.includes(s));
const BRANCHES = ['LaunchNodes', 'CreateLoadBalancer', 'LaunchBastion', 'ConnectNetwork'];
/** Every state inside the branches: the Tasks plus the completion loops. */
const BRANCH_STATES = [
  ...BRANCHES,
  'NodesComplete?',
  'NodesLaunched',
  'BastionComplete?',
  'BastionLaunched',
  'ConnectionsWanted?',
  'ConnectionsComplete?',
  'NetworkConnected',
  'NoConnections',
];
/** What CreateNetwork / LaunchBastion answer right after a create that takes no ClientToken. */
const VPC_CREATED = { complete: false, vpcId: 'vpc-1' };
const GATEWAY_CREATED = { complete: false, vpcId: 'vpc-1', internetGatewayId: 'igw-1' };
const ADDRESS_ALLOCATED = { instanceId: 'i-b', allocationId: 'eipalloc-1', publicIp: '203.0.113.9', complete: false };
/** What ConnectNetwork answers right after allocating a NAT address, then after creating the attachment. */
const NAT_ADDRESS_ALLOCATED = {
  natAddressIds: { 'ap-northeast-2a': 'eipalloc-nat-a' },
  natGatewayIds: {},
  endpointIds: {},
  complete: false,
};
const ATTACHMENT_CREATED = { ...NAT_ADDRESS_ALLOCATED, transitGatewayAttachmentId: 'tgw-attach-1' };
const NODES_PARTLY_LAUNCHED = {
  complete: false,
  nodes: [{ name: 'fin-k8s-dev-cp-1', instanceId: 'i-1' }],
  generations: { 'worker/ap-northeast-2a': 1 },
  unnamed: [],
};

describe('the build machine, executed', () => {
  it('succeeds with the BuildResult { outputs, baseline } as its output', async () => {
    const run = await execute(buildDefinition());
    expect(run.error).toBeUndefined();
    expect(run.output).toEqual(RESULT);
    // Branch events interleave as the branches run; the top level is a fixed sequence.
    expect(run.entered.filter((s) => !BRANCH_STATES.includes(s))).toEqual([
      'Preflight',
      'CreateNetwork',
      'NetworkComplete?',
      'ProvisionInParallel',
      'CheckProvisioning',
      'MergeProvisioned',
      'WaitUntilReady',
      'Ready?',
      'RegisterTargets',
      'VerifyBaseline',
      'BuildSucceeded',
    ]);
    // This spec asks for a Transit Gateway: ConnectNetwork runs, NoConnections does not.
    expect([...run.entered].filter((s) => BRANCH_STATES.includes(s)).sort()).toEqual(
      BRANCH_STATES.filter((s) => s !== 'NoConnections').sort(),
    );
    expect(rollbackOf(run)).toEqual([]);
  });

  it.each([
    ['no option at all', { name: 'fin-k8s-dev', region: 'ap-northeast-2' }],
    ['egress "none", no endpoints, no gateway', { name: 'fin-k8s-dev', egress: 'none', endpoints: [] }],
  ])('skips ConnectNetwork (no Lambda call) for a spec with %s, and merges empty connections', async (_what, spec) => {
    const run = await execute(buildDefinition(), {}, { ...INPUT, spec });
    expect(run.error).toBeUndefined();
    expect(run.calls.ConnectNetwork).toBeUndefined();
    expect(run.entered).toContain('NoConnections');
    expect(run.calls.RegisterTargets[0]).toMatchObject({ connections: { complete: true, natGatewayIds: {}, endpointIds: {} } });
  });

  it.each([
    ['NAT egress', { egress: 'nat-single' }],
    ['an endpoint', { egress: 'none', endpoints: ['s3'] }],
  ])('runs ConnectNetwork for a spec with %s', async (_what, options) => {
    const run = await execute(buildDefinition(), {}, { ...INPUT, spec: { name: 'fin-k8s-dev', ...options } });
    expect(run.error).toBeUndefined();
    expect(run.calls.ConnectNetwork).toHaveLength(1);
  });

  it('hands each step the state grown so far, the parallel pieces merged back in', async () => {
    const run = await execute(buildDefinition());
    expect(run.calls.LaunchNodes[0]).toEqual({ ...INPUT, preflight: PIECES.Preflight, network: PIECES.CreateNetwork });
    const merged = {
      ...INPUT,
      preflight: PIECES.Preflight,
      network: PIECES.CreateNetwork,
      nodes: (PIECES.LaunchNodes as { nodes: unknown }).nodes,
      loadBalancer: PIECES.CreateLoadBalancer,
      bastion: PIECES.LaunchBastion,
      connections: PIECES.ConnectNetwork,
    };
    expect(run.calls.WaitUntilReady[0]).toEqual(merged);
    // Registration comes after readiness: ELBv2 registers running instances only.
    expect(run.calls.RegisterTargets[0]).toEqual({ ...merged, readiness: PIECES.WaitUntilReady });
    expect(run.calls.ConnectNetwork[0]).toEqual({ ...INPUT, preflight: PIECES.Preflight, network: PIECES.CreateNetwork });
    expect(run.calls.VerifyBaseline[0]).toMatchObject({ targets: PIECES.RegisterTargets, readiness: PIECES.WaitUntilReady });
  });

  it('runs CreateNetwork again with what it returned until it answers complete: the VPC, then the gateway, then the rest', async () => {
    const run = await execute(buildDefinition(), { CreateNetwork: [VPC_CREATED, GATEWAY_CREATED, PIECES.CreateNetwork] });
    expect(run.output).toEqual(RESULT);
    expect(run.calls.CreateNetwork.map((input) => (input as { network?: unknown }).network)).toEqual([
      undefined,
      VPC_CREATED,
      GATEWAY_CREATED,
    ]);
    expect(run.entered.slice(0, 8)).toEqual([
      'Preflight',
      'CreateNetwork',
      'NetworkComplete?',
      'CreateNetwork',
      'NetworkComplete?',
      'CreateNetwork',
      'NetworkComplete?',
      'ProvisionInParallel',
    ]);
    expect(run.calls.LaunchNodes[0]).toMatchObject({ network: PIECES.CreateNetwork });
  });

  it('hands the created VPC id to the retry after a throttle in the next run, so it is never created twice', async () => {
    const run = await execute(buildDefinition(), {
      CreateNetwork: [VPC_CREATED, new AwsThrottled('ModifyVpcAttribute: RequestLimitExceeded'), PIECES.CreateNetwork],
    });
    expect(run.output).toEqual(RESULT);
    expect(run.retried.filter((s) => s === 'CreateNetwork')).toHaveLength(1);
    expect(run.calls.CreateNetwork.map((input) => (input as { network?: unknown }).network)).toEqual([undefined, VPC_CREATED, VPC_CREATED]);
  });

  it('runs LaunchBastion again inside its branch with the allocated address until it answers complete', async () => {
    const run = await execute(buildDefinition(), { LaunchBastion: [ADDRESS_ALLOCATED, PIECES.LaunchBastion] });
    expect(run.output).toEqual(RESULT);
    expect(run.calls.LaunchBastion.map((input) => (input as { bastion?: unknown }).bastion)).toEqual([undefined, ADDRESS_ALLOCATED]);
    expect(run.entered.filter((s) => ['LaunchBastion', 'BastionComplete?', 'BastionLaunched'].includes(s))).toEqual([
      'LaunchBastion',
      'BastionComplete?',
      'LaunchBastion',
      'BastionComplete?',
      'BastionLaunched',
    ]);
    expect(run.calls.RegisterTargets[0]).toMatchObject({ bastion: PIECES.LaunchBastion });
  });

  it('runs ConnectNetwork again inside its branch with the ids made so far until it answers complete', async () => {
    const run = await execute(buildDefinition(), { ConnectNetwork: [NAT_ADDRESS_ALLOCATED, ATTACHMENT_CREATED, PIECES.ConnectNetwork] });
    expect(run.output).toEqual(RESULT);
    expect(run.calls.ConnectNetwork.map((input) => (input as { connections?: unknown }).connections)).toEqual([
      undefined,
      NAT_ADDRESS_ALLOCATED,
      ATTACHMENT_CREATED,
    ]);
    expect(run.entered.filter((s) => ['ConnectNetwork', 'ConnectionsComplete?', 'NetworkConnected'].includes(s))).toEqual([
      'ConnectNetwork',
      'ConnectionsComplete?',
      'ConnectNetwork',
      'ConnectionsComplete?',
      'ConnectNetwork',
      'ConnectionsComplete?',
      'NetworkConnected',
    ]);
    expect(run.calls.RegisterTargets[0]).toMatchObject({ connections: PIECES.ConnectNetwork });
  });

  it('waits for a Transit Gateway attachment to be accepted (ResourceNotReady), then carries on', async () => {
    const pending = new ResourceNotReady(
      'attachment tgw-attach-1 is pendingAcceptance: accept attachment tgw-attach-1 in account 111122223333',
    );
    const run = await execute(buildDefinition(), { ConnectNetwork: [ATTACHMENT_CREATED, pending, pending, PIECES.ConnectNetwork] });
    expect(run.output).toEqual(RESULT);
    expect(run.retried.filter((s) => s === 'ConnectNetwork')).toHaveLength(2);
    expect(rollbackOf(run)).toEqual([]);
  });

  it('hands the rollback the NAT address and attachment ids when ConnectNetwork fails for good after making them', async () => {
    const run = await execute(buildDefinition(), {
      ConnectNetwork: [NAT_ADDRESS_ALLOCATED, ATTACHMENT_CREATED, new PermissionDenied('CreateNatGateway: UnauthorizedOperation')],
    });
    expect(rollbackOf(run)).toEqual(ROLLBACK);
    expect(failure(run)).toMatchObject({ failedStep: 'ConnectNetwork', error: 'PermissionDenied' });
    expect(carriedConnections(run.calls.RollbackDeleteNetwork[0] as BuildState)).toEqual(ATTACHMENT_CREATED);
  });

  it('runs LaunchNodes again inside its branch with the nodes launched so far until it answers complete', async () => {
    const run = await execute(buildDefinition(), { LaunchNodes: [NODES_PARTLY_LAUNCHED, PIECES.LaunchNodes] });
    expect(run.output).toEqual(RESULT);
    expect(run.calls.LaunchNodes.map((input) => (input as { nodeLaunch?: unknown }).nodeLaunch)).toEqual([
      undefined,
      NODES_PARTLY_LAUNCHED,
    ]);
    expect(run.calls.RegisterTargets[0]).toMatchObject({ nodes: (PIECES.LaunchNodes as { nodes: unknown }).nodes });
  });

  it('hands the rollback the instance ids the branches launched when LaunchNodes fails for good part-way', async () => {
    const run = await execute(buildDefinition(), {
      LaunchNodes: [NODES_PARTLY_LAUNCHED, new PermissionDenied('RunInstances: UnauthorizedOperation')],
      LaunchBastion: [ADDRESS_ALLOCATED, PIECES.LaunchBastion],
    });
    expect(rollbackOf(run)).toEqual(ROLLBACK);
    const rollbackInput = run.calls.RollbackTerminateInstances[0] as BuildState;
    expect(carriedInstanceIds(rollbackInput).sort()).toEqual(['i-1', 'i-b']);
    expect(carriedAllocationIds(rollbackInput)).toEqual(['eipalloc-1']);
  });

  it('runs RollbackTerminateInstances again after its wait while it answers complete: false, then RollbackDeleteNetwork', async () => {
    const run = await execute(buildDefinition(), {
      LaunchNodes: [new PermissionDenied('RunInstances: UnauthorizedOperation')],
      RollbackTerminateInstances: [TERMINATING, PIECES.RollbackTerminateInstances],
    });
    expect(run.entered.filter((s) => s.startsWith('Rollback'))).toEqual([
      'RollbackDeleteLoadBalancer',
      'RollbackTerminateInstances',
      'RollbackWaitAsked?',
      'RollbackWaitForNetworkRelease',
      'RollbackTerminateInstances',
      'RollbackWaitAsked?',
      'RollbackDeleteNetwork',
    ]);
    // The second run reads the first one's answer (its loop's start), beside the build's state.
    expect(run.calls.RollbackTerminateInstances[1]).toMatchObject({
      teardownInstances: TERMINATING,
      failure: { failedStep: 'LaunchNodes', error: 'PermissionDenied' },
    });
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
  });

  it('goes on when a piece says nothing about completeness: only an explicit complete: false loops, so no loop can spin forever', async () => {
    const withoutComplete = (piece: unknown) =>
      Object.fromEntries(Object.entries(piece as Record<string, unknown>).filter(([key]) => key !== 'complete'));
    const network = withoutComplete(PIECES.CreateNetwork);
    const bastion = withoutComplete(PIECES.LaunchBastion);
    const connections = withoutComplete(PIECES.ConnectNetwork);
    const run = await execute(buildDefinition(), { CreateNetwork: [network], LaunchBastion: [bastion], ConnectNetwork: [connections] });
    expect(run.output).toEqual(RESULT);
    expect([run.calls.CreateNetwork, run.calls.LaunchBastion, run.calls.ConnectNetwork].map((calls) => calls.length)).toEqual([1, 1, 1]);
  });

  it('gives the rollback the VPC id when CreateNetwork fails for good after creating it', async () => {
    const run = await execute(buildDefinition(), {
      CreateNetwork: [VPC_CREATED, new PermissionDenied('CreateInternetGateway: UnauthorizedOperation')],
    });
    expect(rollbackOf(run)).toEqual(ROLLBACK);
    expect(run.calls.RollbackDeleteNetwork[0]).toMatchObject({
      network: VPC_CREATED,
      failure: { failedStep: 'CreateNetwork', error: 'PermissionDenied' },
    });
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
  });

  it.each([
    ['WaitUntilReady', new AwsThrottled('DescribeInstanceStatus: RequestLimitExceeded')],
    ['LaunchNodes', new AwsThrottled('RunInstances: RequestLimitExceeded')],
    ['RegisterTargets', Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' })],
  ])('retries %s after %p twice, then carries on (the state machine waits, not the handler)', async (state, error) => {
    const run = await execute(buildDefinition(), { [state]: [error, error, PIECES[state]] });
    expect(run.output).toEqual(RESULT);
    expect(run.calls[state]).toHaveLength(3);
    expect(run.retried.filter((s) => s === state)).toHaveLength(2);
  });

  it('waits the seconds WaitUntilReady asks for (ExpectReady), checks again, and goes on once it answers ready', async () => {
    // `waitUntil` is what the local runtime adds to a step's waitSeconds for the scaled Wait (local/step-roles.ts).
    const waitUntil = new Date().toISOString();
    const notReady = (waitSeconds: number) => ({ ready: false, waitSeconds, waitUntil, pending: ['i-1: running, system initializing'] });
    const run = await execute(buildDefinition(), { WaitUntilReady: [notReady(0), notReady(0), PIECES.WaitUntilReady] });
    expect(run.output).toEqual(RESULT);
    expect(run.entered.filter((s) => ['WaitUntilReady', 'Ready?', 'ExpectReady', 'RegisterTargets'].includes(s))).toEqual([
      ...['WaitUntilReady', 'Ready?', 'ExpectReady'],
      ...['WaitUntilReady', 'Ready?', 'ExpectReady'],
      ...['WaitUntilReady', 'Ready?', 'RegisterTargets'],
    ]);
    // Each check sees what the last one answered, to carry what it learnt.
    expect(run.calls.WaitUntilReady.map((input) => (input as BuildState).readiness)).toEqual([undefined, notReady(0), notReady(0)]);
    expect(run.retried).not.toContain('WaitUntilReady');
  });

  it('goes on when WaitUntilReady answers without `ready` (the release before the loop answered only when ready)', async () => {
    const run = await execute(buildDefinition(), { WaitUntilReady: [{ loadBalancerState: 'active' }] });
    expect(run.output).toEqual(RESULT);
    expect(run.entered).not.toContain('ExpectReady');
  });

  it('rolls back, without a readiness Retry, when WaitUntilReady gives up at its bound (ResourceNotReady)', async () => {
    const run = await execute(buildDefinition(), {
      WaitUntilReady: [new ResourceNotReady('still not ready 20 minutes after the launch (1 thing(s)): i-1: running, system initializing')],
    });
    expect(run.calls.WaitUntilReady).toHaveLength(1);
    expect(run.calls.RegisterTargets).toBeUndefined();
    expect(rollbackOf(run)).toEqual(ROLLBACK);
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
    expect(failure(run)).toMatchObject({
      failedStep: 'WaitUntilReady',
      error: 'ResourceNotReady',
      cause: expect.stringMatching(/^still not ready/) as unknown,
    });
  });

  it('rolls back after a terminal error in CreateLoadBalancer, without retrying it, once the other branches finished', async () => {
    const run = await execute(buildDefinition(), { CreateLoadBalancer: [new QuotaExceeded('CreateLoadBalancer: TooManyLoadBalancers')] });
    expect(run.calls.CreateLoadBalancer).toHaveLength(1);
    expect(run.calls.LaunchNodes).toHaveLength(1);
    expect(run.calls.LaunchBastion).toHaveLength(1);
    expect(rollbackOf(run)).toEqual(ROLLBACK);
    expect(run.calls.RegisterTargets).toBeUndefined();
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
    expect(failure(run)).toEqual({
      failedStep: 'CreateLoadBalancer',
      error: 'QuotaExceeded',
      cause: 'CreateLoadBalancer: TooManyLoadBalancers',
    });
    expect(run.entered.at(-1)).toBe(BUILD_FAILURES.rolledBack);
  });

  it('gives the rollback steps the build id, the spec and what is known of the build', async () => {
    const run = await execute(buildDefinition(), { RegisterTargets: [new QuotaExceeded('TooManyTargets')] });
    expect(run.calls.RollbackDeleteLoadBalancer[0]).toMatchObject({
      ...INPUT,
      network: PIECES.CreateNetwork,
      loadBalancer: PIECES.CreateLoadBalancer,
      failure: { failedStep: 'RegisterTargets', error: 'QuotaExceeded', cause: 'TooManyTargets' },
    });
  });

  it.each(['CreateNetwork', 'LaunchNodes', 'LaunchBastion', 'ConnectNetwork', 'RegisterTargets', 'WaitUntilReady', 'VerifyBaseline'])(
    'rolls back when %s fails for good, naming it in the cause',
    async (state) => {
      const run = await execute(buildDefinition(), { [state]: [new PermissionDenied(`${state}: UnauthorizedOperation`)] });
      expect(rollbackOf(run)).toEqual(ROLLBACK);
      expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
      expect(failure(run)).toEqual({ failedStep: state, error: 'PermissionDenied', cause: `${state}: UnauthorizedOperation` });
    },
  );

  it('ends RollbackFailed, naming both steps, when a rollback step fails for good', async () => {
    const run = await execute(buildDefinition(), {
      LaunchNodes: [new QuotaExceeded('VcpuLimitExceeded')],
      RollbackTerminateInstances: [new PermissionDenied('TerminateInstances: UnauthorizedOperation')],
    });
    expect(rollbackOf(run)).toEqual(['RollbackDeleteLoadBalancer', 'RollbackTerminateInstances']);
    expect(run.entered.slice(-3)).toEqual(['RecordRollbackTerminateInstancesFailure', 'ExplainRollbackFailed', 'RollbackFailed']);
    expect(run.calls.RollbackDeleteNetwork).toBeUndefined();
    expect(run.error?.name).toBe(BUILD_FAILURES.rollbackFailed);
    expect(failure(run)).toEqual({
      failedStep: 'LaunchNodes',
      error: 'QuotaExceeded',
      cause: 'VcpuLimitExceeded',
      rollback: { failedStep: 'RollbackTerminateInstances', error: 'PermissionDenied', cause: 'TerminateInstances: UnauthorizedOperation' },
    });
  });

  it('waits through lingering dependencies during a rollback', async () => {
    const run = await execute(buildDefinition(), {
      VerifyBaseline: [new QuotaExceeded('baseline')],
      RollbackDeleteNetwork: [new ResourceNotReady('DependencyViolation: eni-1 in use'), { step: 'network', deleted: ['vpc-1'] }],
    });
    expect(run.retried).toContain('RollbackDeleteNetwork');
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
  });

  it('ends PreflightFailed without creating or rolling back anything', async () => {
    const run = await execute(buildDefinition(), { Preflight: [new PreflightFailed('key pair fin-k8s-key not found')] });
    expect(run.calls.Preflight).toHaveLength(1);
    expect(run.calls.CreateNetwork).toBeUndefined();
    expect(rollbackOf(run)).toEqual([]);
    expect(run.error?.name).toBe(BUILD_FAILURES.preflight);
    expect(failure(run)).toEqual({ failedStep: 'Preflight', error: 'PreflightFailed', cause: 'key pair fin-k8s-key not found' });
  });

  it('does not wait on a Preflight that answers ResourceNotReady: its checks are verdicts', async () => {
    const run = await execute(buildDefinition(), { Preflight: [new ResourceNotReady('AMI pending')] });
    expect(run.calls.Preflight).toHaveLength(1);
    expect(run.error?.name).toBe(BUILD_FAILURES.preflight);
  });
});

describe('failure causes in aws-local-stepfunctions@3', () => {
  // That library strips backslashes from intrinsic results, so a cause that itself holds quotes (as a
  // Lambda's JSON cause does) is not valid JSON after States.JsonToString there; in AWS it is. The Fail
  // state's input keeps the structured record either way: this is what the local runtime should read.
  it("keeps the structured failure record in the Fail state's input even when the cause has quotes", async () => {
    const lambdaCause = JSON.stringify({ errorType: 'QuotaExceeded', errorMessage: 'limit "5" reached' });
    const run = await execute(buildDefinition(), { LaunchBastion: [Object.assign(new Error(lambdaCause), { name: 'QuotaExceeded' })] });
    expect(run.error?.name).toBe(BUILD_FAILURES.rolledBack);
    expect(run.failInput?.failure).toEqual({ failedStep: 'LaunchBastion', error: 'QuotaExceeded', cause: lambdaCause });
  });
});

describe('the teardown machine, executed', () => {
  it('deletes in order, runs TerminateInstances again after the wait it asks for, and polls DeleteNetwork through ResourceNotReady', async () => {
    const run = await execute(teardownDefinition(), {
      DeleteLoadBalancer: [new ResourceNotReady('load balancer deleting'), { step: 'load-balancer', deleted: ['arn:lb'] }],
      TerminateInstances: [TERMINATING, { ...TERMINATING, deleted: ['i-1', 'i-late'] }, PIECES.TerminateInstances],
      DeleteNetwork: [new ResourceNotReady('eni lingers'), new ResourceNotReady('eni lingers'), { step: 'network', deleted: ['vpc-1'] }],
    });
    expect(run.error).toBeUndefined();
    expect(run.entered).toEqual([
      'DeleteLoadBalancer',
      'TerminateInstances',
      'WaitAsked?',
      'WaitForNetworkRelease',
      'TerminateInstances',
      'WaitAsked?',
      'WaitForNetworkRelease',
      'TerminateInstances',
      'WaitAsked?',
      'DeleteNetwork',
      'Destroyed',
    ]);
    expect(run.retried).toEqual(['DeleteLoadBalancer', 'DeleteNetwork', 'DeleteNetwork']);
    expect(run.output).toMatchObject({ ...INPUT, teardownLoadBalancer: { deleted: ['arn:lb'] }, teardownNetwork: { deleted: ['vpc-1'] } });
  });

  it('hands DeleteNetwork what the earlier steps answered, and TerminateInstances what DeleteLoadBalancer recorded and its own last answer', async () => {
    const deletedAt = '2026-11-25T10:00:00.000Z';
    const run = await execute(teardownDefinition(), {
      DeleteLoadBalancer: [{ step: 'teardown-load-balancer', deleted: ['arn:lb'], loadBalancerDeletedAt: deletedAt }],
      TerminateInstances: [TERMINATING, PIECES.TerminateInstances],
    });
    expect(run.calls.TerminateInstances[0]).toMatchObject({ teardownLoadBalancer: { loadBalancerDeletedAt: deletedAt } });
    expect(run.calls.TerminateInstances[0]).not.toHaveProperty('teardownInstances');
    expect(run.calls.TerminateInstances[1]).toMatchObject({
      teardownLoadBalancer: { loadBalancerDeletedAt: deletedAt },
      teardownInstances: TERMINATING,
    });
    expect(run.calls.TerminateInstances).toHaveLength(2);
    expect(run.calls.DeleteNetwork[0]).toMatchObject({ teardownInstances: PIECES.TerminateInstances });
  });

  it('goes straight to DeleteNetwork when TerminateInstances has nothing to wait for (a rollback after CreateNetwork failed)', async () => {
    const run = await execute(teardownDefinition());
    expect(run.error).toBeUndefined();
    expect(run.entered).toEqual(['DeleteLoadBalancer', 'TerminateInstances', 'WaitAsked?', 'DeleteNetwork', 'Destroyed']);
  });

  it.each([
    ['no complete and no wait (a function deployed before the wait)', { step: 'teardown-instances', deleted: [] }],
    [
      'waitSeconds but no complete (a function deployed before the loop: it always asked for a wait, so looping on it would never end)',
      { step: 'teardown-instances', deleted: [], waitSeconds: 5, waitUntil: new Date().toISOString() },
    ],
  ])('goes straight to DeleteNetwork, once, on an answer with %s', async (_case, answer) => {
    const run = await execute(teardownDefinition(), { TerminateInstances: [answer] });
    expect(run.error).toBeUndefined();
    expect(run.calls.TerminateInstances).toHaveLength(1);
    expect(run.entered).toEqual(['DeleteLoadBalancer', 'TerminateInstances', 'WaitAsked?', 'DeleteNetwork', 'Destroyed']);
  });

  it('ends TeardownFailed, without a retry, when TerminateInstances gives up at its bound (ResourceConflict)', async () => {
    const run = await execute(teardownDefinition(), {
      TerminateInstances: [TERMINATING, new ResourceConflict('instance(s) i-stuck still not terminated 20 minutes after')],
    });
    expect(run.calls.TerminateInstances).toHaveLength(2);
    expect(run.retried).toEqual([]);
    expect(run.calls.DeleteNetwork).toBeUndefined();
    expect(run.error?.name).toBe(TEARDOWN_FAILED);
    expect(failure(run)).toMatchObject({ failedStep: 'TerminateInstances', error: 'ResourceConflict' });
  });

  it('ends TeardownFailed with a cause naming the step and the error', async () => {
    const run = await execute(teardownDefinition(), {
      TerminateInstances: [new PermissionDenied('TerminateInstances: UnauthorizedOperation')],
    });
    expect(run.calls.DeleteNetwork).toBeUndefined();
    expect(run.error?.name).toBe(TEARDOWN_FAILED);
    expect(failure(run)).toEqual({
      failedStep: 'TerminateInstances',
      error: 'PermissionDenied',
      cause: 'TerminateInstances: UnauthorizedOperation',
    });
  });
});
