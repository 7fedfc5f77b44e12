import type { StateMachine } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type StateEvent = Extract<EventLog, { state: unknown }>;

/**
 * Turns aws-local-stepfunctions' event log into GetExecutionHistory events shaped like AWS's, so the api
 * handler reads local and deployed executions the same way. Task failures carry Lambda's error shape.
 *
 * `previousEventId` links each event to its own state's previous event, as AWS does, not to the event
 * before it in time: inside a Parallel the branches' events interleave, and a reader that follows the
 * chain (functions/api/history.ts) must land on the right branch's state.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number; // epoch seconds, as the JSON protocol sends timestamps
  type: string;
  [details: string]: unknown;
}

/** The part of an ASL definition the history needs: where each state sits. */
export interface AslLayout {
  StartAt?: string;
  States: Record<string, { Type: string; Branches?: AslLayout[] }>;
}

interface Placement {
  /** The sequence the state runs in: '' for the top level, `<Parallel>/<branch index>` inside a branch. */
  scope: string;
  /** The Parallel whose branch holds the state. */
  parallel?: string;
}

const TOP = '';
const json = (value: unknown) => JSON.stringify(value ?? null);

/** An event's Cause as text: the library gives a string, or the Error that ended the execution (as `Name: message`). */
function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  if (typeof cause === 'string') return cause;
  return cause instanceof Error ? String(cause) : JSON.stringify(cause);
}

/** Every state's scope (state names are unique in the whole machine, branches included), and each Parallel's branch scopes. */
function layoutOf(definition: AslLayout) {
  const placement = new Map<string, Placement>();
  const branchScopes = new Map<string, string[]>();
  const walk = (states: AslLayout['States'], where: Placement) => {
    for (const [name, state] of Object.entries(states)) {
      placement.set(name, where);
      const branches = state.Branches ?? [];
      branchScopes.set(
        name,
        branches.map((_, i) => `${name}/${i}`),
      );
      branches.forEach((branch, i) => walk(branch.States, { scope: `${name}/${i}`, parallel: name }));
    }
  };
  walk(definition.States, { scope: TOP });
  return { placement, branchScopes };
}

