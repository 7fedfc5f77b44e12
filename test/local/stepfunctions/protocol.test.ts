import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { statusChangeEvent } from '../../../local/stepfunctions/events';
import { LocalStepFunctions } from '../../../local/stepfunctions/service';
import type { LocalHandler } from '../../../local/stepfunctions/tasks';
import { buildDefinition, scaleDefinitionTime } from '../../../workflows';
import { gates, serveStepFunctions } from './serve';

/**
 * The local Step Functions as the product's SFNClient sees it: the real SDK against the JSON 1.0 protocol
 * over node:http, with fake handlers in place of functions/handlers/.
 */
const POLL: object = { ErrorEquals: ['ResourceNotReady'], IntervalSeconds: 0.005, MaxAttempts: 240, BackoffRate: 1 };
/** One Task (the Preflight handler), retried while it says ResourceNotReady, as a readiness poll is. */
const ONE_STEP = {
  StartAt: 'Preflight',
  States: { Preflight: { Type: 'Task', Resource: '${PreflightFunctionArn}', Retry: [POLL], End: true } },
};

let preflight: LocalHandler;
let calls: number;
let statusEvents: Array<ReturnType<typeof statusChangeEvent>>;
let sfn: LocalStepFunctions;
let served: Awaited<ReturnType<typeof serveStepFunctions>>;
let client: SFNClient;
let url: string;
let machineArn: string;
let buildArn: string;

const fakeHandlers =
  (name: string): LocalHandler =>
  async (input) => {
    if (name !== 'preflight') return {};
    calls++;
    return preflight(input);
  };

const notReady = () => Object.assign(new Error('instances still pending'), { name: 'ResourceNotReady' });

const { gate, openAll } = gates();

async function until(condition: () => boolean, limitMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const start = (name: string, input = '{"n":1}', arn = machineArn) =>
  client.send(new StartExecutionCommand({ stateMachineArn: arn, name, input }));
const describe_ = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));

beforeEach(async () => {
  calls = 0;
  statusEvents = [];
  preflight = () => Promise.resolve({ ok: true });
  // The event is built inside the callback: the execution object goes on changing afterwards.
  sfn = new LocalStepFunctions({
    handlers: fakeHandlers,
    onStatusChange: (change) => {
      statusEvents.push(statusChangeEvent(change));
    },
  });
  machineArn = sfn.createStateMachine('tiny', ONE_STEP);
  buildArn = sfn.createStateMachine('k8s-ec2-build', scaleDefinitionTime(buildDefinition(), 1000));
  served = await serveStepFunctions(sfn);
  client = served.client;
  url = served.url;
});

afterEach(async () => {
  openAll();
  await sfn.stopAll();
  await served.close();
});

