import validate from 'asl-validator';
import { ALL_ERROR_NAMES, READINESS_ERROR, TERMINAL_ERRORS, THROTTLE_ERRORS, TRANSIENT_ERRORS } from '../../functions/core/errors';
import type { State, StateMachineDefinition, TaskState } from '../../workflows/asl';
import {
  allStates,
  BASTION_COMPLETE,
  BUILD_FAILURES,
  buildDefinition,
  NETWORK_COMPLETE,
  NODES_COMPLETE,
  definitionSubstitutionNames,
  LAMBDA_SERVICE_RETRY,
  READINESS_RETRY,
  retryWaitBound,
  scaleDefinitionTime,
  STEP_FUNCTIONS,
  TEARDOWN_FAILED,
  teardownDefinition,
  toJson,
  TRANSIENT_AWS_RETRY,
} from '../../workflows';
import { CONNECTIONS_COMPLETE, EXPECT_READY, READY, WAIT_UNTIL_READY } from '../../workflows/build';
import { READINESS_BOUND_SECONDS } from '../../functions/core/readiness-schedule';
import { TEARDOWN_BOUND_SECONDS } from '../../functions/core/teardown-wait';
import { AWAITING_ACTION_RETRY, LAMBDA_THROTTLE_ERROR, THROTTLE_RETRY } from '../../workflows/policies';
import { NOTIFY_FUNCTION, TASK_FUNCTIONS } from '../../workflows/steps';

const DEFINITIONS: Array<[string, () => StateMachineDefinition]> = [
  ['build', buildDefinition],
  ['teardown', teardownDefinition],
];
const tasksOf = (d: StateMachineDefinition) => allStates(d).filter((e): e is [string, TaskState] => e[1].Type === 'Task');
/** The Tasks that run a step (not the notify function, which tells a person what a step waits for). */
const isStepTask = (task: TaskState) => Object.values(STEP_FUNCTIONS).some((s) => task.Resource === `\${${s.substitution}}`);
const stepTasksOf = (d: StateMachineDefinition) => tasksOf(d).filter(([, task]) => isStepTask(task));
const retriersOf = (state: State) => ('Retry' in state && state.Retry ? state.Retry : []);
const catchersOf = (state: State) => ('Catch' in state && state.Catch ? state.Catch : []);
const retrierFor = (task: TaskState, error: string) => task.Retry.find((r) => r.ErrorEquals.includes(error));
/** Tasks whose "not ready" is a verdict, not a reason to wait. */
const NO_READINESS_WAIT = [
  'Preflight',
  'VerifyBaseline',
  // It answers ready: false and the ExpectReady Wait waits (see the readiness loop below); its bound's ResourceNotReady must roll back.
  'WaitUntilReady',
];
/** Lambda's own failures (LAMBDA_SERVICE_RETRY); its throttle, Lambda.TooManyRequestsException, is a throttle (THROTTLE_RETRY). */
const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];
/**
 * The error names Step Functions itself raises (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html),
 * and Lambda.Unknown for a function that died without a result: a Retry or Catch naming anything else never matches.
 */
const STATES_ERRORS = [
  'States.ALL',
  'States.BranchFailed',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
];
const KNOWN_ERRORS = new Set([...ALL_ERROR_NAMES, ...LAMBDA_ERRORS, 'Lambda.TooManyRequestsException', 'Lambda.Unknown', ...STATES_ERRORS]);

