import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { stepsFromHistory } from '../../../functions/api/history';
import { isBuildId } from '../../../functions/core/build-ids';
import { idempotentBuildId, newBuildId, parseStateMachineArn } from '../../../functions/api/ids';
import { buildIdOfTeardown, teardownName, teardownSequence } from '../../../functions/core/execution-ids';
import { buildExecutionStatus, overallStatus, parseFailureCause, rollbackOutcome } from '../../../functions/core/execution-status';

describe('build status (docs/design.md "2.3 Build statuses")', () => {
  it.each([
    ['RUNNING', undefined, undefined, 'RUNNING'],
    ['PENDING_REDRIVE', undefined, undefined, 'RUNNING'],
    ['SUCCEEDED', undefined, undefined, 'SUCCEEDED'],
    ['FAILED', 'PreflightFailed', undefined, 'FAILED'],
    ['FAILED', 'BuildRolledBack', undefined, 'ROLLED_BACK'],
    ['FAILED', 'RollbackFailed', undefined, 'ROLLBACK_FAILED'],
    ['FAILED', 'States.Runtime', undefined, 'FAILED'],
    ['TIMED_OUT', undefined, undefined, 'FAILED'],
    ['ABORTED', undefined, undefined, 'FAILED'],
    ['SUCCEEDED', undefined, 'RUNNING', 'DESTROYING'],
    ['SUCCEEDED', undefined, 'SUCCEEDED', 'DESTROYED'],
    ['FAILED', 'RollbackFailed', 'SUCCEEDED', 'DESTROYED'],
    ['SUCCEEDED', undefined, 'FAILED', 'SUCCEEDED'],
    ['RUNNING', undefined, 'RUNNING', 'RUNNING'],
  ])('build %s with error %s and teardown %s is %s', (status, error, teardown, expected) => {
    expect(overallStatus(buildExecutionStatus(status, error), teardown)).toBe(expected);
  });

  it('says what became of the resources', () => {
    expect(rollbackOutcome('ROLLED_BACK')).toMatch(/deleted/);
    expect(rollbackOutcome('ROLLBACK_FAILED')).toMatch(/may remain/);
    expect(rollbackOutcome('FAILED', 'PreflightFailed')).toMatch(/Nothing was created/);
    expect(rollbackOutcome('FAILED')).toMatch(/DELETE/);
    expect(rollbackOutcome('SUCCEEDED')).toBeUndefined();
  });
});

describe('parseFailureCause', () => {
  const lambda = JSON.stringify({ errorType: 'InsufficientCapacity', errorMessage: 'no capacity in 2c', trace: ['at x'] });
  it.each([
    {
      shape: 'a Fail cause naming the step',
      cause: JSON.stringify({ step: 'LaunchNodes', error: 'InsufficientCapacity', cause: 'no capacity in 2c' }),
      expected: { step: 'LaunchNodes', error: 'InsufficientCapacity', cause: 'no capacity in 2c' },
    },
    { shape: 'a Lambda error', cause: lambda, expected: { error: 'InsufficientCapacity', cause: 'no capacity in 2c' } },
    {
      shape: 'a Catch result passed on whole',
      cause: JSON.stringify({ Error: 'InsufficientCapacity', Cause: lambda }),
      expected: { error: 'InsufficientCapacity', cause: 'no capacity in 2c' },
    },
    {
      shape: 'a step with a nested error object',
      cause: JSON.stringify({ failedStep: 'LaunchBastion', error: { Error: 'QuotaExceeded', Cause: 'AddressLimitExceeded' } }),
      expected: { step: 'LaunchBastion', error: 'QuotaExceeded', cause: 'AddressLimitExceeded' },
    },
    { shape: 'plain text', cause: 'something broke', expected: { cause: 'something broke' } },
    { shape: 'a JSON array', cause: '[1,2]', expected: { cause: '[1,2]' } },
    { shape: 'nothing', cause: undefined, expected: {} },
  ])('reads $shape', ({ cause, expected }) => {
    const parsed = parseFailureCause(cause);
    expect(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined))).toEqual(expected);
  });
});

