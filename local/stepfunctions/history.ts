import type { StateMachine } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * Turns aws-local-stepfunctions' event log into GetExecutionHistory events shaped like AWS's, so the api
 * handler reads local and deployed executions the same way. Task failures carry Lambda's error shape.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number; // epoch seconds, as the JSON protocol sends timestamps
  type: string;
  [details: string]: unknown;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];

  constructor(private readonly resourceOf: (stateName: string) => string) {}

  private push(type: string, timestampMs: number, details: Record<string, unknown> = {}): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: timestampMs / 1000, type, ...details });
  }

  record(event: EventLog): void {
    const t = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        return this.push('ExecutionStarted', t, { executionStartedEventDetails: { input: json(event.input), roleArn: 'arn:aws:iam::000000000000:role/local' } });
      case 'ExecutionSucceeded':
        return this.push('ExecutionSucceeded', t, { executionSucceededEventDetails: { output: json(event.output) } });
      case 'ExecutionFailed':
        return this.push('ExecutionFailed', t, { executionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? '') } });
      case 'ExecutionAborted':
        return this.push('ExecutionAborted', t);
      case 'ExecutionTimeout':
        return this.push('ExecutionTimedOut', t);
      case 'StateEntered':
        this.push(`${event.state.type}StateEntered`, t, { stateEnteredEventDetails: { name: event.state.name, input: json(event.state.input) } });
        if (event.state.type === 'Task') this.scheduleLambda(event.state.name, event.state.input, t);
        return;
      case 'StateRetried':
        if (event.state.type === 'Task') this.scheduleLambda(event.state.name, event.state.input, t);
        return;
      case 'StateFailed':
        if (event.state.type === 'Task') {
          this.push('LambdaFunctionFailed', t, { lambdaFunctionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? '') } });
        }
        return;
      case 'StateCaught':
        return this.push(`${event.state.type}StateExited`, t, { stateExitedEventDetails: { name: event.state.name, output: json(event.state.input) } });
      case 'StateExited':
        if (event.state.type === 'Task') this.push('LambdaFunctionSucceeded', t, { lambdaFunctionSucceededEventDetails: { output: json(event.state.output) } });
        return this.push(`${event.state.type}StateExited`, t, { stateExitedEventDetails: { name: event.state.name, output: json(event.state.output) } });
      default:
        return undefined; // branch and map iteration events have no AWS counterpart in this history
    }
  }

  private scheduleLambda(stateName: string, input: unknown, t: number): void {
    this.push('LambdaFunctionScheduled', t, { lambdaFunctionScheduledEventDetails: { resource: this.resourceOf(stateName), input: json(input) } });
    this.push('LambdaFunctionStarted', t);
  }
}