export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
  /** Set by StopExecution: what the ExecutionAborted event reports. */
  abortedBy?: { error?: string; cause?: string };
  private readonly placement: Map<string, Placement>;
  private readonly branchScopes: Map<string, string[]>;
  /** Per state (per Map iteration): the last event of its current visit, which its next event follows. */
  private readonly lastOfState = new Map<string, number>();
  /** Per scope: the event the next state entered there follows (the previous state's exit). */
  private readonly lastInScope = new Map<string, number>([[TOP, 0]]); // AWS: the first state follows event 0
  /** Per Parallel: the latest event inside its branches, which its Succeeded/Failed event follows. */
  private readonly lastInside = new Map<string, number>();

  constructor(
    definition: AslLayout,
    private readonly resourceOf: (stateName: string) => string,
  ) {
    ({ placement: this.placement, branchScopes: this.branchScopes } = layoutOf(definition));
  }

  private get lastId(): number {
    return this.events.length;
  }

  /** Appends an event; `state` names the state it belongs to, so its Parallel knows its latest inner event. */
  private push(type: string, previousEventId: number, timestampMs: number, details: Record<string, unknown> = {}, state?: string): number {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId, timestamp: timestampMs / 1000, type, ...details });
    const parallel = state === undefined ? undefined : this.placement.get(state)?.parallel;
    if (parallel) this.lastInside.set(parallel, id);
    return id;
  }

  record(event: EventLog): void {
    const t = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.push('ExecutionStarted', 0, t, {
          executionStartedEventDetails: { input: json(event.input), roleArn: 'arn:aws:iam::000000000000:role/local' },
        });
        return;
      case 'ExecutionSucceeded':
        this.push('ExecutionSucceeded', this.lastId, t, { executionSucceededEventDetails: { output: json(event.output) } });
        return;
      case 'ExecutionFailed':
        this.push('ExecutionFailed', this.lastId, t, {
          executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
        });
        return;
      case 'ExecutionAborted':
        this.push('ExecutionAborted', this.lastId, t, this.abortedBy ? { executionAbortedEventDetails: this.abortedBy } : {});
        return;
      case 'ExecutionTimeout':
        this.push('ExecutionTimedOut', this.lastId, t);
        return;
      case 'StateEntered':
        return this.entered(event);
      case 'StateRetried':
        // The new attempt follows the failure it retries.
        if (event.state.type === 'Task') this.scheduleLambda(event);
        return;
      case 'StateFailed':
        return this.failed(event);
      case 'StateCaught':
        // Caught: the state exits after its failure, with its input (the Catch's ResultPath is applied after).
        // aws-local-stepfunctions then also emits StateExited for it: that one is not a success, skip it.
        this.caught.add(this.key(event));
        return this.exited(event, `${event.state.type}StateExited`, this.lastOf(event), event.state.input);
      case 'StateExited':
        if (this.caught.delete(this.key(event))) return undefined;
        return this.succeeded(event);
      default:
        return undefined; // branch and map iteration events have no AWS counterpart in this history
    }
  }

  private readonly caught = new Set<string>();

  private key(event: StateEvent): string {
    return event.index === undefined ? event.state.name : `${event.state.name}[${event.index}]`;
  }

  private lastOf(event: StateEvent): number {
    return this.lastOfState.get(this.key(event)) ?? this.lastId;
  }

  private entered(event: StateEvent): void {
    const { name, type, input } = event.state;
    const where = this.placement.get(name);
    const previous = (where && this.lastInScope.get(where.scope)) ?? this.lastId;
    const id = this.push(
      `${type}StateEntered`,
      previous,
      event.timestamp,
      { stateEnteredEventDetails: { name, input: json(input) } },
      name,
    );
    this.lastOfState.set(this.key(event), id);
    if (type === 'Task') this.scheduleLambda(event);
    if (type === 'Parallel') {
      const started = this.push('ParallelStateStarted', id, event.timestamp, {}, name);
      this.lastOfState.set(this.key(event), started);
      this.lastInside.set(name, started);
      // Each branch starts from the Parallel's start, whatever ran in it before (a retried Parallel).
      for (const scope of this.branchScopes.get(name) ?? []) this.lastInScope.set(scope, started);
    }
  }

  private scheduleLambda(event: StateEvent): void {
    const { name, input } = event.state;
    const scheduled = this.push(
      'LambdaFunctionScheduled',
      this.lastOf(event),
      event.timestamp,
      {
        lambdaFunctionScheduledEventDetails: { resource: this.resourceOf(name), input: json(input) },
      },
      name,
    );
    this.lastOfState.set(this.key(event), this.push('LambdaFunctionStarted', scheduled, event.timestamp, {}, name));
  }

  private failed(event: Extract<EventLog, { type: 'StateFailed' }>): void {
    const { name, type } = event.state;
    let id: number | undefined;
    if (type === 'Task') {
      id = this.push(
        'LambdaFunctionFailed',
        this.lastOf(event),
        event.timestamp,
        {
          lambdaFunctionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
        },
        name,
      );
    } else if (type === 'Parallel') {
      // A Parallel fails because a branch did: it follows that branch's last event.
      id = this.push('ParallelStateFailed', this.lastInside.get(name) ?? this.lastOf(event), event.timestamp, {}, name);
    }
    if (id !== undefined) this.lastOfState.set(this.key(event), id);
  }

  private succeeded(event: StateEvent): void {
    const { name, type, output } = event.state;
    let previous = this.lastOf(event);
    if (type === 'Task') {
      previous = this.push(
        'LambdaFunctionSucceeded',
        previous,
        event.timestamp,
        { lambdaFunctionSucceededEventDetails: { output: json(output) } },
        name,
      );
    } else if (type === 'Parallel') {
      // It succeeds when its last branch ends: it follows the latest event inside it.
      previous = this.push('ParallelStateSucceeded', this.lastInside.get(name) ?? previous, event.timestamp, {}, name);
    }
    this.exited(event, `${type}StateExited`, previous, output);
  }

  private exited(event: StateEvent, type: string, previous: number, output: unknown): void {
    const { name } = event.state;
    const id = this.push(type, previous, event.timestamp, { stateExitedEventDetails: { name, output: json(output) } }, name);
    this.lastOfState.delete(this.key(event));
    const where = this.placement.get(name);
    if (where) this.lastInScope.set(where.scope, id);
  }
}