describe('steps from a history', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, s));
  const ev = (id: number, type: string, details: Record<string, unknown> = {}): HistoryEvent =>
    ({ id, previousEventId: id - 1, type, timestamp: at(id), ...details }) as HistoryEvent;

  it('reads direct Lambda events (the local runtime shape) and ignores Choice/Wait states', () => {
    const events = [
      ev(1, 'ExecutionStarted'),
      ev(2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'WaitUntilReady' } }),
      ev(3, 'LambdaFunctionScheduled'),
      ev(4, 'LambdaFunctionStarted'),
      ev(5, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: 'ResourceNotReady', cause: '{}' } }),
      ev(6, 'LambdaFunctionScheduled'),
      ev(7, 'LambdaFunctionStarted'),
      ev(8, 'LambdaFunctionSucceeded'),
      ev(9, 'TaskStateExited', { stateExitedEventDetails: { name: 'WaitUntilReady' } }),
      ev(10, 'ChoiceStateEntered', { stateEnteredEventDetails: { name: 'Ready?' } }),
      ev(11, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'VerifyBaseline' } }),
      ev(12, 'LambdaFunctionScheduled'),
    ];
    expect(stepsFromHistory(events.slice(0, 6), true).steps[0].status).toBe('retrying');
    const view = stepsFromHistory(events, true);
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['WaitUntilReady', 'succeeded'],
      ['VerifyBaseline', 'running'],
    ]);
    expect(view.currentStep).toBe('VerifyBaseline');
    expect(view.failure).toBeUndefined();
  });

  it('marks a state still open when the execution ended as failed, with its last error', () => {
    const events = [
      ev(1, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'CreateNetwork' } }),
      ev(2, 'TaskScheduled'),
      ev(3, 'TaskStarted'),
      ev(4, 'TaskTimedOut', { taskTimedOutEventDetails: { error: 'States.Timeout', cause: 'took too long' } }),
      ev(5, 'ExecutionFailed'),
    ];
    const view = stepsFromHistory(events, false);
    expect(view.steps).toEqual([{ name: 'CreateNetwork', status: 'failed', enteredAt: at(1).toISOString() }]);
    expect(view.failure).toEqual({ step: 'CreateNetwork', error: 'States.Timeout', cause: 'took too long' });
    expect(view.currentStep).toBeUndefined();
  });

  it('keeps one line for a state entered again (a wait loop), from its first entry', () => {
    const events = [
      ev(1, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'WaitUntilReady' } }),
      ev(2, 'TaskStateExited', { stateExitedEventDetails: { name: 'WaitUntilReady' } }),
      ev(3, 'WaitStateEntered', { stateEnteredEventDetails: { name: 'Pause' } }),
      ev(4, 'WaitStateExited', { stateExitedEventDetails: { name: 'Pause' } }),
      ev(5, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'WaitUntilReady' } }),
    ];
    expect(stepsFromHistory(events, true).steps).toEqual([{ name: 'WaitUntilReady', status: 'running', enteredAt: at(1).toISOString() }]);
  });

  describe('what a waiting step waits for', () => {
    const ACCEPT =
      'accept attachment tgw-attach-0a1b2c3d in account 111122223333: Transit Gateway tgw-0123456789abcdef0 does not auto-accept shared attachments (pendingAcceptance)';
    /** A failed attempt of the `lambda:invoke` integration, its cause the Lambda's error as Step Functions records it. */
    const failed = (id: number, errorType: string, errorMessage: string) =>
      ev(id, 'TaskFailed', {
        taskFailedEventDetails: { error: errorType, cause: JSON.stringify({ errorType, errorMessage, trace: ['at handler'] }) },
      });
    const waiting = [
      ev(1, 'ParallelStateEntered', { stateEnteredEventDetails: { name: 'Provision' } }),
      ev(2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'ConnectNetwork' } }),
      ev(3, 'TaskScheduled'),
      ev(4, 'TaskStarted'),
      failed(5, 'ResourceNotReady', ACCEPT),
    ];
    const connectNetwork = (events: HistoryEvent[], open = true) =>
      stepsFromHistory(events, open).steps.find((s) => s.name === 'ConnectNetwork');

    it('is the message of the ResourceNotReady its last attempt threw, while the step is open', () => {
      expect(connectNetwork(waiting)).toEqual({
        name: 'ConnectNetwork',
        status: 'retrying',
        enteredAt: at(2).toISOString(),
        waitingFor: ACCEPT,
      });
      // The Retry's next attempt runs: still waiting for the same thing until it answers.
      expect(connectNetwork([...waiting, ev(6, 'TaskScheduled')])?.waitingFor).toBe(ACCEPT);
    });

    it('is also the message of an AwaitingAction (a step waiting for a person, polled slowly)', () => {
      const asked = [...waiting.slice(0, 4), failed(5, 'AwaitingAction', ACCEPT)];
      expect(connectNetwork(asked)?.waitingFor).toBe(ACCEPT);
    });

    it('follows the latest attempt’s message', () => {
      const later = failed(8, 'ResourceNotReady', 'Transit Gateway attachment tgw-attach-0a1b2c3d is pending');
      expect(connectNetwork([...waiting, ev(6, 'TaskScheduled'), ev(7, 'TaskStarted'), later])?.waitingFor).toBe(
        'Transit Gateway attachment tgw-attach-0a1b2c3d is pending',
      );
    });

    it('is gone once an attempt succeeds and the step is done', () => {
      const events = [
        ...waiting,
        ev(6, 'TaskScheduled'),
        ev(7, 'TaskStarted'),
        ev(8, 'TaskSucceeded'),
        ev(9, 'TaskStateExited', { stateExitedEventDetails: { name: 'ConnectNetwork' } }),
      ];
      expect(stepsFromHistory(events.slice(0, 8), true).steps[1]).not.toHaveProperty('waitingFor');
      expect(connectNetwork(events)).toEqual({
        name: 'ConnectNetwork',
        status: 'succeeded',
        enteredAt: at(2).toISOString(),
        exitedAt: at(9).toISOString(),
      });
    });

    it('is not set for a step retrying after another error (a throttle is not something to wait for)', () => {
      const throttled = [...waiting.slice(0, 4), failed(5, 'AwsThrottled', 'DescribeNatGateways: RequestLimitExceeded')];
      expect(connectNetwork(throttled)).toEqual({ name: 'ConnectNetwork', status: 'retrying', enteredAt: at(2).toISOString() });
    });

    it('is not set once the execution has ended', () => {
      expect(connectNetwork([...waiting, ev(6, 'ExecutionFailed')], false)).not.toHaveProperty('waitingFor');
    });

    it('is not set on the Parallel around the waiting branch', () => {
      expect(stepsFromHistory(waiting, true).steps[0]).toEqual({ name: 'Provision', status: 'running', enteredAt: at(1).toISOString() });
    });
  });
});

