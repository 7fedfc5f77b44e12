/**
 * Executions on the event clock: aws-local-stepfunctions, as patched in patches/, takes its Waits, Retry
 * intervals, Task timeouts and timestamps from the clock the execution runs on. An hour's Wait ends as soon as
 * the process is idle, and the history says an hour passed; nothing is scaled in the definition.
 */
import { EventClock } from '../../../local/cloud/event-clock';
import { LocalStepFunctions } from '../../../local/stepfunctions/service';
import { TASK_FUNCTIONS } from '../../../workflows/steps';

const START = Date.UTC(2026, 10, 27);
const RESOURCE = `\${${TASK_FUNCTIONS[0].substitution}}`;

function machine(task: object) {
  return {
    StartAt: 'Hour',
    States: {
      Hour: { Type: 'Wait', Seconds: 3600, Next: 'Work' },
      Work: { Type: 'Task', Resource: RESOURCE, TimeoutSeconds: 60, ...task, End: true },
    },
  };
}

async function run(clock: EventClock, handler: () => Promise<unknown>, task: object = {}) {
  const sfn = new LocalStepFunctions({ clock, handlers: () => handler });
  const execution = sfn.startExecution(sfn.createStateMachine('timed', machine(task)), 'x', '{}');
  await execution.done;
  const entered = (name: string) => execution.history.events.find((e) => e.type.endsWith('StateEntered') && stateName(e) === name);
  return {
    status: execution.status,
    error: execution.error,
    seconds: (execution.stopDate! - execution.startDate) / 1000,
    workEnteredAfter: entered('Work')!.timestamp - START / 1000,
  };
}

function stateName(event: object): string | undefined {
  return (event as { stateEnteredEventDetails?: { name?: string } }).stateEnteredEventDetails?.name;
}

it('waits an hour of simulated time, and stamps the history on that clock', async () => {
  const result = await run(new EventClock(Number.POSITIVE_INFINITY, START), () => Promise.resolve({ ok: true }));
  expect(result).toEqual({ status: 'SUCCEEDED', error: undefined, seconds: 3600, workEnteredAfter: 3600 });
});

it('backs off a Retry for its simulated IntervalSeconds × BackoffRate', async () => {
  let attempts = 0;
  const failTwice = () => (++attempts <= 2 ? Promise.reject(Object.assign(new Error('busy'), { name: 'Busy' })) : Promise.resolve({}));
  const retry = { Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 100, BackoffRate: 3, MaxAttempts: 5 }] };
  const result = await run(new EventClock(Number.POSITIVE_INFINITY, START), failTwice, retry);
  // The hour, then 100 s and 300 s between the three attempts.
  expect(result).toMatchObject({ status: 'SUCCEEDED', seconds: 3600 + 100 + 300 });
  expect(attempts).toBe(3);
});

it('times a Task out after its TimeoutSeconds of simulated time', async () => {
  const clock = new EventClock(Number.POSITIVE_INFINITY, START);
  const result = await run(clock, () => clock.sleep(120_000).then(() => ({})));
  expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout', seconds: 3660 });
});

it('holds the clock while a handler runs, whatever it waits on (a webhook post, not an AWS call)', async () => {
  const clock = new EventClock(Number.POSITIVE_INFINITY, START);
  // Real I/O the clock knows nothing of: were the handler not held, the clock would run to its 60 s timeout.
  const slowPost = () => new Promise((resolve) => setTimeout(() => resolve({ posted: true }), 50));
  const result = await run(clock, slowPost);
  expect(result).toMatchObject({ status: 'SUCCEEDED', seconds: 3600 });
});