describe('StartExecution', () => {
  it('returns the same execution for the same name and input while it runs, and refuses a different input', async () => {
    const held = gate();
    preflight = async () => {
      await held.opened;
      return {};
    };
    const first = await start('build-1');
    const again = await start('build-1');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(first.executionArn).toBe(`arn:aws:states:ap-northeast-2:000000000000:execution:tiny:build-1`);
    expect((await rejection(start('build-1', '{"n":2}'))).name).toBe('ExecutionAlreadyExists');
    expect(sfn.listExecutions(machineArn)).toHaveLength(1);
    held.open();
  });

  it('refuses a name already used by a finished execution, even with the same input', async () => {
    const { executionArn } = await start('build-1');
    await sfn.idle();
    expect((await describe_(executionArn!)).status).toBe('SUCCEEDED');
    const error = await rejection(start('build-1'));
    expect(error.name).toBe('ExecutionAlreadyExists');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it.each([
    ['an unknown state machine', () => start('x', '{}', `${machineArn}-gone`), 'StateMachineDoesNotExist'],
    ['an invalid name', () => start('no spaces allowed'), 'InvalidName'],
    ['an input that is not JSON', () => start('bad-input', '{oops'), 'InvalidExecutionInput'],
  ])('rejects %s', async (_case, call, expected) => {
    expect((await rejection(call())).name).toBe(expected);
  });
});

describe('DescribeExecution', () => {
  it('reports a finished execution with its input, output and dates parsed as Date by the SDK', async () => {
    const before = Date.now();
    const started = await start('build-1', '{"buildId":"b-1"}');
    const after = Date.now();
    await sfn.idle();
    const described = await describe_(started.executionArn!);
    expect(described).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: machineArn,
      name: 'build-1',
      status: 'SUCCEEDED',
      input: '{"buildId":"b-1"}',
      output: '{"ok":true}',
    });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(described.startDate!.getTime()).toBe(started.startDate!.getTime());
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    // Epoch milliseconds sent as epoch seconds, read back to the millisecond: within the request.
    expect(described.startDate!.getTime()).toBeGreaterThanOrEqual(before);
    expect(described.startDate!.getTime()).toBeLessThanOrEqual(after);
  });

  it('answers ExecutionDoesNotExist for an unknown execution', async () => {
    expect((await rejection(describe_(`${machineArn.replace('stateMachine', 'execution')}:nope`))).name).toBe('ExecutionDoesNotExist');
  });

  it("ends with a Fail state's error and the failure record as JSON cause (quotes kept)", async () => {
    preflight = () => Promise.reject(Object.assign(new Error('spec.name "fin k8s" has a space'), { name: 'PreflightFailed' }));
    const { executionArn } = await start('failing', '{"buildId":"b-1"}', buildArn);
    await sfn.idle();
    const described = await describe_(executionArn!);
    expect(described).toMatchObject({ status: 'FAILED', error: 'PreflightFailed' });
    const record = JSON.parse(described.cause!) as { failedStep: string; error: string; cause: string };
    expect(record).toMatchObject({ failedStep: 'Preflight', error: 'PreflightFailed' });
    expect(JSON.parse(record.cause)).toMatchObject({ errorType: 'PreflightFailed', errorMessage: 'spec.name "fin k8s" has a space' });
  });
});

describe('ListExecutions', () => {
  it('lists newest first and pages with nextToken', async () => {
    for (const name of ['first', 'second', 'third']) {
      await start(name);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct start dates
    }
    await sfn.idle();
    const page1 = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2 }));
    expect(page1.executions!.map((e) => e.name)).toEqual(['third', 'second']);
    expect(page1.nextToken).toEqual(expect.any(String));
    expect(page1.executions![0]).toMatchObject({ stateMachineArn: machineArn, status: 'SUCCEEDED' });
    expect(page1.executions![0].startDate).toBeInstanceOf(Date);
    const page2 = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2, nextToken: page1.nextToken }));
    expect(page2.executions!.map((e) => e.name)).toEqual(['first']);
    expect(page2.nextToken).toBeUndefined();
  });

  it('filters by status and knows only its own state machine', async () => {
    const held = gate();
    preflight = async () => {
      await held.opened;
      return {};
    };
    await start('running');
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'RUNNING' }));
    const succeeded = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'SUCCEEDED' }));
    const other = await client.send(new ListExecutionsCommand({ stateMachineArn: buildArn }));
    expect([running.executions!.map((e) => e.name), succeeded.executions, other.executions]).toEqual([['running'], [], []]);
    held.open();
  });
});

describe('StopExecution', () => {
  it('aborts a polling execution: ABORTED with its error and cause, a status event, and no further invocation', async () => {
    preflight = () => Promise.reject(notReady());
    const { executionArn } = await start('polling');
    await until(() => calls >= 3);
    const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'user asked' }));
    // Polls go on while the request is on its way (for however long a busy machine takes); counted from its
    // answer, when the execution is already ABORTED, not one more of the 240 attempts may start.
    const callsAtStop = calls;
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await sfn.idle();
    await new Promise((resolve) => setTimeout(resolve, 30)); // several poll intervals, for a stray retry to show
    expect(calls).toBe(callsAtStop);
    expect(await describe_(executionArn!)).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'user asked',
      stopDate: stopped.stopDate,
    });
    expect(statusEvents.map((e) => e.detail.status)).toEqual(['RUNNING', 'ABORTED']);
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(events![0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'user asked' },
    });
  });

  it('leaves a finished execution as it was', async () => {
    const { executionArn } = await start('done');
    await sfn.idle();
    await client.send(new StopExecutionCommand({ executionArn }));
    expect((await describe_(executionArn!)).status).toBe('SUCCEEDED');
    expect(statusEvents.map((e) => e.detail.status)).toEqual(['RUNNING', 'SUCCEEDED']);
  });
});