describe('build ids', () => {
  it('makes time-sortable ids that are valid execution names', () => {
    const a = newBuildId('fin-k8s-dev', new Date('2026-01-02T03:04:05Z'), () => 0);
    const b = newBuildId('fin-k8s-dev', new Date('2026-01-02T03:04:06Z'), () => 0.99);
    expect(a).toBe('fin-k8s-dev-20260102-030405-0000');
    expect(b > a).toBe(true);
    expect(isBuildId(newBuildId('a'.repeat(20), new Date(), Math.random))).toBe(true);
  });

  it('derives the same id from the same key and another from another key', () => {
    expect(idempotentBuildId('dev', 'k1')).toBe(idempotentBuildId('dev', 'k1'));
    expect(idempotentBuildId('dev', 'k1')).not.toBe(idempotentBuildId('dev', 'k2'));
    expect(isBuildId(idempotentBuildId('dev', 'weird key/with:chars'))).toBe(true);
  });

  it('names teardowns after their build and reads them back', () => {
    const name = teardownName('dev-20260102-030405-0000', 12);
    expect(name).toBe('dev-20260102-030405-0000--destroy-12');
    expect(buildIdOfTeardown(name)).toBe('dev-20260102-030405-0000');
    expect(teardownSequence(name)).toBe(12);
    expect(buildIdOfTeardown('dev-20260102-030405-0000')).toBeUndefined();
    expect(isBuildId(name)).toBe(false);
  });

  it('parses state machine ARNs, including other partitions', () => {
    expect(parseStateMachineArn('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:build')).toMatchObject({
      partition: 'aws-cn',
      region: 'cn-north-1',
      name: 'build',
    });
    expect(parseStateMachineArn('arn:aws:lambda:us-east-1:123456789012:function:x')).toBeUndefined();
  });
});
