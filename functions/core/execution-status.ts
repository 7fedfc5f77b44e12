/**
 * Build statuses as users see them (docs/design.md "2.3 Build statuses"), derived from the build execution (its status and the
 * error its final Fail state names) and the newest teardown execution of the build. Shared by the api
 * and the notify functions so that Slack and `GET /builds/{id}` never disagree.
 */
export const BUILD_STATUSES = ['RUNNING', 'SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED', 'DESTROYING', 'DESTROYED', 'FAILED'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/**
 * A Step Functions execution status: one of the SDK's ExecutionStatus values (RUNNING, SUCCEEDED, FAILED,
 * TIMED_OUT, ABORTED, PENDING_REDRIVE), kept a string so that a status added later still reads.
 */
export type ExecutionStatus = string;

/** The Fail-state error names of the build machine that say what happened to the created resources. */
export const FAIL_ERRORS = { rolledBack: 'BuildRolledBack', rollbackFailed: 'RollbackFailed', preflight: 'PreflightFailed' } as const;

const OPEN: ReadonlySet<string> = new Set(['RUNNING', 'PENDING_REDRIVE']);
export const isOpen = (status: ExecutionStatus | undefined): boolean => OPEN.has(status ?? '');

/**
 * Build execution → status. A failure whose error is not one of our Fail states (a timeout, an abort, a
 * runtime error of the machine itself) is FAILED: we cannot claim that anything was rolled back.
 */
export function buildExecutionStatus(status: ExecutionStatus | undefined, error?: string): BuildStatus {
  if (isOpen(status)) return 'RUNNING';
  if (status === 'SUCCEEDED') return 'SUCCEEDED';
  if (error === FAIL_ERRORS.rolledBack) return 'ROLLED_BACK';
  if (error === FAIL_ERRORS.rollbackFailed) return 'ROLLBACK_FAILED';
  return 'FAILED';
}

/**
 * With a teardown: running → DESTROYING, succeeded → DESTROYED. A teardown that failed leaves the build's
 * own status (what is left is then described by `teardown.status` in the detail view).
 */
export function overallStatus(build: BuildStatus, teardownStatus?: ExecutionStatus): BuildStatus {
  if (!teardownStatus || build === 'RUNNING') return build;
  if (isOpen(teardownStatus)) return 'DESTROYING';
  if (teardownStatus === 'SUCCEEDED') return 'DESTROYED';
  return build;
}

/** What a failure was: the step that failed, the error name and a readable cause. */
export interface FailureSummary {
  step?: string;
  error?: string;
  cause?: string;
}

const STEP_KEYS = ['step', 'failedStep', 'stepName', 'state', 'State', 'stateName'];
const ERROR_KEYS = ['error', 'Error', 'errorType', 'awsError', 'code'];
const CAUSE_KEYS = ['cause', 'Cause', 'errorMessage', 'message', 'Message'];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads the cause of a failure, tolerant of its shapes: a Fail state's JSON (`{step, error, cause}`, or a
 * Catch's `{Error, Cause}` passed on whole), a Lambda error (`{errorType, errorMessage, trace}`), causes
 * nested as JSON strings inside those, or plain text. Never throws.
 */
export function parseFailureCause(cause: string | undefined, depth = 0): FailureSummary {
  if (!cause) return {};
  const parsed = parseJson(cause);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || depth > 3) return { cause };
  const record = parsed as Record<string, unknown>;
  const pick = (keys: string[]) => {
    for (const key of keys) {
      const value = record[key];
      if (typeof value === 'string' && value) return value;
    }
    return undefined;
  };
  const nestedObject = [record.error, record.Error].find((v) => v && typeof v === 'object') as Record<string, unknown> | undefined;
  const nested: FailureSummary = nestedObject ? parseFailureCause(JSON.stringify(nestedObject), depth + 1) : {};
  const rawCause = pick(CAUSE_KEYS);
  const inner = rawCause ? parseFailureCause(rawCause, depth + 1) : {};
  return {
    step: pick(STEP_KEYS) ?? nested.step ?? inner.step,
    error: pick(ERROR_KEYS) ?? nested.error ?? inner.error,
    cause: inner.cause ?? nested.cause ?? rawCause,
  };
}

/** A short human sentence on what became of the resources, by the build's status. */
export function rollbackOutcome(status: BuildStatus, executionError?: string): string | undefined {
  if (status === 'FAILED' && executionError === FAIL_ERRORS.preflight) return 'Nothing was created: the build stopped in preflight.';
  switch (status) {
    case 'ROLLED_BACK':
      return 'Rolled back: everything the build created was deleted.';
    case 'ROLLBACK_FAILED':
      return 'Rollback FAILED: some resources may remain. Retry with DELETE /builds/{id}.';
    case 'FAILED':
      return 'Stopped before (or without) rolling back; if resources were created, remove them with DELETE /builds/{id}.';
    default:
      return undefined;
  }
}
