/**
 * The slice of the Amazon States Language (JSONPath mode) our definitions use, typed so that a missing
 * `Next`, a misspelt field or a Task without its policy fails to compile rather than to deploy.
 * Plain data: no CDK here, so the same objects go to CloudFormation and to aws-local-stepfunctions.
 */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath: string;
  Next: string;
}

/** How a state hands over: exactly one of `Next` or `End`. */
export type Transition = { Next: string; End?: never } | { End: true; Next?: never };

interface Common {
  Comment?: string;
}

export type TaskState = Common &
  Transition & {
    Type: 'Task';
    Resource: string;
    /** The payload, when the function takes something else than the state (the notify function). */
    Parameters?: Record<string, unknown>;
    ResultPath: string;
    TimeoutSeconds: number;
    Retry: Retrier[];
    Catch: Catcher[];
  };

export type PassState = Common &
  Transition & {
    Type: 'Pass';
    InputPath?: string;
    Parameters?: Record<string, unknown>;
    /** A fixed result (instead of the input) put at ResultPath. */
    Result?: unknown;
    ResultPath?: string;
  };

export type ParallelState = Common &
  Transition & {
    Type: 'Parallel';
    Branches: StateMachineDefinition[];
    ResultPath?: string;
    Catch?: Catcher[];
  };

/** A test on one variable: presence, or a boolean or string comparison. */
export type ChoiceTest = { Variable: string } & (
  | { IsPresent: boolean; BooleanEquals?: never; StringEquals?: never }
  | { BooleanEquals: boolean; IsPresent?: never; StringEquals?: never }
  | { StringEquals: string; IsPresent?: never; BooleanEquals?: never }
);

/** One Choice rule: a test, or its negation, and the state it leads to. */
export type ChoiceCondition = ChoiceTest | { Not: ChoiceTest };
export type ChoiceRule = ChoiceCondition & { Next: string };

export interface ChoiceState extends Common {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default: string;
}

/**
 * A fixed `Seconds`, or `SecondsPath` to a whole number of seconds a step put in the state (a step's
 * `waitSeconds`); the local runtime's scaled definitions use `TimestampPath` instead (workflows/scale.ts).
 */
export type WaitState = Common & Transition & { Type: 'Wait'; Seconds?: number; SecondsPath?: string; TimestampPath?: string };

export interface SucceedState extends Common {
  Type: 'Succeed';
  OutputPath?: string;
}

export interface FailState extends Common {
  Type: 'Fail';
  Error: string;
  CausePath: string;
}

export type State = TaskState | PassState | ParallelState | ChoiceState | WaitState | SucceedState | FailState;
export type States = Record<string, State>;

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: States;
}

/** Every state of a definition, Parallel branches included, with its name. */
export function allStates(definition: StateMachineDefinition): Array<[string, State]> {
  return Object.entries(definition.States).flatMap(([name, state]): Array<[string, State]> => [
    [name, state],
    ...(state.Type === 'Parallel' ? state.Branches.flatMap(allStates) : []),
  ]);
}

/** The definition as the string CloudFormation's DefinitionString (and the local runtime) take. */
export function toJson(definition: StateMachineDefinition): string {
  return JSON.stringify(definition, null, 2);
}