describe.each(DEFINITIONS)('the %s definition', (_, define) => {
  const definition = define();
  const tasks = tasksOf(definition);

  it('is valid ASL for asl-validator (ARNs and paths checked)', () => {
    // The validator writes QueryLanguage into the states it checks: give it a copy.
    const result = validate(structuredClone(definition), { checkArn: true, checkPaths: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath only: no QueryLanguage other than JSONPath and no JSONata expressions', () => {
    const json = toJson(definition);
    expect(json).not.toMatch(/\{%/);
    expect(json).not.toMatch(/"QueryLanguage":\s*"JSONata"/);
    expect(JSON.parse(json)).toEqual(definition);
  });

  it.each(tasksOf(define()).map(([name]) => name))('Task %s retries Lambda service errors with full jitter', (name) => {
    const task = tasks.find(([n]) => n === name)![1];
    for (const error of LAMBDA_ERRORS) {
      expect(retrierFor(task, error)).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2, MaxAttempts: 6 });
    }
  });

  it.each(stepTasksOf(define()).map(([name]) => name))('Task %s retries our transient errors with capped, jittered backoff', (name) => {
    const task = tasks.find(([n]) => n === name)![1];
    for (const error of TRANSIENT_ERRORS) {
      const retrier = retrierFor(task, error);
      expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: 30 });
      expect(retrier!.BackoffRate).toBeGreaterThan(1);
    }
  });

  it.each(stepTasksOf(define()).map(([name]) => name))('Task %s retries a throttle for minutes, with capped, jittered backoff', (name) => {
    const task = tasks.find(([n]) => n === name)![1];
    for (const error of THROTTLE_ERRORS) expect(retrierFor(task, error)).toEqual(THROTTLE_RETRY);
  });

  it.each(stepTasksOf(define()).map(([name]) => name))(
    "Task %s waits out Lambda's own throttle (TooManyRequestsException) by time, as any throttle, not by LAMBDA_SERVICE_RETRY's 6 attempts",
    (name) => {
      const task = tasks.find(([n]) => n === name)![1];
      expect(LAMBDA_THROTTLE_ERROR).toBe('Lambda.TooManyRequestsException');
      expect(retrierFor(task, LAMBDA_THROTTLE_ERROR)).toEqual(THROTTLE_RETRY);
      // Only one retrier names it (Step Functions uses the first that matches).
      expect(task.Retry.filter((r) => r.ErrorEquals.includes(LAMBDA_THROTTLE_ERROR))).toHaveLength(1);
    },
  );

  it.each(stepTasksOf(define()).map(([name]) => name))(
    'Task %s lists its retriers in one order: Lambda service, throttle, transient, readiness, action',
    (name) => {
      const task = tasks.find(([n]) => n === name)![1];
      const order = [LAMBDA_SERVICE_RETRY, THROTTLE_RETRY, TRANSIENT_AWS_RETRY, READINESS_RETRY, AWAITING_ACTION_RETRY];
      const positions = task.Retry.map((retrier) => order.findIndex((known) => known.ErrorEquals[0] === retrier.ErrorEquals[0]));
      expect(positions).not.toContain(-1);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(positions.slice(0, 3)).toEqual([0, 1, 2]);
    },
  );

  it.each(stepTasksOf(define()).map(([name]) => name))('Task %s waits on ResourceNotReady only where waiting is its job', (name) => {
    const task = tasks.find(([n]) => n === name)![1];
    expect(retrierFor(task, READINESS_ERROR)).toEqual(NO_READINESS_WAIT.includes(name) ? undefined : READINESS_RETRY);
  });

  it.each(stepTasksOf(define()).map(([name]) => name))('Task %s has a timeout and catches everything into $.error', (name) => {
    const task = tasks.find(([n]) => n === name)![1];
    const entry = Object.values(STEP_FUNCTIONS).find((s) => task.Resource === `\${${s.substitution}}`);
    expect(entry).toBeDefined();
    expect(task.TimeoutSeconds).toBe(entry!.timeoutSeconds);
    expect(Number.isInteger(task.TimeoutSeconds)).toBe(true);
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `Record${name}Failure` }]);
    expect(definition.States[`Record${name}Failure`] ?? allStates(definition).find(([n]) => n === `Record${name}Failure`)).toBeDefined();
  });

  it("names only errors that exist: ours (errors module), Lambda's or Step Functions' own", () => {
    const named = allStates(definition).flatMap(([, s]) => [...retriersOf(s), ...catchersOf(s)].flatMap((r) => r.ErrorEquals));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((error) => !KNOWN_ERRORS.has(error))).toEqual([]);
  });

  it('never retries terminal errors nor blanket-retries with States.ALL / States.TaskFailed', () => {
    const retried = allStates(definition).flatMap(([, s]) => retriersOf(s).flatMap((r) => r.ErrorEquals));
    for (const forbidden of [...TERMINAL_ERRORS, 'States.ALL', 'States.TaskFailed']) expect(retried).not.toContain(forbidden);
  });

  it('ends every failure in a Fail state whose Error is the outcome and whose cause is the serialised failure', () => {
    const fails = allStates(definition).filter(([, s]) => s.Type === 'Fail');
    expect(fails.length).toBeGreaterThan(0);
    for (const [name, fail] of fails) {
      expect(fail).toMatchObject({ Error: name, CausePath: '$.failureSummary.cause' });
      expect(definition.States[`Explain${name}`]).toMatchObject({
        Type: 'Pass',
        Parameters: { 'cause.$': 'States.JsonToString($.failure)' },
        Next: name,
      });
    }
  });
});

