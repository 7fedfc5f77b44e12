import type { BuildState } from '../functions/core/contracts';
import type { ChoiceCondition, ChoiceRule, ChoiceState, PassState, StateMachineDefinition, States, TaskState, Transition } from './asl';
import { BUILD_FAILURES, explainName, failWithCause, FAILURE_PATH, recordFailure, recordFailureName } from './failures';
import { LAMBDA_SERVICE_RETRY, lambdaTask, THROTTLE_RETRY } from './policies';
import { NOTIFY_FUNCTION, type StepFunctionId } from './steps';
import { waitLoopStates } from './wait-loop';
import { teardownStates } from './teardown';

/**
 * The `build` machine, its state names reading as the console checklist:
 *   Preflight → CreateNetwork ⟲ NetworkComplete?
 *     → ProvisionInParallel{ LaunchNodes ⟲ NodesComplete? │ CreateLoadBalancer │ LaunchBastion ⟲ BastionComplete?
 *                            │ ConnectNetwork ⟲ ConnectionsComplete? }
 *     → WaitUntilReady ⟲ Ready? ⟲ ExpectReady → RegisterTargets → VerifyBaseline → BuildSucceeded (output: BuildResult)
 * A Preflight failure ends in PreflightFailed (nothing was created). Any later failure is recorded at
 * `$.failure` and runs the teardown fragment as Rollback* states → BuildRolledBack, or RollbackFailed
 * when a rollback step fails for good.
 */

export const BUILD_SUCCEEDED = 'BuildSucceeded';
export const PARALLEL_STEP = 'ProvisionInParallel';
/** The Choices that run CreateNetwork / LaunchNodes / LaunchBastion again while their piece says `complete: false`. */
export const NETWORK_COMPLETE = 'NetworkComplete?';
export const NODES_COMPLETE = 'NodesComplete?';
export const BASTION_COMPLETE = 'BastionComplete?';
export const CONNECTIONS_COMPLETE = 'ConnectionsComplete?';
/** The readiness loop: WaitUntilReady checks, Ready? reads its answer, ExpectReady sleeps its `waitSeconds`. */
export const WAIT_UNTIL_READY = 'WaitUntilReady';
export const READY = 'Ready?';
export const EXPECT_READY = 'ExpectReady';
/** Where a looping branch ends once its step is complete (a Choice cannot end a branch). */
const NODES_LAUNCHED = 'NodesLaunched';
const BASTION_LAUNCHED = 'BastionLaunched';
const NETWORK_CONNECTED = 'NetworkConnected';
export const ANNOUNCE_ACTION_NEEDED = 'AnnounceActionNeeded';
const CHECK_PARALLEL = 'CheckProvisioning';
const MERGE_PARALLEL = 'MergeProvisioned';
/** Where the Parallel leaves its branches' outputs (one full state each) for the check and the merge. */
const BRANCH_OUTPUTS = '$.provisioned';

/**
 * The three branches: each gets the full state and adds its own piece; `loop` names a step's completion
 * Choice; `merge` says what of the piece the merge puts where (default: the piece, under its own name).
 * LaunchNodes' piece is its progress (NodesProgress); only its `nodes` go on, to `$.nodes`.
 */
const PARALLEL_BRANCHES: ReadonlyArray<{
  name: string;
  step: StepFunctionId;
  piece: keyof BuildState;
  loop?: { choice: string; done: string };
  merge?: { to: keyof BuildState; from: string };
  /**
   * A state that tells a person what the step waits for (see `announceState`), entered when the piece has
   * `awaitingAction`; the step then waits for that person with AwaitingAction (polled every 30 s).
   */
  announce?: string;
  /**
   * The step runs only when the spec asks for what it makes: `rules` (in order) lead to `run` or `skip`, the
   * default runs it; the Pass `skip` puts `empty` as its piece (the merge needs one) and ends the branch, so
   * a default build pays no Lambda call for it. A comparison on a missing path is a States.Runtime error, so
   * presence is tested before a value.
   */
  onlyIf?: { choice: string; rules: Array<ChoiceCondition & { Next: 'run' | 'skip' }>; skip: string; empty: object };
}> = [
  {
    name: 'LaunchNodes',
    step: 'launchNodes',
    piece: 'nodeLaunch',
    loop: { choice: NODES_COMPLETE, done: NODES_LAUNCHED },
    merge: { to: 'nodes', from: 'nodeLaunch.nodes' },
  },
  { name: 'CreateLoadBalancer', step: 'createLoadBalancer', piece: 'loadBalancer' },
  { name: 'LaunchBastion', step: 'launchBastion', piece: 'bastion', loop: { choice: BASTION_COMPLETE, done: BASTION_LAUNCHED } },
  {
    name: 'ConnectNetwork',
    step: 'connectNetwork',
    piece: 'connections',
    loop: { choice: CONNECTIONS_COMPLETE, done: NETWORK_CONNECTED },
    announce: ANNOUNCE_ACTION_NEEDED,
    onlyIf: {
      choice: 'ConnectionsWanted?',
      rules: [
        { Variable: '$.spec.transitGateway', IsPresent: true, Next: 'run' },
        { Variable: '$.spec.endpoints[0]', IsPresent: true, Next: 'run' },
        { Not: { Variable: '$.spec.egress', IsPresent: true }, Next: 'skip' },
        { Variable: '$.spec.egress', StringEquals: 'none', Next: 'skip' },
      ],
      skip: 'NoConnections',
      empty: { complete: true, natAddressIds: {}, natGatewayIds: {}, endpointIds: {} },
    },
  },
];

