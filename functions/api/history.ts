import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { WAITING_ERRORS } from '../core/errors';
import { parseFailureCause, type FailureSummary } from '../core/execution-status';

/**
 * The checklist of a build (`steps` of GET /builds/{id}) read from its execution history. State names
 * come from `*StateEntered`/`*StateExited`; the task events in between (TaskScheduled/Failed… for the
 * `lambda:invoke` integration, LambdaFunction* for a plain function ARN) are tied to their state by the
 * `previousEventId` chain, which is how AWS links them (a Parallel's branches interleave in time).
 */
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'retrying';

export interface Step {
  name: string;
  status: StepStatus;
  enteredAt?: string;
  exitedAt?: string;
  /**
   * While the step's Retry waits for AWS (its last attempt threw ResourceNotReady): what it waits for, e.g.
   * "attachment tgw-attach-… is pendingAcceptance: accept attachment … in account …".
   */
  waitingFor?: string;
}

export interface StepsView {
  steps: Step[];
  currentStep?: string;
  /** The first step that ended failed, with the error its last attempt threw. */
  failure?: FailureSummary;
}

/** Only states that do work are steps; Choice/Wait/Pass/Succeed/Fail are plumbing. */
const STEP_STATE = /^(Task|Parallel|Map)State(Entered|Exited)$/;
const ATTEMPT_STARTED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const ATTEMPT_FAILED = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
]);
const ATTEMPT_SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);
const BLOCK_EVENT = /^(Parallel|Map)State(Started|Succeeded|Failed|Aborted)$/;

interface Tracked extends Step {
  lastAttemptFailed: boolean;
  open: boolean;
  lastFailure?: FailureSummary;
  entrySeq: number;
}

const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

function failureOf(event: HistoryEvent): FailureSummary {
  const details =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails;
  return { error: details?.error, cause: details?.cause };
}

export function stepsFromHistory(events: HistoryEvent[], executionOpen: boolean): StepsView {
  const steps = new Map<string, Tracked>();
  const ownerOf = new Map<number, string>();
  const openBlocks: string[] = [];
  let seq = 0;
  const close = (step: Tracked, exitedAt?: string) =>
    Object.assign(step, { open: false, exitedAt: exitedAt ?? step.exitedAt, status: step.lastAttemptFailed ? 'failed' : 'succeeded' });

  for (const event of events) {
    const type = event.type ?? '';
    const id = event.id ?? 0;
    const stateEvent = STEP_STATE.exec(type);
    if (stateEvent) {
      const name = (stateEvent[2] === 'Entered' ? event.stateEnteredEventDetails?.name : event.stateExitedEventDetails?.name) ?? '?';
      ownerOf.set(id, name);
      if (stateEvent[2] === 'Entered') {
        // A state entered again (a Wait/Choice loop) continues the same checklist line.
        const previous = steps.get(name);
        steps.set(name, {
          name,
          status: 'running',
          enteredAt: previous?.enteredAt ?? iso(event.timestamp),
          lastAttemptFailed: false,
          open: true,
          entrySeq: ++seq,
        });
        if (stateEvent[1] !== 'Task') openBlocks.push(name);
      } else {
        const step = steps.get(name);
        if (!step) continue;
        close(step, iso(event.timestamp));
        const at = openBlocks.lastIndexOf(name);
        if (at < 0) continue;
        openBlocks.splice(at, 1);
        // A branch that failed ends its Parallel without exiting its own state; its siblings are aborted.
        for (const inner of steps.values()) {
          if (inner.open && inner.entrySeq > step.entrySeq) close(Object.assign(inner, { lastAttemptFailed: true }), iso(event.timestamp));
        }
      }
      continue;
    }
    // Parallel/Map lifecycle events belong to the innermost open block; everything else follows the chain.
    const owner = BLOCK_EVENT.test(type) ? openBlocks[openBlocks.length - 1] : ownerOf.get(event.previousEventId ?? -1);
    if (!owner) continue;
    ownerOf.set(id, owner);
    const step = steps.get(owner);
    if (!step || !step.open) continue;
    if (ATTEMPT_STARTED.has(type) && step.lastAttemptFailed) step.status = 'retrying';
    if (ATTEMPT_FAILED.has(type) || /State(Failed|Aborted)$/.test(type)) {
      // Until the state exits, a failed attempt means a Retry is waiting out its backoff.
      Object.assign(step, { lastAttemptFailed: true, status: 'retrying', lastFailure: failureOf(event) });
    }
    if (ATTEMPT_SUCCEEDED.has(type)) Object.assign(step, { lastAttemptFailed: false, status: 'running' });
  }

  const list = [...steps.values()];
  if (!executionOpen) {
    // The execution ended with these states still open: their last attempt is how they ended.
    for (const step of list.filter((s) => s.open)) Object.assign(step, { open: false, status: 'failed' as const });
  }
  const failed = list.find((s) => s.status === 'failed' && s.lastFailure?.error);
  const current = [...list].reverse().find((s) => s.open && !openBlocks.includes(s.name)) ?? [...list].reverse().find((s) => s.open);
  return {
    steps: list.map(({ name, status, enteredAt, exitedAt, open, lastAttemptFailed, lastFailure }) => ({
      name,
      status,
      enteredAt,
      exitedAt,
      ...(open &&
        lastAttemptFailed &&
        WAITING_ERRORS.includes(lastFailure?.error ?? '') && { waitingFor: parseFailureCause(lastFailure?.cause).cause }),
    })),
    currentStep: current?.name,
    failure: failed ? { step: failed.name, ...failed.lastFailure } : undefined,
  };
}