describe('the build definition', () => {
  const build = buildDefinition();
  const next = (name: string) => (build.States[name] as { Next?: string }).Next;

  it('reads as the console checklist: Preflight → CreateNetwork → Parallel → WaitUntilReady ⟲ Ready? ⟲ ExpectReady → RegisterTargets → VerifyBaseline', () => {
    expect(build.StartAt).toBe('Preflight');
    expect(next('Preflight')).toBe('CreateNetwork');
    expect(next('CreateNetwork')).toBe('NetworkComplete?');
    expect(build.States['NetworkComplete?']).toMatchObject({ Type: 'Choice' });
    expect(next('ProvisionInParallel')).toBe('CheckProvisioning');
    expect(build.States.CheckProvisioning).toMatchObject({ Type: 'Choice', Default: 'MergeProvisioned' });
    expect(next('MergeProvisioned')).toBe('WaitUntilReady');
    expect(next('WaitUntilReady')).toBe('Ready?');
    expect(build.States['Ready?']).toMatchObject({ Type: 'Choice', Default: 'RegisterTargets' });
    expect(next('ExpectReady')).toBe('WaitUntilReady');
    expect(next('RegisterTargets')).toBe('VerifyBaseline');
    expect(next('VerifyBaseline')).toBe('BuildSucceeded');
    expect(build.States.BuildSucceeded).toEqual(expect.objectContaining({ Type: 'Succeed', OutputPath: '$.result' }));
  });

  it('runs LaunchNodes, CreateLoadBalancer, LaunchBastion and ConnectNetwork as parallel branches', () => {
    const parallel = build.States.ProvisionInParallel;
    expect(parallel.Type).toBe('Parallel');
    const branches = parallel.Type === 'Parallel' ? parallel.Branches : [];
    expect(branches.map((b) => b.StartAt)).toEqual(['LaunchNodes', 'CreateLoadBalancer', 'LaunchBastion', 'ConnectionsWanted?']);
  });

  it('runs ConnectNetwork only when the spec asks for NAT egress, endpoints or a Transit Gateway (presence tested before value)', () => {
    const parallel = build.States.ProvisionInParallel;
    const branches = parallel.Type === 'Parallel' ? parallel.Branches : [];
    const connectBranch = branches.find((b) => b.StartAt === 'ConnectionsWanted?');
    expect(connectBranch?.States['ConnectionsWanted?']).toEqual(
      expect.objectContaining({
        Type: 'Choice',
        Choices: [
          { Variable: '$.spec.transitGateway', IsPresent: true, Next: 'ConnectNetwork' },
          { Variable: '$.spec.endpoints[0]', IsPresent: true, Next: 'ConnectNetwork' },
          { Not: { Variable: '$.spec.egress', IsPresent: true }, Next: 'NoConnections' },
          { Variable: '$.spec.egress', StringEquals: 'none', Next: 'NoConnections' },
        ],
        Default: 'ConnectNetwork',
      }),
    );
    expect(connectBranch?.States.NoConnections).toMatchObject({ Type: 'Pass', ResultPath: '$.connections', End: true });
  });

  it('loops ConnectNetwork through ConnectionsComplete? inside its branch while $.connections.complete is false; the merge takes $.connections', () => {
    const parallel = build.States.ProvisionInParallel;
    const branches = parallel.Type === 'Parallel' ? parallel.Branches : [];
    const connectBranch = branches.find((b) => 'ConnectNetwork' in b.States);
    if (!connectBranch) throw new Error('no ConnectNetwork branch');
    const task = connectBranch.States.ConnectNetwork as TaskState;
    expect(task.Next).toBe(CONNECTIONS_COMPLETE);
    expect(task.ResultPath).toBe('$.connections');
    expect(task.Resource).toBe('${ConnectNetworkFunctionArn}');
    expect(connectBranch.States[CONNECTIONS_COMPLETE]).toEqual(
      expect.objectContaining({
        Type: 'Choice',
        Choices: [
          { Not: { Variable: '$.connections.complete', IsPresent: true }, Next: 'NetworkConnected' },
          // A step that waits for a person (an attachment to accept) says so once, through Slack.
          { Variable: '$.connections.awaitingAction', IsPresent: true, Next: 'AnnounceActionNeeded' },
          { Variable: '$.connections.complete', BooleanEquals: false, Next: 'ConnectNetwork' },
        ],
        Default: 'NetworkConnected',
      }),
    );
    expect(connectBranch.States.NetworkConnected.Type).toBe('Succeed');
    // The announcement goes back to the step, and never fails the build: whatever happens, ConnectNetwork runs again.
    expect(connectBranch.States.AnnounceActionNeeded).toMatchObject({
      Type: 'Task',
      Resource: `\${${NOTIFY_FUNCTION.substitution}}`,
      Parameters: { kind: 'action-needed', 'action.$': '$.connections.awaitingAction' },
      ResultPath: '$.connections.announced',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.connections.announced', Next: 'ConnectNetwork' }],
      Next: 'ConnectNetwork',
    });
    // A failure is recorded in the branch and rolled back once the other branches are done, like theirs.
    expect(task.Catch[0].Next).toBe('RecordConnectNetworkFailure');
    // It waits for NAT gateways, endpoints and an attachment to become available (or be accepted).
    expect(retrierFor(task, READINESS_ERROR)).toBeDefined();
    // A person's move (accepting the attachment) is polled every 30 s, for the same 20 min bound.
    expect(retrierFor(task, 'AwaitingAction')).toMatchObject({ IntervalSeconds: 30, MaxAttempts: 40, BackoffRate: 1 });
    expect(retryWaitBound(retrierFor(task, 'AwaitingAction')!)).toBe(retryWaitBound(READINESS_RETRY));
    expect(build.States.MergeProvisioned).toMatchObject({ Parameters: { 'connections.$': '$.provisioned[3].connections' } });
  });

  it('loops CreateNetwork through NetworkComplete? while $.network.complete is false, then goes on to the Parallel', () => {
    expect(next('CreateNetwork')).toBe(NETWORK_COMPLETE);
    const choice = build.States[NETWORK_COMPLETE];
    if (choice.Type !== 'Choice') throw new Error(`${NETWORK_COMPLETE} is a ${choice.Type} state, not a Choice`);
    // Presence first: BooleanEquals on a missing path is a States.Runtime error in Step Functions.
    expect(choice.Choices).toEqual([
      { Not: { Variable: '$.network.complete', IsPresent: true }, Next: 'ProvisionInParallel' },
      { Variable: '$.network.complete', BooleanEquals: false, Next: 'CreateNetwork' },
    ]);
    expect(choice.Default).toBe('ProvisionInParallel');
    // Each run of the loop is the same Task: same policy, failures still recorded and rolled back.
    expect((build.States.CreateNetwork as TaskState).Catch[0].Next).toBe('RecordCreateNetworkFailure');
  });

  it('loops LaunchBastion through BastionComplete? inside its branch while $.bastion.complete is false, then ends in a Succeed', () => {
    const parallel = build.States.ProvisionInParallel;
    const bastionBranch = (parallel.Type === 'Parallel' ? parallel.Branches : []).find((b) => b.StartAt === 'LaunchBastion')!;
    expect((bastionBranch.States.LaunchBastion as TaskState).Next).toBe(BASTION_COMPLETE);
    expect(bastionBranch.States[BASTION_COMPLETE]).toEqual(
      expect.objectContaining({
        Type: 'Choice',
        Choices: [
          { Not: { Variable: '$.bastion.complete', IsPresent: true }, Next: 'BastionLaunched' },
          { Variable: '$.bastion.complete', BooleanEquals: false, Next: 'LaunchBastion' },
        ],
        Default: 'BastionLaunched',
      }),
    );
    expect(bastionBranch.States.BastionLaunched.Type).toBe('Succeed');
    expect(next('ProvisionInParallel')).toBe('CheckProvisioning');
  });

  it('loops LaunchNodes through NodesComplete? inside its branch while $.nodeLaunch.complete is false; the merge takes its nodes to $.nodes', () => {
    const parallel = build.States.ProvisionInParallel;
    const nodesBranch = (parallel.Type === 'Parallel' ? parallel.Branches : []).find((b) => b.StartAt === 'LaunchNodes')!;
    expect((nodesBranch.States.LaunchNodes as TaskState).Next).toBe(NODES_COMPLETE);
    expect(nodesBranch.States[NODES_COMPLETE]).toEqual(
      expect.objectContaining({
        Choices: [
          { Not: { Variable: '$.nodeLaunch.complete', IsPresent: true }, Next: 'NodesLaunched' },
          { Variable: '$.nodeLaunch.complete', BooleanEquals: false, Next: 'LaunchNodes' },
        ],
      }),
    );
    expect(build.States.MergeProvisioned).toMatchObject({ Parameters: { 'nodes.$': '$.provisioned[0].nodeLaunch.nodes' } });
  });

  it('loops no other step: only CreateNetwork, LaunchNodes, LaunchBastion and ConnectNetwork hand ids to the state before they are done, readiness and the rollback’s TerminateInstances wait', () => {
    const loops = allStates(build).flatMap(([name, s]) =>
      s.Type === 'Choice' ? s.Choices.filter((r) => 'BooleanEquals' in r).map((r) => [name, r.Next]) : [],
    );
    expect(loops).toEqual([
      [NETWORK_COMPLETE, 'CreateNetwork'],
      [NODES_COMPLETE, 'LaunchNodes'],
      [BASTION_COMPLETE, 'LaunchBastion'],
      [CONNECTIONS_COMPLETE, 'ConnectNetwork'],
      [READY, EXPECT_READY],
      ['RollbackWaitAsked?', 'RollbackWaitForNetworkRelease'],
    ]);
  });

  describe('the readiness loop', () => {
    it('sends a ready: false answer to ExpectReady, testing presence before the value; anything else goes on to RegisterTargets', () => {
      expect(build.States[READY]).toEqual({
        Type: 'Choice',
        Comment: expect.any(String) as unknown,
        Choices: [
          // Presence first: BooleanEquals on a missing path is a States.Runtime error in Step Functions.
          { Not: { Variable: '$.readiness.ready', IsPresent: true }, Next: 'RegisterTargets' },
          { Variable: '$.readiness.ready', BooleanEquals: false, Next: EXPECT_READY },
        ],
        Default: 'RegisterTargets',
      });
    });

    it("sleeps WaitUntilReady's waitSeconds in a Wait state, then checks again", () => {
      expect(build.States[EXPECT_READY]).toMatchObject({ Type: 'Wait', SecondsPath: '$.readiness.waitSeconds', Next: WAIT_UNTIL_READY });
      expect(build.States[EXPECT_READY]).not.toHaveProperty('Seconds');
    });

    it('keeps the Task policy of every step, but no readiness Retry: the handler bounds the wait, and its ResourceNotReady rolls back', () => {
      const task = build.States[WAIT_UNTIL_READY] as TaskState;
      expect(task).toMatchObject({ ResultPath: '$.readiness', Next: READY });
      expect(retrierFor(task, READINESS_ERROR)).toBeUndefined();
      expect(task.Catch[0].Next).toBe('RecordWaitUntilReadyFailure');
    });

    it('waits locally until the instant the local runtime derives from waitSeconds (SecondsPath takes whole seconds only)', () => {
      expect(scaleDefinitionTime(build, 60).States[EXPECT_READY]).toMatchObject({
        Type: 'Wait',
        TimestampPath: '$.readiness.waitUntil',
        Next: WAIT_UNTIL_READY,
      });
    });
  });

  it.each([
    ['Preflight', '$.preflight'],
    ['CreateNetwork', '$.network'],
    ['LaunchNodes', '$.nodeLaunch'],
    ['CreateLoadBalancer', '$.loadBalancer'],
    ['LaunchBastion', '$.bastion'],
    ['ConnectNetwork', '$.connections'],
    ['RegisterTargets', '$.targets'],
    ['WaitUntilReady', '$.readiness'],
    ['VerifyBaseline', '$.result'],
  ])('places what %s returns at %s', (name, path) => {
    expect(tasksOf(build).find(([n]) => n === name)?.[1].ResultPath).toBe(path);
  });

  it('rolls back with the teardown steps, prefixed, in teardown order', () => {
    const teardown = teardownDefinition();
    expect(next('RecordCreateNetworkFailure')).toBe('RollbackDeleteLoadBalancer');
    expect(next('RollbackDeleteLoadBalancer')).toBe('RollbackTerminateInstances');
    expect(next('RollbackTerminateInstances')).toBe('RollbackWaitAsked?');
    expect(build.States['RollbackWaitAsked?']).toEqual({
      ...teardown.States['WaitAsked?'],
      Choices: [
        { Not: { Variable: '$.teardownInstances.complete', IsPresent: true }, Next: 'RollbackDeleteNetwork' },
        { Variable: '$.teardownInstances.complete', BooleanEquals: false, Next: 'RollbackWaitForNetworkRelease' },
      ],
      Default: 'RollbackDeleteNetwork',
    });
    expect(next('RollbackWaitForNetworkRelease')).toBe('RollbackTerminateInstances');
    expect(next('RollbackDeleteNetwork')).toBe(`Explain${BUILD_FAILURES.rolledBack}`);
    expect(build.States.RollbackWaitForNetworkRelease).toEqual({
      ...teardown.States.WaitForNetworkRelease,
      Next: 'RollbackTerminateInstances',
    });
    /** What a Task does, without where it goes next (Next, Catch). */
    const work = (task: TaskState) => Object.fromEntries(Object.entries(task).filter(([key]) => key !== 'Next' && key !== 'Catch'));
    for (const step of ['DeleteLoadBalancer', 'TerminateInstances', 'DeleteNetwork']) {
      const rollback = build.States[`Rollback${step}`] as TaskState;
      const own = teardown.States[step] as TaskState;
      expect(work(rollback)).toEqual(work(own));
      expect(rollback.Catch[0].Next).toBe(`RecordRollback${step}Failure`);
      expect(own.Catch[0].Next).toBe(`Record${step}Failure`);
      expect(next(`RecordRollback${step}Failure`)).toBe(`Explain${BUILD_FAILURES.rollbackFailed}`);
    }
  });

  it('ends a Preflight failure in PreflightFailed without any rollback', () => {
    expect(next('RecordPreflightFailure')).toBe('ExplainPreflightFailed');
    expect(next('ExplainPreflightFailed')).toBe(BUILD_FAILURES.preflight);
  });
});