/** What the state holds when the Parallel starts; the merge carries these over unchanged. */
const CARRIED_INTO_PARALLEL: ReadonlyArray<keyof BuildState> = ['buildId', 'executionArn', 'specVersion', 'spec', 'preflight', 'network'];

const ROLLBACK_PREFIX = 'Rollback';

/**
 * The Choice after a step that returns `complete: false` right after a create that takes no idempotency
 * key (CreateVpc, CreateInternetGateway, AllocateAddress), or with the nodes launched so far (LaunchNodes):
 * the Task's ResultPath has just put the created ids into the state, and the step runs again with them as
 * known ids, so no retry in a fresh Lambda container can create that resource twice, and a rollback finds
 * them in the state. Each run keeps its Task's Retry/Timeout/Catch.
 * The loop is bounded by the handlers, not here: a run returns incomplete only when it has just created
 * something, and the next run finds it by its carried id — so CreateNetwork loops back at most twice (the
 * VPC, then the gateway), LaunchBastion at most once (the Elastic IP), and LaunchNodes at most once per
 * launch group and instance type (a run that moves nothing throws instead), ConnectNetwork once per NAT
 * address and attachment plus once to record its ClientToken creates before it waits. Only an explicit
 * `complete: false` loops: a piece without `complete` goes on, so a handler that does not speak this
 * protocol can never spin the execution into its 25,000-event limit. The presence rule comes first so
 * that BooleanEquals never meets a missing path (a States.Runtime error in Step Functions); it is written
 * `Not: { IsPresent: true }` because aws-local-stepfunctions@3 never matches `IsPresent: false`.
 */
function untilComplete(step: string, piece: keyof BuildState, next: string, announce?: string): ChoiceState {
  const complete = `$.${piece}.complete`;
  return {
    Type: 'Choice',
    Comment: `${step} answers complete: false right after a create without a ClientToken; run it again with that id in $.${piece}`,
    Choices: [
      { Not: { Variable: complete, IsPresent: true }, Next: next },
      ...(announce ? [{ Variable: `$.${piece}.awaitingAction`, IsPresent: true, Next: announce }] : []),
      { Variable: complete, BooleanEquals: false, Next: step },
    ],
    Default: next,
  };
}

/**
 * Tells a person, through Slack, what a step waits for (ConnectNetwork: "accept attachment … in account …"),
 * then runs the step again. The step asks for it once (`awaitingAction`, only while `$.<piece>.announced` is
 * absent) and then waits with ResourceNotReady, bounded by its readiness Retry. A notification must never
 * fail a build: any error is recorded as the announcement and the step goes on.
 */
function announceState(step: string, piece: keyof BuildState): TaskState {
  const announced = `$.${piece}.announced`;
  return {
    Type: 'Task',
    Comment: `Slack: what ${step} waits for a person to do; then ${step} waits for it`,
    Resource: `\${${NOTIFY_FUNCTION.substitution}}`,
    Parameters: {
      kind: 'action-needed',
      'buildId.$': '$.buildId',
      'executionArn.$': '$.executionArn',
      'action.$': `$.${piece}.awaitingAction`,
    },
    ResultPath: announced,
    TimeoutSeconds: NOTIFY_FUNCTION.timeoutSeconds,
    // Lambda's own throttle is waited out like AWS's (THROTTLE_RETRY): the announcement is worth the wait.
    Retry: [structuredClone(LAMBDA_SERVICE_RETRY), structuredClone(THROTTLE_RETRY)],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: announced, Next: step }],
    Next: step,
  };
}

