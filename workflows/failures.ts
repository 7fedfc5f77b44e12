import type { FailState, PassState, States, Transition } from './asl';

/**
 * How a failure is told. A Catch leaves `{ Error, Cause }` at `$.error`; a small Pass named after the
 * step turns it into `$.failure = { failedStep, error, cause }` (plain JSONPath, so it reads the same in
 * Step Functions and in aws-local-stepfunctions, and the console shows it as the Fail state's input).
 * Just before each Fail, one more Pass serialises `$.failure` with States.JsonToString, and the Fail
 * takes it through `CausePath` (a reference path: aws-local-stepfunctions@3 does not evaluate intrinsic
 * functions in CausePath). The Fail's `Error` is the outcome (`BuildRolledBack`…), so DescribeExecution
 * alone tells a rolled-back build from one whose rollback failed; the AWS error is inside the cause.
 *
 * Known local difference: aws-local-stepfunctions@3 strips every backslash from an intrinsic's string
 * result, so when the recorded cause itself contains quotes (a Lambda cause is JSON) the serialised cause
 * is not valid JSON there. Real Step Functions escapes it correctly. Locally, read `$.failure` from the
 * Fail state's input (the execution's event log) rather than parsing the cause.
 */

export const FAILURE_PATH = '$.failure';
const SUMMARY_PATH = '$.failureSummary';

/** The outcome names a failed execution ends with (the Fail state's name and its `Error`). */
export const BUILD_FAILURES = {
  preflight: 'PreflightFailed',
  rolledBack: 'BuildRolledBack',
  rollbackFailed: 'RollbackFailed',
} as const;
export const TEARDOWN_FAILED = 'TeardownFailed' as const;

/** The recorded failure, as found at `$.failure` (and, serialised, as the Fail state's cause). */
export interface FailureRecord {
  failedStep: string;
  error: string;
  cause: string;
  /** Set when a rollback step failed too: the build's failure keeps its place, this one is added. */
  rollback?: FailureRecord;
}

/** The Pass that records which step failed and with what, after that step's Catch. */
export function recordFailureName(failedStep: string): string {
  return `Record${failedStep}Failure`;
}

export function recordFailure(failedStep: string, at: string, then: Transition): PassState {
  return {
    Type: 'Pass',
    Comment: `${failedStep} failed for good (after its retries): note the step and the error before cleaning up`,
    Parameters: { failedStep, 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
    ResultPath: at,
    ...then,
  };
}

/** The name of the Pass that prepares a Fail state's cause; a flow that must fail goes here. */
export function explainName(failName: string): string {
  return `Explain${failName}`;
}

/** `Explain<Outcome>` (serialise `$.failure`) → Fail `<Outcome>` with that JSON as its cause. */
export function failWithCause(failName: string, comment: string): States {
  const explain: PassState = {
    Type: 'Pass',
    Comment: 'A Fail state can only take a string cause: serialise the failure record',
    Parameters: { 'cause.$': `States.JsonToString(${FAILURE_PATH})` },
    ResultPath: SUMMARY_PATH,
    Next: failName,
  };
  const fail: FailState = { Type: 'Fail', Comment: comment, Error: failName, CausePath: `${SUMMARY_PATH}.cause` };
  return { [explainName(failName)]: explain, [failName]: fail };
}
