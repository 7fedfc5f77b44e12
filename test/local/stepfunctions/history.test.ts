import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { stepsFromHistory } from '../../../functions/api/history';
import { LocalStepFunctions } from '../../../local/stepfunctions/service';
import type { LocalHandler } from '../../../local/stepfunctions/tasks';
import { buildDefinition, scaleDefinitionTime } from '../../../workflows';
import { gates, serveStepFunctions } from './serve';

/**
 * GetExecutionHistory as AWS shapes it: each event's previousEventId is its own state's previous event, so
 * the interleaved events of a Parallel's branches are credited to the right step by a reader that follows
 * the chain (functions/api/history.ts), read here through the real SDK.
 */
const REGION = 'ap-northeast-2';
const POLL: object = { ErrorEquals: ['ResourceNotReady'], IntervalSeconds: 0.005, MaxAttempts: 20, BackoffRate: 1 };
const task = (substitution: string, rest: object) => ({ Type: 'Task', Resource: `\${${substitution}}`, ...rest });
const TWO_BRANCHES = {
  StartAt: 'Preflight',
  States: {
    Preflight: task('PreflightFunctionArn', { ResultPath: '$.preflight', Next: 'Provision' }),
    Provision: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'LaunchNodes', States: { LaunchNodes: task('LaunchNodesFunctionArn', { Retry: [POLL], End: true }) } },
        { StartAt: 'LaunchBastion', States: { LaunchBastion: task('LaunchBastionFunctionArn', { End: true }) } },
      ],
      ResultPath: '$.provisioned',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

type Fake = (attempt: number) => Promise<unknown>;
let fakes: Record<string, Fake>;
let attempts: Record<string, number>;
let sfn: LocalStepFunctions;
let served: Awaited<ReturnType<typeof serveStepFunctions>>;
let client: SFNClient;

const handlers =
  (name: string): LocalHandler =>
  async () => {
    attempts[name] = (attempts[name] ?? 0) + 1;
    return (fakes[name] ?? (() => Promise.resolve({})))(attempts[name]);
  };

function failure(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const { gate, openAll } = gates();

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 25, nextToken }));
    events.push(...page.events!);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function historyUntil(executionArn: string, done: (events: HistoryEvent[]) => boolean): Promise<HistoryEvent[]> {
  for (const started = Date.now(); Date.now() - started < 5000; await new Promise((resolve) => setTimeout(resolve, 2))) {
    const events = await history(executionArn);
    if (done(events)) return events;
  }
  throw new Error('the history never reached the expected point');
}

const nameOf = (e: HistoryEvent) => e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;
/** The state an event belongs to: the nearest `*StateEntered` up its previousEventId chain. */
function stateOf(events: HistoryEvent[], event: HistoryEvent): string | undefined {
  const byId = new Map(events.map((e) => [e.id!, e]));
  for (let e: HistoryEvent | undefined = event; e; e = byId.get(e.previousEventId!)) {
    if (e.type!.endsWith('StateEntered')) return nameOf(e);
  }
  return undefined;
}
const find = (events: HistoryEvent[], type: string, name?: string) =>
  events.filter((e) => e.type === type && (name === undefined || nameOf(e) === name));