/**
 * A branch never fails: a failed step records itself at `$.failure` and ends its branch. So the other
 * branches run to completion before anything is rolled back — a RunInstances still in flight when a
 * sibling fails would otherwise create instances after the rollback looked for them. The Choice after
 * the Parallel then finds the failure, if any.
 */
function branch({ name, step, piece, loop, announce, onlyIf }: (typeof PARALLEL_BRANCHES)[number]): StateMachineDefinition {
  const then: Transition = loop ? { Next: loop.choice } : { End: true };
  return {
    StartAt: onlyIf?.choice ?? name,
    States: {
      ...(onlyIf && {
        [onlyIf.choice]: {
          Type: 'Choice',
          Comment: `${name} only when the spec asks for what it makes`,
          Choices: onlyIf.rules.map((rule): ChoiceRule => ({ ...rule, Next: rule.Next === 'run' ? name : onlyIf.skip })),
          Default: name,
        } satisfies ChoiceState,
        [onlyIf.skip]: {
          Type: 'Pass',
          Comment: `The spec asks for nothing ${name} makes: its piece is empty`,
          Result: onlyIf.empty,
          ResultPath: `$.${piece}`,
          End: true,
        } satisfies PassState,
      }),
      [name]: lambdaTask(step, {
        resultPath: `$.${piece}`,
        then,
        onError: recordFailureName(name),
        waitsForReadiness: true,
        waitsForAction: Boolean(announce),
      }),
      ...(loop && {
        [loop.choice]: untilComplete(name, piece, loop.done, announce),
        ...(announce && { [announce]: announceState(name, piece) }),
        [loop.done]: { Type: 'Succeed', Comment: `${name} is complete: the branch ends with the full state` },
      }),
      [recordFailureName(name)]: recordFailure(name, FAILURE_PATH, { End: true }),
    },
  };
}

function parallelStates(next: string, rollback: string): States {
  const collect = (name: string) => `Collect${name}Failure`;
  const failureRules: ChoiceRule[] = PARALLEL_BRANCHES.map(({ name }, i) => ({
    Variable: `${BRANCH_OUTPUTS}[${i}].failure`,
    IsPresent: true,
    Next: collect(name),
  }));
  const collectors: States = Object.fromEntries(
    PARALLEL_BRANCHES.map(({ name }, i): [string, PassState] => [
      collect(name),
      {
        Type: 'Pass',
        Comment: `${name} failed: lift its failure record to the top; the ids the branches created stay at ${BRANCH_OUTPUTS} for the rollback`,
        InputPath: `${BRANCH_OUTPUTS}[${i}].failure`,
        ResultPath: FAILURE_PATH,
        Next: rollback,
      },
    ]),
  );
  // Rebuilt field by field: a ResultPath cannot merge three results into the root in JSONPath mode.
  const merged: Record<string, string> = Object.fromEntries([
    ...CARRIED_INTO_PARALLEL.map((field): [string, string] => [`${field}.$`, `$.${field}`]),
    ...PARALLEL_BRANCHES.map(({ piece, merge }, i): [string, string] => [
      `${merge?.to ?? piece}.$`,
      `${BRANCH_OUTPUTS}[${i}].${merge?.from ?? piece}`,
    ]),
  ]);
  return {
    [PARALLEL_STEP]: {
      Type: 'Parallel',
      Comment:
        'The NLB (≈2.5 min to become active), NAT gateways, endpoints and the Transit Gateway attachment (1–2 min each) are made while the nodes and the bastion boot',
      Branches: PARALLEL_BRANCHES.map(branch),
      ResultPath: BRANCH_OUTPUTS,
      // Branches catch their own errors; this only meets what no branch could (e.g. States.BranchFailed).
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: recordFailureName(PARALLEL_STEP) }],
      Next: CHECK_PARALLEL,
    },
    [recordFailureName(PARALLEL_STEP)]: recordFailure(PARALLEL_STEP, FAILURE_PATH, { Next: rollback }),
    [CHECK_PARALLEL]: { Type: 'Choice', Choices: failureRules, Default: MERGE_PARALLEL },
    ...collectors,
    [MERGE_PARALLEL]: { Type: 'Pass', Comment: 'Every branch succeeded: put the pieces together', Parameters: merged, Next: next },
  };
}

