import '../polyfills';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { ExecutionHistory, type AslLayout, type HistoryEvent } from './history';
import { asLambda, loadHandler, taskStates, type LocalHandler } from './tasks';

/**
 * A local Step Functions: runs registered ASL definitions with aws-local-stepfunctions, Task states served
 * by in-process handlers, and keeps executions (status, input/output, AWS-shaped history) for the JSON API.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number; // epoch ms
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: ExecutionHistory;
  abort?: () => void;
  done: Promise<void>;
}

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export interface StatusChange {
  execution: Execution;
  region: string;
  account: string;
}

export interface LocalStepFunctionsOptions {
  region?: string;
  account?: string;
  /** Called on every status change (RUNNING at start, then the final status), like EventBridge. */
  onStatusChange?: (change: StatusChange) => Promise<void> | void;
  /** Handler lookup by name; defaults to functions/handlers/<name>.ts. Tests inject fakes here. */
  handlers?: (name: string) => LocalHandler;
  /**
   * The clock the executions run on: their Waits, Retry intervals, timeouts and timestamps (the local runtime's
   * event clock, local/cloud/event-clock.ts). Default: the system's time and timers.
   */
  clock?: ExecutionClock;
}

/** What an execution needs of a clock: the time, and timers it can cancel. */
export interface ExecutionClock {
  now(): number;
  setTimeout(fire: () => void, ms: number): { cancel(): void };
  /** Runs a Task's handler as work the clock waits for (the event clock stands still while it runs, but for its sleeps). */
  during?<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The clock of the execution now running, for aws-local-stepfunctions as patched in patches/ (it asks
 * `globalThis.__awsLocalStepFunctionsClock()` for its time and timers, and uses the system's when that answers
 * nothing). Each execution runs within its own stack's clock (AsyncLocalStorage follows it through its
 * promises), so stacks on different clocks share one process. Kept on globalThis under a registered symbol: a
 * second copy of this module (a test's isolated registry) must answer for the executions it starts too.
 */
const EXECUTION_CLOCK = Symbol.for('k8s-ec2-builder.local-step-functions.clock');
const globals = globalThis as typeof globalThis & {
  [EXECUTION_CLOCK]?: AsyncLocalStorage<ExecutionClock>;
  __awsLocalStepFunctionsClock?: () => ExecutionClock | undefined;
};
const executionClock = (globals[EXECUTION_CLOCK] ??= new AsyncLocalStorage<ExecutionClock>());
globals.__awsLocalStepFunctionsClock ??= () => executionClock.getStore();

interface Machine {
  arn: string;
  name: string;
  definition: AslLayout;
  tasks: Record<string, LocalHandler>;
  resources: Record<string, string>;
}

/** The error a Task meets once its execution is stopped: no Retry names it, so the execution ends at once. */
const STOPPED = 'States.ExecutionStopped';

export class LocalStepFunctions {
  readonly region: string;
  readonly account: string;
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  /** Handler invocations running now, of any execution (a stopped execution's last one may still run). */
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Epoch ms on the executions' clock. */
  private readonly now = () => this.options.clock?.now() ?? Date.now();

  constructor(private readonly options: LocalStepFunctionsOptions = {}) {
    this.region = options.region ?? 'ap-northeast-2';
    this.account = options.account ?? '000000000000';
  }

  createStateMachine(name: string, definition: object): string {
    const arn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${name}`;
    const steps = taskStates(definition as never);
    const resolve = this.options.handlers ?? loadHandler;
    const tasks = Object.fromEntries(Object.entries(steps).map(([state, handler]) => [state, asLambda(resolve(handler))]));
    const resources = Object.fromEntries(
      Object.entries(steps).map(([state, handler]) => [state, `arn:aws:lambda:${this.region}:${this.account}:function:${handler}`]),
    );
    this.machines.set(arn, { arn, name, definition: definition as Machine['definition'], tasks, resources });
    return arn;
  }

  startExecution(stateMachineArn: string, name: string = randomUUID(), inputText = '{}'): Execution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (!/^[A-Za-z0-9-_]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `arn:aws:states:${this.region}:${this.account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: the same name and input while running is idempotent; anything else (another input, or a closed
      // execution whatever its input) is ExecutionAlreadyExists, and a name stays taken for as long as the
      // history is kept (90 days; here, the runtime's life). The API's Idempotency-Key relies on exactly this.
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
      if (existing.status === 'RUNNING' && existing.input === inputText) return existing;
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const history = new ExecutionHistory(machine.definition, (state) => machine.resources[state] ?? 'local');
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: this.now(),
      input: inputText,
      history,
      done: Promise.resolve(),
    };
    const tasks = this.invocations(machine, execution);
    const start = () =>
      new StateMachine(machine.definition as never).run(input as never, {
        overrides: { taskResourceLocalHandlers: tasks as never },
      });
    const clock = this.options.clock;
    const run = clock ? executionClock.run(clock, start) : start();
    execution.abort = run.abort;
    this.executions.set(executionArn, execution);
    execution.done = this.follow(execution, run);
    return execution;
  }

  /**
   * The machine's handlers as one execution invokes them. Once it is stopped no new invocation starts, as
   * in AWS; without this aws-local-stepfunctions would go on calling a Task whose Retry is waiting (its
   * sleeps end at once on abort), up to MaxAttempts times (240 for a readiness poll).
   */
  private invocations(machine: Machine, execution: Execution): Record<string, LocalHandler> {
    return Object.fromEntries(
      Object.entries(machine.tasks).map(([state, task]): [string, LocalHandler] => [
        state,
        (input) => {
          if (execution.status !== 'RUNNING') {
            const stopped = new Error(`${execution.executionArn} was stopped`);
            stopped.name = STOPPED;
            return Promise.reject(stopped);
          }
          const clock = this.options.clock;
          const call = clock?.during ? clock.during(() => task(input)) : task(input);
          const forget = () => this.inFlight.delete(call);
          this.inFlight.add(call);
          call.then(forget, forget);
          return call;
        },
      ]),
    );
  }

  private async follow(execution: Execution, run: ReturnType<StateMachine['run']>): Promise<void> {
    await this.notify(execution);
    const logging = (async () => {
      for await (const event of run.eventLogs) execution.history.record(event);
    })();
    let outcome: { output: unknown } | { error: { name?: string; message?: string; cause?: unknown } };
    try {
      outcome = { output: await run.result };
    } catch (error) {
      outcome = { error: error as { name?: string; message?: string } };
    }
    // The event log ends with the execution; read it to the end before judging the outcome.
    await logging.catch(() => undefined);
    if ('output' in outcome) {
      Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(outcome.output ?? null) });
    } else {
      const e = outcome.error;
      const aborted = e.name === 'ExecutionAbortedError' || execution.status === 'ABORTED';
      Object.assign(
        execution,
        aborted
          ? { status: 'ABORTED', error: execution.error, cause: execution.cause }
          : { status: 'FAILED', error: failError(e), cause: failStateCause(execution) ?? failCause(e) },
      );
    }
    execution.stopDate ??= this.now();
    await this.notify(execution);
  }

  private async notify(execution: Execution): Promise<void> {
    try {
      await this.options.onStatusChange?.({ execution, region: this.region, account: this.account });
    } catch {
      // A notification failure never changes an execution (as with EventBridge → Lambda).
    }
  }

  describeExecution(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  listExecutions(stateMachineArn: string, statusFilter?: string): Execution[] {
    if (!this.machines.has(stateMachineArn))
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (!statusFilter || e.status === statusFilter))
      .sort((a, b) => b.startDate - a.startDate);
  }

  history(executionArn: string): HistoryEvent[] {
    return this.describeExecution(executionArn).history.events;
  }

  stopExecution(executionArn: string, error?: string, cause?: string): number {
    const execution = this.describeExecution(executionArn);
    if (execution.status === 'RUNNING') {
      Object.assign(execution, { status: 'ABORTED', error, cause, stopDate: this.now() });
      execution.history.abortedBy = { error, cause };
      execution.abort?.();
    }
    return execution.stopDate ?? this.now();
  }

  /**
   * Stops every running execution, as StopExecution does, and resolves when all have ended (their ABORTED
   * status events delivered): a shutdown must not wait out a readiness poll that may last 20 simulated
   * minutes. An invocation already running is given up to `graceMs` to return, so that the cloud is not
   * closed under it (a handler never sleeps, but a hung one must not hold the shutdown either).
   */
  async stopAll({
    cause = 'The local Step Functions was shut down',
    graceMs = 5000,
  }: { cause?: string; graceMs?: number } = {}): Promise<void> {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING') this.stopExecution(execution.executionArn, undefined, cause);
    }
    await this.idle();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  /** Resolves when every execution has finished (for tests and clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }
}

/**
 * aws-local-stepfunctions strips backslashes from intrinsic results, so `States.JsonToString($.failure)`
 * of a cause with quotes is not JSON locally (AWS escapes correctly). Our Fail states are entered with the
 * failure record in `$.failure`: serialise it from the Fail state's input instead.
 */
function failStateCause(execution: Execution): string | undefined {
  const entered = [...execution.history.events].reverse().find((e) => e.type === 'FailStateEntered');
  const input = (entered?.stateEnteredEventDetails as { input?: string } | undefined)?.input;
  if (!input) return undefined;
  try {
    const failure = (JSON.parse(input) as { failure?: unknown }).failure;
    return failure === undefined ? undefined : JSON.stringify(failure);
  } catch {
    return undefined;
  }
}

/** aws-local-stepfunctions wraps what ended the execution (a Fail state's error, or a runtime error) in an ExecutionError. */
function endingError(e: { name?: string; message?: string; cause?: unknown }): { name?: string; message?: string } {
  return e.name === 'ExecutionError' && e.cause && typeof e.cause === 'object' ? e.cause : e;
}

function failError(e: { name?: string; message?: string; cause?: unknown }): string {
  return endingError(e).name ?? 'States.Runtime';
}

function failCause(e: { name?: string; message?: string; cause?: unknown }): string {
  return endingError(e).message ?? '';
}