describe('stopAll (a clean shutdown)', () => {
  it('ends executions still waiting for readiness at once, instead of waiting out the poll interval', async () => {
    // An hour between polls: stopAll can end within the test's timeout only by cutting the wait short.
    const hourlyPoll = sfn.createStateMachine('hourly-poll', {
      ...ONE_STEP,
      States: { Preflight: { ...ONE_STEP.States.Preflight, Retry: [{ ...POLL, IntervalSeconds: 3600 }] } },
    });
    preflight = () => Promise.reject(notReady());
    const arns = [(await start('a', '{}', hourlyPoll)).executionArn!, (await start('b', '{}', hourlyPoll)).executionArn!];
    await until(() => calls === 2); // each has polled once and waits for the next
    await sfn.stopAll();
    for (const arn of arns) expect((await describe_(arn)).status).toBe('ABORTED');
    await new Promise((resolve) => setTimeout(resolve, 30)); // for a stray retry to show
    expect(calls).toBe(2);
  });

  it('waits for an invocation already running, so the cloud is not closed under it, and starts none after', async () => {
    const held = gate();
    preflight = async () => {
      await held.opened;
      throw notReady();
    };
    await start('in-flight');
    await until(() => calls === 1);
    let ended = false;
    const stopping = sfn.stopAll().then(() => {
      ended = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).toBe(false);
    held.open();
    await stopping;
    expect(calls).toBe(1);
  });

  it('gives a hung invocation only its grace period', async () => {
    const never = gate(); // opened only by afterEach
    preflight = async () => {
      await never.opened;
      return {};
    };
    await start('hung');
    await until(() => calls === 1);
    // Fake timers from here on (the requests are done): the grace period is crossed by hand, to the millisecond.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'] });
    try {
      let ended = false;
      const stopping = sfn.stopAll({ graceMs: 50 }).then(() => {
        ended = true;
      });
      // Once the execution has ended, the grace period is the one timer left.
      while (jest.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
      await jest.advanceTimersByTimeAsync(49);
      expect(ended).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await stopping;
    } finally {
      jest.useRealTimers();
    }
    expect(sfn.listExecutions(machineArn)[0].status).toBe('ABORTED');
  });
});

describe('status change events', () => {
  it('are sent at the start and at the end, shaped like EventBridge "Step Functions Execution Status Change"', async () => {
    const { executionArn } = await start('build-1', '{"buildId":"b-1"}');
    await sfn.idle();
    expect(statusEvents.map((e) => e.detail.status)).toEqual(['RUNNING', 'SUCCEEDED']);
    const [running, succeeded] = statusEvents;
    expect(running).toMatchObject({
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      region: 'ap-northeast-2',
      account: '000000000000',
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: machineArn,
        name: 'build-1',
        status: 'RUNNING',
        input: '{"buildId":"b-1"}',
        output: null,
        stopDate: null,
      },
    });
    expect(succeeded.detail).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    expect(new Date(succeeded.time).getTime()).toBe(succeeded.detail.stopDate);
  });

  it('never change an execution when the listener throws', async () => {
    const failing = new LocalStepFunctions({
      handlers: fakeHandlers,
      onStatusChange: () => {
        throw new Error('EventBridge down');
      },
    });
    const arn = failing.createStateMachine('tiny', ONE_STEP);
    const execution = failing.startExecution(arn, 'x', '{}');
    await failing.idle();
    expect(execution.status).toBe('SUCCEEDED');
  });
});

describe('the JSON protocol', () => {
  it('answers an action it does not serve with UnknownOperationException', async () => {
    const error = await rejection(
      client.send(new CreateStateMachineCommand({ name: 'x', definition: '{}', roleArn: 'arn:aws:iam::000000000000:role/x' })),
    );
    expect(error.name).toBe('UnknownOperationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const res = await fetch(url, {
      method: 'POST',
      body: '{"executionArn":',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.DescribeExecution' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
  });
});