/** A top-level build step whose failure is recorded and rolled back. */
function buildStep(
  name: string,
  step: StepFunctionId,
  resultPath: string,
  next: string,
  rollback: string,
  waitsForReadiness = true,
): States {
  return {
    [name]: lambdaTask(step, { resultPath, then: { Next: next }, onError: recordFailureName(name), waitsForReadiness }),
    [recordFailureName(name)]: recordFailure(name, FAILURE_PATH, { Next: rollback }),
  };
}

/**
 * The readiness loop (docs/design.md "13.3 Readiness: wait once, then poll"): WaitUntilReady checks once and
 * answers `ready`, or `ready: false` with `waitSeconds`; Ready? sends a `ready: false` to ExpectReady, which
 * sleeps that long (SecondsPath: Step Functions takes a whole number ≥ 0, the step always answers one) and
 * runs the check again. The handler bounds the loop (20 minutes after the launch, then a ResourceNotReady
 * that is not retried here, so the Catch rolls back) and chooses the sleeps: until AWS is expected to be done,
 * then a short, growing poll. So WaitUntilReady has no READINESS_RETRY: a readiness Retry would poll every 5 s
 * again, and would retry the bound's own ResourceNotReady for another 20 minutes.
 * As in `untilComplete`, presence is tested before BooleanEquals (`Not: { IsPresent: true }`, since
 * aws-local-stepfunctions@3 never matches `IsPresent: false`); an answer without `ready` goes on, as the
 * release before this loop answered only when ready.
 */
function readinessStates(next: string, rollback: string): States {
  return {
    ...buildStep(WAIT_UNTIL_READY, 'waitUntilReady', '$.readiness', READY, rollback, false),
    ...waitLoopStates({
      choice: READY,
      wait: EXPECT_READY,
      step: WAIT_UNTIL_READY,
      next,
      resultPath: '$.readiness',
      flag: 'ready',
      choiceComment: `${WAIT_UNTIL_READY} answers ready: false with waitSeconds while the nodes, the bastion or the NLB are on their way`,
      waitComment: 'Sleeps until AWS is expected to be done (status checks ≈165 s after launch, an NLB ≈150 s after create), then briefly',
    }),
  };
}

export function buildDefinition(): StateMachineDefinition {
  const rollback = teardownStates({
    prefix: ROLLBACK_PREFIX,
    next: explainName(BUILD_FAILURES.rolledBack),
    // Beside the build's own failure, so the cause names both the step that failed and the rollback step.
    failureRecordPath: `${FAILURE_PATH}.rollback`,
    onFailure: explainName(BUILD_FAILURES.rollbackFailed),
  });
  const undo = rollback.startAt;
  return {
    Comment: 'k8s-ec2-builder build: the EC2 foundation of a self-managed Kubernetes cluster; rolls back on failure',
    StartAt: 'Preflight',
    States: {
      // Preflight creates nothing: its "not ready" is a verdict, and its failure needs no rollback.
      Preflight: lambdaTask('preflight', {
        resultPath: '$.preflight',
        then: { Next: 'CreateNetwork' },
        onError: recordFailureName('Preflight'),
        waitsForReadiness: false,
      }),
      [recordFailureName('Preflight')]: recordFailure('Preflight', FAILURE_PATH, { Next: explainName(BUILD_FAILURES.preflight) }),
      ...failWithCause(BUILD_FAILURES.preflight, 'The spec or the account cannot hold this build; nothing was created'),
      ...buildStep('CreateNetwork', 'createNetwork', '$.network', NETWORK_COMPLETE, undo),
      [NETWORK_COMPLETE]: untilComplete('CreateNetwork', 'network', PARALLEL_STEP),
      ...parallelStates(WAIT_UNTIL_READY, undo),
      ...readinessStates('RegisterTargets', undo),
      // After readiness: ELBv2 registers only running instances, and WaitUntilReady has just seen them all running.
      ...buildStep('RegisterTargets', 'registerTargets', '$.targets', 'VerifyBaseline', undo),
      // VerifyBaseline reads what was built; a violation is a verdict, not something to wait for.
      ...buildStep('VerifyBaseline', 'verifyBaseline', '$.result', BUILD_SUCCEEDED, undo, false),
      [BUILD_SUCCEEDED]: {
        Type: 'Succeed',
        Comment: 'The execution output is the BuildResult { outputs, baseline }',
        OutputPath: '$.result',
      },
      ...rollback.states,
      ...failWithCause(BUILD_FAILURES.rolledBack, 'The build failed and everything it created was removed'),
      ...failWithCause(
        BUILD_FAILURES.rollbackFailed,
        'The build failed and its rollback failed too: resources tagged with the build id remain',
      ),
    },
  };
}