const lambdaOf = (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:${name}`;

beforeEach(async () => {
  fakes = {};
  attempts = {};
  sfn = new LocalStepFunctions({ region: REGION, handlers });
  served = await serveStepFunctions(sfn);
  client = served.client;
});

afterEach(async () => {
  openAll();
  await sfn.stopAll();
  await served.close();
});

describe('GetExecutionHistory inside a Parallel', () => {
  it("links each branch's events to its own state while they interleave, and the reader credits the right step", async () => {
    const bastion = gate();
    const nodes = gate();
    fakes['launch-nodes'] = async (attempt) => {
      if (attempt === 1) throw failure('ResourceNotReady', 'instances pending');
      await nodes.opened;
      return { nodes: 3 };
    };
    fakes['launch-bastion'] = async () => {
      await bastion.opened;
      return { bastion: 'i-b' };
    };
    const arn = sfn.createStateMachine('tiny', TWO_BRANCHES);
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'b-1', input: '{}' }));

    // Mid-run: LaunchNodes has failed once and is on its second attempt; LaunchBastion is still running.
    const midRun = await historyUntil(executionArn!, (events) => find(events, 'LambdaFunctionStarted').length === 4);
    const failed = find(midRun, 'LambdaFunctionFailed')[0];
    const bastionEntered = find(midRun, 'TaskStateEntered', 'LaunchBastion')[0];
    expect(bastionEntered.id!).toBeLessThan(failed.id!); // the branches did interleave
    expect(stateOf(midRun, failed)).toBe('LaunchNodes');
    expect(stepsFromHistory(midRun, true).steps.map((s) => [s.name, s.status])).toEqual([
      ['Preflight', 'succeeded'],
      ['Provision', 'running'],
      ['LaunchNodes', 'retrying'],
      ['LaunchBastion', 'running'],
    ]);

    bastion.open();
    nodes.open();
    await sfn.idle();
    const events = await history(executionArn!);
    const id = (type: string, name?: string, nth = 0) => find(events, type, name)[nth].id!;
    const previous = (type: string, name?: string, nth = 0) => find(events, type, name)[nth].previousEventId;
    const scheduled = find(events, 'LambdaFunctionScheduled');
    const byResource = (fn: string) => scheduled.filter((e) => e.lambdaFunctionScheduledEventDetails?.resource === lambdaOf(fn));
    const [nodes1, nodes2] = byResource('launch-nodes');
    const [bastion1] = byResource('launch-bastion');
    const next = (event: HistoryEvent) => events.filter((e) => e.previousEventId === event.id);

    expect(events[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(previous('TaskStateEntered', 'Preflight')).toBe(0); // as AWS: the first state follows event 0
    expect(previous('ParallelStateEntered', 'Provision')).toBe(id('TaskStateExited', 'Preflight'));
    expect(previous('ParallelStateStarted')).toBe(id('ParallelStateEntered', 'Provision'));
    expect(previous('TaskStateEntered', 'LaunchNodes')).toBe(id('ParallelStateStarted'));
    expect(previous('TaskStateEntered', 'LaunchBastion')).toBe(id('ParallelStateStarted'));
    expect(nodes1.previousEventId).toBe(id('TaskStateEntered', 'LaunchNodes'));
    expect(bastion1.previousEventId).toBe(id('TaskStateEntered', 'LaunchBastion'));
    // Scheduled → Started → Failed → (retry) Scheduled → Started → Succeeded → TaskStateExited.
    const [nodesStarted1] = next(nodes1);
    expect(nodesStarted1.type).toBe('LambdaFunctionStarted');
    expect(next(nodesStarted1).map((e) => e.type)).toEqual(['LambdaFunctionFailed']);
    expect(nodes2.previousEventId).toBe(next(nodesStarted1)[0].id);
    const [nodesStarted2] = next(nodes2);
    const [nodesSucceeded] = next(nodesStarted2);
    expect(nodesSucceeded).toMatchObject({
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: { output: '{"nodes":3}' },
    });
    expect(previous('TaskStateExited', 'LaunchNodes')).toBe(nodesSucceeded.id);
    const lastBranchExit = Math.max(id('TaskStateExited', 'LaunchNodes'), id('TaskStateExited', 'LaunchBastion'));
    expect(previous('ParallelStateSucceeded')).toBe(lastBranchExit);
    expect(previous('ParallelStateExited', 'Provision')).toBe(id('ParallelStateSucceeded'));
    expect(previous('SucceedStateEntered', 'Done')).toBe(id('ParallelStateExited', 'Provision'));
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', previousEventId: id('SucceedStateExited', 'Done') });
    for (const e of events) expect(e.timestamp).toBeInstanceOf(Date);
    expect(stepsFromHistory(events, false).steps.every((s) => s.status === 'succeeded')).toBe(true);
  });

  it('pages the history with nextToken and reverses it on request', async () => {
    const arn = sfn.createStateMachine('tiny', TWO_BRANCHES);
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'b-2', input: '{}' }));
    await sfn.idle();
    const all = await history(executionArn!);
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    const first = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    expect(first.events!.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(first.nextToken).toBeDefined();
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    expect(reversed.events!.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
  });
});

describe('GetExecutionHistory of the real build definition', () => {
  it('credits a caught branch failure and every Lambda event to its own state through a rollback', async () => {
    fakes['launch-nodes'] = () => Promise.reject(failure('InsufficientCapacity', 'no m6i.large in ap-northeast-2c'));
    fakes['verify-baseline'] = () => Promise.resolve({});
    const arn = sfn.createStateMachine('k8s-ec2-build', scaleDefinitionTime(buildDefinition(), 1000));
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'b-3', input: '{"buildId":"b-3"}' }),
    );
    await sfn.idle();
    const events = await history(executionArn!);

    // Every Lambda event sits on the chain of the state whose function it called; every exit on its own entry.
    const resourceOfState = new Map(
      find(events, 'LambdaFunctionScheduled').map((e) => [stateOf(events, e), e.lambdaFunctionScheduledEventDetails!.resource]),
    );
    expect(resourceOfState.get('LaunchNodes')).toBe(lambdaOf('launch-nodes'));
    expect(resourceOfState.get('RollbackDeleteNetwork') ?? resourceOfState.get('RollbackTeardownNetwork')).toBe(
      lambdaOf('teardown-network'),
    );
    const byId = new Map(events.map((e) => [e.id!, e]));
    for (const e of events.filter((x) => x.type!.startsWith('LambdaFunction'))) {
      let scheduled: HistoryEvent | undefined = e;
      while (scheduled && scheduled.type !== 'LambdaFunctionScheduled') scheduled = byId.get(scheduled.previousEventId!);
      expect([e.id, scheduled?.lambdaFunctionScheduledEventDetails?.resource]).toEqual([e.id, resourceOfState.get(stateOf(events, e))]);
    }
    // (A ParallelStateExited follows ParallelStateSucceeded, which follows its last branch's event.)
    for (const e of events.filter((x) => x.type!.endsWith('StateExited') && x.type !== 'ParallelStateExited')) {
      expect([e.id, stateOf(events, e)]).toEqual([e.id, nameOf(e)]);
    }

    const nodesFailed = find(events, 'LambdaFunctionFailed').filter((e) => stateOf(events, e) === 'LaunchNodes');
    expect(nodesFailed).toHaveLength(1); // a terminal error: no Retry names it
    expect(find(events, 'TaskStateExited', 'LaunchNodes')[0].previousEventId).toBe(nodesFailed[0].id);
    const view = stepsFromHistory(events, false);
    expect(
      view.steps.filter((s) => ['LaunchNodes', 'CreateLoadBalancer', 'LaunchBastion'].includes(s.name)).map((s) => [s.name, s.status]),
    ).toEqual([
      ['LaunchNodes', 'failed'],
      ['CreateLoadBalancer', 'succeeded'],
      ['LaunchBastion', 'succeeded'],
    ]);
    expect(view.failure).toMatchObject({ step: 'LaunchNodes', error: 'InsufficientCapacity' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'BuildRolledBack' } });
    expect(events.at(-1)!.previousEventId).toBe(find(events, 'FailStateEntered')[0].id);
  });
});