describe('the teardown definition', () => {
  it('is DeleteLoadBalancer → TerminateInstances ⟲ WaitAsked? ⟲ WaitForNetworkRelease → DeleteNetwork → Destroyed, failing into TeardownFailed', () => {
    const { StartAt, States } = teardownDefinition();
    expect(StartAt).toBe('DeleteLoadBalancer');
    expect((States.DeleteLoadBalancer as TaskState).Next).toBe('TerminateInstances');
    expect((States.TerminateInstances as TaskState).Next).toBe('WaitAsked?');
    // complete: false loops through the Wait back to TerminateInstances. Presence is tested first (BooleanEquals on a
    // missing path is a runtime error), and an answer without `complete` (a function deployed before the loop, which
    // asked for a wait on every run) goes on rather than loop for ever.
    expect(States['WaitAsked?']).toEqual({
      Type: 'Choice',
      Comment: expect.any(String) as unknown,
      Choices: [
        { Not: { Variable: '$.teardownInstances.complete', IsPresent: true }, Next: 'DeleteNetwork' },
        { Variable: '$.teardownInstances.complete', BooleanEquals: false, Next: 'WaitForNetworkRelease' },
      ],
      Default: 'DeleteNetwork',
    });
    expect(States.WaitForNetworkRelease).toMatchObject({ Type: 'Wait', Next: 'TerminateInstances' });
    expect((States.DeleteNetwork as TaskState).Next).toBe('Destroyed');
    expect(States.Destroyed.Type).toBe('Succeed');
    expect(States[TEARDOWN_FAILED]).toMatchObject({ Type: 'Fail', Error: TEARDOWN_FAILED });
    expect(States.RecordDeleteNetworkFailure).toMatchObject({ ResultPath: '$.failure', Next: `Explain${TEARDOWN_FAILED}` });
  });

  it('sleeps the seconds TerminateInstances answers (top level of its result, where the local runtime scales it)', () => {
    const { States } = teardownDefinition();
    expect((States.TerminateInstances as TaskState).ResultPath).toBe('$.teardownInstances');
    expect(States.WaitForNetworkRelease).toMatchObject({ Type: 'Wait', SecondsPath: '$.teardownInstances.waitSeconds' });
    // DeleteNetwork still polls (every 5 s) should AWS be slower than expected.
    expect((States.DeleteNetwork as TaskState).Retry.map((r) => r.ErrorEquals)).toContainEqual([READINESS_ERROR]);
    // Locally the Wait reads the instant the runtime puts beside waitSeconds.
    expect(scaleDefinitionTime(teardownDefinition(), 20).States.WaitForNetworkRelease).toMatchObject({
      TimestampPath: '$.teardownInstances.waitUntil',
    });
  });

  it('lets the Catch take the error TerminateInstances ends its loop with at its bound: no Retry names ResourceConflict', () => {
    const task = teardownDefinition().States.TerminateInstances as TaskState;
    expect(task.Retry.flatMap((r) => r.ErrorEquals)).not.toContain('ResourceConflict');
    expect(task.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordTerminateInstancesFailure' });
  });
});

describe('retry bounds', () => {
  it('waits for readiness at most about 20 minutes', () => {
    expect(retryWaitBound(READINESS_RETRY)).toBe(1200);
  });

  it("bounds WaitUntilReady's own wait loop as the readiness Retry bounded its polling", () => {
    expect(READINESS_BOUND_SECONDS).toBe(retryWaitBound(READINESS_RETRY));
  });

  it("bounds TerminateInstances' wait loop as the readiness Retry bounds DeleteNetwork's polling", () => {
    expect(TEARDOWN_BOUND_SECONDS).toBe(retryWaitBound(READINESS_RETRY));
  });

  it('gives transient AWS and Lambda errors at most 90 s of backoff', () => {
    expect(retryWaitBound(TRANSIENT_AWS_RETRY)).toBe(2 + 4 + 8 + 16 + 30 + 30);
    expect(retryWaitBound(LAMBDA_SERVICE_RETRY)).toBe(90);
  });

  it('gives a throttle about 15 minutes of backoff, capped at a minute a wait (time, not a handful of attempts)', () => {
    expect(retryWaitBound(THROTTLE_RETRY)).toBe(5 + 10 + 20 + 40 + 14 * 60);
    expect(THROTTLE_RETRY).toMatchObject({ IntervalSeconds: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
  });

  it('sums an uncapped backoff geometrically', () => {
    expect(retryWaitBound({ ErrorEquals: ['X'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 })).toBe(7);
  });
});

describe('definitionSubstitutionNames', () => {
  it('lists every function ARN the two machines need, once, sorted', () => {
    const expected = TASK_FUNCTIONS.map((s) => s.substitution).sort();
    expect(definitionSubstitutionNames()).toEqual(expected);
  });

  it('lists only what the given definition uses', () => {
    expect(definitionSubstitutionNames(teardownDefinition())).toEqual([
      'TeardownInstancesFunctionArn',
      'TeardownLoadBalancerFunctionArn',
      'TeardownNetworkFunctionArn',
    ]);
  });
});

describe('scaleDefinitionTime', () => {
  it('divides retry intervals and caps by the factor and keeps the backoff shape', () => {
    const original = buildDefinition();
    const scaled = scaleDefinitionTime(original, 100);
    // A step that still waits with READINESS_RETRY (WaitUntilReady waits with a Wait state instead).
    const [[, before]] = tasksOf(original).filter(([n]) => n === 'CreateNetwork');
    const [[, after]] = tasksOf(scaled).filter(([n]) => n === 'CreateNetwork');
    after.Retry.forEach((retrier, i) => {
      expect(retrier.IntervalSeconds).toBeCloseTo(before.Retry[i].IntervalSeconds / 100);
      expect(retrier.MaxDelaySeconds).toEqual(
        before.Retry[i].MaxDelaySeconds === undefined ? undefined : before.Retry[i].MaxDelaySeconds / 100,
      );
      expect([retrier.MaxAttempts, retrier.BackoffRate, retrier.JitterStrategy]).toEqual([
        before.Retry[i].MaxAttempts,
        before.Retry[i].BackoffRate,
        before.Retry[i].JitterStrategy,
      ]);
    });
    expect(retryWaitBound(retrierFor(after, READINESS_ERROR)!)).toBeCloseTo(12);
    expect(after.TimeoutSeconds).toBe(before.TimeoutSeconds);
  });

  it('leaves the given definition untouched', () => {
    const original = buildDefinition();
    scaleDefinitionTime(original, 60);
    expect(original).toEqual(buildDefinition());
  });

  it('scales Wait states and stays valid for asl-validator (which the local runtime runs)', () => {
    const waiting: StateMachineDefinition = {
      StartAt: 'Pause',
      States: { Pause: { Type: 'Wait', Seconds: 30, Next: 'Done' }, Done: { Type: 'Succeed' } },
    };
    const scaled = scaleDefinitionTime(waiting, 60);
    expect(scaled.States.Pause).toMatchObject({ Seconds: 0.5 });
    expect(validate(scaled).isValid).toBe(true);
    expect(validate(scaleDefinitionTime(buildDefinition(), 1000)).errors).toEqual([]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the factor %p and says what to pass', (factor) => {
    expect(() => scaleDefinitionTime(buildDefinition(), factor)).toThrow(/positive number/);
  });
});
