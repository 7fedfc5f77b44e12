import { buildIdOfTeardown, consoleUrl, regionOfArn } from '../core/execution-ids';
import { buildExecutionStatus, parseFailureCause, rollbackOutcome, type FailureSummary } from '../core/execution-status';
import type { BuildCostText } from '../ops/estimate-build';

/**
 * The Slack message for an execution that ended (Block Kit). Build and teardown executions are told
 * apart by name (`<buildId>--destroy-<n>` is a teardown); statuses are those of docs/design.md "2.3 Build statuses", as the API
 * shows them.
 */

/** `detail` of EventBridge's "Step Functions Execution Status Change" event. */
export interface ExecutionStatusDetail {
  executionArn: string;
  stateMachineArn?: string;
  name?: string;
  status: string;
  startDate?: number | null;
  stopDate?: number | null;
  input?: string | null;
  output?: string | null;
  error?: string | null;
  cause?: string | null;
}

export interface ExecutionStatusChange {
  'detail-type'?: string;
  source?: string;
  detail: ExecutionStatusDetail;
}

export const FINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

export interface Summary {
  kind: 'build' | 'teardown';
  buildId: string;
  cluster?: string;
  /** docs/design.md "2.3 Build statuses" status for builds; DESTROYED or FAILED for teardowns. */
  status: string;
  executionStatus: string;
  durationMs?: number;
  nlbDns?: string;
  bastionIp?: string;
  failure?: FailureSummary;
  outcome?: string;
  /** Preflight's notes on a successful build: what it could not check, or must tell the operator. */
  notes?: string[];
  consoleUrl: string;
}

const MAX_CAUSE = 600;
/** Slack caps a section's text at 3000 characters; notes share the section with the cause. */
const MAX_NOTES = 1500;
/** The cost estimate has a section of its own, under Slack's 3000 characters with its heading and code fence. */
const MAX_COST = 2800;

function parseObject(text: string | null | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

export function summarize(detail: ExecutionStatusDetail): Summary {
  const name = detail.name ?? detail.executionArn.split(':').pop() ?? '';
  const teardownOf = buildIdOfTeardown(name);
  const buildId = teardownOf ?? name;
  const input = parseObject(detail.input);
  const cluster =
    str((input?.spec as Record<string, unknown> | undefined)?.name) ?? buildId.replace(/-(\d{8}-\d{6}-[a-z0-9]+|k[0-9a-f]{16})$/, '');
  const outputs = parseObject(detail.output)?.outputs as
    { loadBalancer?: { dnsName?: unknown }; bastion?: { publicIp?: unknown }; notes?: unknown } | undefined;
  const succeeded = detail.status === 'SUCCEEDED';
  const status = teardownOf ? (succeeded ? 'DESTROYED' : 'FAILED') : buildExecutionStatus(detail.status, detail.error ?? undefined);
  const parsed = succeeded ? undefined : parseFailureCause(detail.cause ?? undefined);
  // The cause's error (what went wrong) says more than the Fail state's name (what became of it).
  const failure = parsed && { step: parsed.step, error: parsed.error ?? detail.error ?? detail.status, cause: parsed.cause };
  return {
    kind: teardownOf ? 'teardown' : 'build',
    buildId,
    cluster,
    status,
    executionStatus: detail.status,
    durationMs:
      typeof detail.startDate === 'number' && typeof detail.stopDate === 'number' ? detail.stopDate - detail.startDate : undefined,
    nlbDns: succeeded ? str(outputs?.loadBalancer?.dnsName) : undefined,
    bastionIp: succeeded ? str(outputs?.bastion?.publicIp) : undefined,
    notes: succeeded && Array.isArray(outputs?.notes) ? outputs.notes.filter((n): n is string => typeof n === 'string') : undefined,
    failure,
    outcome: teardownOf
      ? succeeded
        ? undefined
        : 'Teardown FAILED: some resources may remain. Send DELETE /builds/{id} again.'
      : rollbackOutcome(buildExecutionStatus(detail.status, detail.error ?? undefined), detail.error ?? undefined),
    consoleUrl: consoleUrl(detail.executionArn, regionOfArn(detail.executionArn ?? detail.stateMachineArn)),
  };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return 'unknown';
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h ${m}m ${s}s` : m ? `${m}m ${s}s` : `${s}s`;
}

/** Slack mrkdwn needs &, < and > escaped in text it did not write. */
export const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const ICONS: Record<string, string> = {
  SUCCEEDED: ':white_check_mark:',
  DESTROYED: ':wastebasket:',
  ROLLED_BACK: ':leftwards_arrow_with_hook:',
  ROLLBACK_FAILED: ':rotating_light:',
  FAILED: ':x:',
};

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** A finished build's cost: the estimate's lines in a code block (they are columns), or why there is none. */
function costSection(cost: BuildCostText): Record<string, unknown> {
  const text =
    'lines' in cost
      ? `*Cost estimate while it runs*\n\`\`\`${wholeLines(cost.lines.map(escapeMrkdwn), MAX_COST)}\`\`\``
      : `*Cost estimate unavailable*: ${escapeMrkdwn(truncate(cost.unavailable, 500))}`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** As many whole (escaped) lines as fit in `max` characters, then `…`: a cut never splits an entity or a column. */
function wholeLines(lines: string[], max: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > max - 2) return [...kept, '…'].join('\n');
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

/** `cost`: a succeeded build's estimate (or why there is none); other messages have no cost section. */
export function slackMessage(summary: Summary, cost?: BuildCostText): SlackMessage {
  const what = summary.kind === 'teardown' ? 'Teardown' : 'Build';
  const headline = `${summary.cluster ?? summary.buildId}: ${what} ${summary.status}`;
  const field = (label: string, value: string | undefined) =>
    value ? [{ type: 'mrkdwn', text: `*${label}*\n${escapeMrkdwn(truncate(value, 500))}` }] : [];
  const fields = [
    ...field('Cluster', summary.cluster),
    ...field('Build id', summary.buildId),
    ...field(
      'Status',
      summary.executionStatus === summary.status ? summary.status : `${summary.status} (execution ${summary.executionStatus})`,
    ),
    ...field('Duration', formatDuration(summary.durationMs)),
    ...field('NLB DNS', summary.nlbDns),
    ...field('Bastion IP', summary.bastionIp),
    ...field('Failed step', summary.failure?.step),
    ...field('Error', summary.failure?.error),
  ];
  const notes = summary.notes?.length
    ? `*Preflight notes*\n${escapeMrkdwn(truncate(summary.notes.map((n) => `• ${n}`).join('\n'), MAX_NOTES))}`
    : undefined;
  const details = [
    summary.failure?.cause && `*Cause*\n${escapeMrkdwn(truncate(summary.failure.cause, MAX_CAUSE))}`,
    summary.outcome && escapeMrkdwn(summary.outcome),
    notes,
  ].filter(Boolean);
  return {
    text: `${headline} (${summary.buildId}, ${formatDuration(summary.durationMs)})`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: truncate(`${ICONS[summary.status] ?? ':information_source:'} ${headline}`, 150), emoji: true },
      },
      { type: 'section', fields },
      ...(details.length ? [{ type: 'section', text: { type: 'mrkdwn', text: details.join('\n\n') } }] : []),
      ...(cost ? [costSection(cost)] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${summary.consoleUrl}|Open the execution in the Step Functions console>` }] },
    ],
  };
}
