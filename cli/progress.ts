import type { BuildView, StepView } from './api-client';
import { stripVTControlCharacters } from 'node:util';

/*
 * Why no progress library: the candidates are ESM-only and most need a newer Node than ours (checked with
 * `npm view`: listr2 11 is "type": "module" with engines node >= 22.13, log-update needs node >= 22, ora is
 * ESM-only), while this project is CommonJS on Node 20 and its tests run through @swc/jest as CommonJS.
 * What we need is small anyway: one line per step, redrawn in place only when the text changes, and plain
 * append-only lines when stdout is a pipe or a CI log. If the project moves to Node 22, listr2 is the one to
 * adopt (its task list maps one to one on our steps).
 */

export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Redraw in place (default: `out.isTTY`). */
  tty?: boolean;
  /** Colour the marks (default: on a TTY unless NO_COLOR is set). */
  color?: boolean;
  /** Clock for the running step's elapsed time (tests pass a fixed one). */
  now?: () => number;
  /** Show the step lines (default true; a teardown shows only the status, as `steps` are the build's). */
  steps?: boolean;
}

type Mark = 'done' | 'failed' | 'running' | 'other';

const MARKS: Record<Mark, string> = { done: '✓', failed: '✗', running: '…', other: '·' };
const COLORS: Record<Mark, string> = { done: '\x1b[32m', failed: '\x1b[31m', running: '\x1b[36m', other: '\x1b[2m' };

/** Step statuses as the API reports them (Step Functions' own words or ours), sorted into four marks. */
export function markOf(status: string): Mark {
  const s = status.toUpperCase();
  if (/^(SUCCEEDED|SUCCESS|DONE|EXITED|COMPLETED)$/.test(s)) return 'done';
  if (/FAIL|ERROR|TIMED_OUT|ABORTED|CAUGHT/.test(s)) return 'failed';
  if (/^(RUNNING|ENTERED|IN_PROGRESS|STARTED|WAITING|RETRYING)$/.test(s)) return 'running';
  return 'other';
}

/** 0.4s · 12s · 2m 05s · 1h 02m */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function stepDuration(step: StepView, now: number | undefined): number | undefined {
  const start = step.enteredAt ? Date.parse(step.enteredAt) : NaN;
  if (Number.isNaN(start)) return undefined;
  const end = step.exitedAt ? Date.parse(step.exitedAt) : now;
  return end === undefined || Number.isNaN(end) ? undefined : end - start;
}

/**
 * One line per step: mark, name, duration. `now` gives running steps their elapsed time; without it they
 * show none, so that a line only changes when the step does.
 */
export function stepLine(step: StepView, options: { nameWidth?: number; color?: boolean; now?: number } = {}): string {
  const mark = markOf(step.status);
  const symbol = options.color ? `${COLORS[mark]}${MARKS[mark]}\x1b[0m` : MARKS[mark];
  const ms = stepDuration(step, mark === 'running' ? options.now : undefined);
  const time = ms === undefined ? '' : formatDuration(ms);
  // The mark says most; the word is added where it says more (a Retry waiting out its backoff, a timeout…).
  const word = step.status.toLowerCase();
  const detail = ['succeeded', 'failed', 'running'].includes(word) ? '' : word;
  return `  ${symbol} ${step.name.padEnd(options.nameWidth ?? 0)}  ${[time, detail].filter(Boolean).join('  ')}`.trimEnd();
}

/**
 * Live progress of a build. On a TTY the block of step lines is redrawn in place, and only when its text
 * changes (a poll that brings nothing new writes nothing). Elsewhere each step's changes are appended as
 * plain lines, each at most once, so a CI log reads as a checklist.
 */
export class ProgressRenderer {
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly now: () => number;
  private frame: string[] = [];
  /** plain mode: what was last printed for each step (by position, as step names may repeat) */
  private readonly printed = new Map<number, Mark>();
  private lastStatus?: string;
  /** plain mode: steps whose current wait was printed */
  private readonly waitPrinted = new Set<number>();
  private readonly showSteps: boolean;

  constructor(
    private readonly out: Writer,
    options: ProgressOptions = {},
  ) {
    this.showSteps = options.steps ?? true;
    this.tty = options.tty ?? Boolean(out.isTTY);
    this.color = options.color ?? (this.tty && !process.env.NO_COLOR);
    this.now = options.now ?? Date.now;
  }

  update(view: BuildView): void {
    const shown = this.showSteps ? view : { ...view, steps: [], currentStep: undefined };
    if (this.tty) this.redraw(shown);
    else this.append(shown);
  }

  private header(view: BuildView): string {
    return `Build ${view.buildId}  ${view.status}${view.currentStep && !/^(SUCCEEDED|DESTROYED)$/.test(view.status) ? `  (${view.currentStep})` : ''}`;
  }

  private redraw(view: BuildView): void {
    const steps = view.steps ?? [];
    const nameWidth = Math.max(0, ...steps.map((s) => s.name.length));
    const width = Math.max(20, (this.out.columns || 120) - 1); // a pty may report 0 columns
    // A wrapped line would throw off the cursor arithmetic below, so lines are cut to the terminal width.
    const cut = (line: string) => (visibleLength(line) > width ? line.slice(0, width + (line.length - visibleLength(line))) : line);
    const next = [
      this.header(view),
      ...steps.flatMap((s) => [
        stepLine(s, { nameWidth, color: this.color, now: Math.floor(this.now() / 1000) * 1000 }),
        ...(s.waitingFor ? [waitingLine(s.waitingFor)] : []),
      ]),
    ].map(cut);
    if (next.length === this.frame.length && next.every((line, i) => line === this.frame[i])) return;
    let text = this.frame.length ? `\x1b[${this.frame.length}F` : '';
    for (const line of next) text += `\x1b[2K${line}\n`;
    for (let i = next.length; i < this.frame.length; i++) text += '\x1b[2K\n';
    if (this.frame.length > next.length) text += `\x1b[${this.frame.length - next.length}F`;
    this.out.write(text);
    this.frame = next;
  }

  private append(view: BuildView): void {
    if (view.status !== this.lastStatus) {
      this.out.write(`${this.header(view)}\n`);
      this.lastStatus = view.status;
    }
    (view.steps ?? []).forEach((step, i) => {
      const mark = markOf(step.status);
      // What a step waits for is printed once per wait: a poll's changing counts would flood a CI log.
      if (step.waitingFor && !this.waitPrinted.has(i)) {
        this.waitPrinted.add(i);
        this.out.write(`${stepLine(step)}\n${waitingLine(step.waitingFor)}\n`);
        this.printed.set(i, mark);
        return;
      }
      if (!step.waitingFor) this.waitPrinted.delete(i);
      if (this.printed.get(i) === mark) return;
      this.printed.set(i, mark);
      this.out.write(`${stepLine(step)}\n`);
    });
  }
}

/** The line under a waiting step: what it waits for (one line; the TTY view cuts it to the terminal width). */
export function waitingLine(waitingFor: string): string {
  return `      ↳ ${waitingFor.replace(/\s+/g, ' ')}`;
}

/** Node's own stripping of ANSI escapes (colours), rather than a control-character regex of ours. */
const visibleLength = (line: string) => stripVTControlCharacters(line).length;
