import type { BuildView } from './api-client';
import { formatDuration, markOf, stepLine } from './progress';

/** What the CLI prints about a build: pure functions from API answers to lines. */

interface ErrorLike {
  code?: string;
  message?: string;
  field?: string;
  step?: string;
}

/**
 * The build's error whatever its spelling: the API's `{ code, message, step }`, or Step Functions'
 * `{ Error, Cause }` passed through (Cause is often itself JSON with `errorMessage`).
 */
export function buildError(view: BuildView): ErrorLike | undefined {
  const raw = view.error;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return { message: raw };
  const e = raw as Record<string, unknown>;
  const str = (...keys: string[]) => keys.map((k) => e[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
  let message = str('message', 'Cause', 'cause');
  try {
    const cause = message ? (JSON.parse(message) as { errorMessage?: string }) : undefined;
    if (cause?.errorMessage) message = cause.errorMessage;
  } catch {
    // a plain-text cause is already the message
  }
  return { code: str('code', 'Error', 'error'), message, field: str('field'), step: str('step', 'failedStep', 'state') };
}

/** The step that failed: named by the error, else the last step marked failed, else the current step. */
export function failedStep(view: BuildView): string | undefined {
  const named = buildError(view)?.step;
  if (named) return named;
  const failed = [...(view.steps ?? [])].reverse().find((s) => markOf(s.status) === 'failed' && !/^Rollback/i.test(s.name));
  return (
    failed?.name ?? [...(view.steps ?? [])].reverse().find((s) => markOf(s.status) === 'failed')?.name ?? view.currentStep ?? undefined
  );
}

function elapsed(times: { startedAt?: string; stoppedAt?: string }): string {
  const start = times.startedAt ? Date.parse(times.startedAt) : NaN;
  const stop = times.stoppedAt ? Date.parse(times.stoppedAt) : NaN;
  return Number.isNaN(start) || Number.isNaN(stop) ? '' : ` in ${formatDuration(stop - start)}`;
}

/** Closing lines after following: ✓ with the outputs, or ✗ with the failed step and the error. */
export function resultLines(view: BuildView): string[] {
  if (view.status === 'SUCCEEDED') return [`✓ Build ${view.buildId} SUCCEEDED${elapsed(view)}`, ...outputLines(view)];
  if (view.status === 'DESTROYED')
    return [`✓ Build ${view.buildId} DESTROYED${elapsed(view.teardown ?? {})}: everything it created is gone`];
  const lines = [`✗ Build ${view.buildId} ${view.status}${elapsed(view)}`];
  const step = failedStep(view);
  const error = buildError(view);
  if (step) lines.push(`  failed step: ${step}`);
  if (error) lines.push(`  error: ${[error.code, error.field, error.message].filter(Boolean).join(': ')}`);
  if (view.status === 'ROLLED_BACK') lines.push('  everything the build had created was removed');
  if (view.status === 'ROLLBACK_FAILED')
    lines.push(`  some resources may remain: retry the teardown with  k8s-ec2 destroy ${view.buildId} --follow`);
  return lines;
}

/** Closing lines after following a teardown. */
export function teardownResultLines(view: BuildView): string[] {
  if (view.status === 'DESTROYED') return resultLines(view);
  const lines = [
    `✗ Teardown of ${view.buildId} ${view.teardown?.status ?? 'FAILED'}${elapsed(view.teardown ?? {})} (the build stays ${view.status})`,
  ];
  if (view.teardown?.links?.console) lines.push(`  console: ${view.teardown.links.console}`);
  lines.push(`  some resources may remain: run  k8s-ec2 destroy ${view.buildId} --follow  again`);
  return lines;
}

/** NLB DNS name, bastion IP and the nodes of a successful build. */
export function outputLines(view: BuildView): string[] {
  const o = view.outputs;
  if (!o) return [];
  const lines: string[] = [];
  if (o.loadBalancer?.dnsName) lines.push(`  NLB DNS         ${o.loadBalancer.dnsName}`);
  if (o.loadBalancer?.apiEndpoint) lines.push(`  API endpoint    ${o.loadBalancer.apiEndpoint}`);
  if (o.bastion?.publicIp)
    lines.push(`  bastion         ${o.bastion.publicIp}${o.bastion.instanceId ? `  (${o.bastion.instanceId})` : ''}`);
  if (o.vpcId) lines.push(`  VPC             ${o.vpcId}`);
  const nodes = o.nodes ?? [];
  if (nodes.length) {
    lines.push(`  nodes (${nodes.length})`);
    const w = Math.max(...nodes.map((n) => n.name.length));
    for (const n of nodes)
      lines.push(`    ${n.name.padEnd(w)}  ${n.role.padEnd(13)}  ${n.az.padEnd(16)}  ${(n.privateIp ?? '-').padEnd(15)}  ${n.instanceId}`);
  }
  lines.push(`  artifacts: k8s-ec2 artifacts ${view.buildId} --out ./${o.clusterName ?? view.buildId}`);
  return lines;
}

/** `k8s-ec2 status ID`: status, steps, then outputs or the failure. */
export function summaryLines(view: BuildView, now?: number): string[] {
  const steps = view.steps ?? [];
  const nameWidth = Math.max(0, ...steps.map((s) => s.name.length));
  const head = [`Build ${view.buildId}${view.clusterName ? ` (cluster ${view.clusterName})` : ''}: ${view.status}`];
  if (view.currentStep && view.status !== 'SUCCEEDED') head.push(`  current step: ${view.currentStep}`);
  if (view.startedAt) head.push(`  started: ${view.startedAt}${view.stoppedAt ? `  stopped: ${view.stoppedAt}` : ''}`);
  const body = steps.map((s) => stepLine(s, { nameWidth, now }));
  const tail = view.status === 'SUCCEEDED' ? outputLines(view) : /FAIL|ROLLED_BACK/.test(view.status) ? resultLines(view).slice(1) : [];
  const teardown = view.teardown
    ? [`  teardown: ${view.teardown.status}${view.teardown.startedAt ? ` (started ${view.teardown.startedAt})` : ''}`]
    : [];
  const consoleLink = view.links?.console ? [`  console: ${view.links.console}`] : [];
  return [...head, ...body, ...tail, ...teardown, ...consoleLink];
}

/** `k8s-ec2 list`: a plain table, columns padded to their widest cell. */
export function tableLines(views: BuildView[]): string[] {
  const rows = views.map((v) => [v.buildId, v.status, v.startedAt ?? '', v.stoppedAt ?? '']);
  const all = [['BUILD ID', 'STATUS', 'STARTED', 'STOPPED'], ...rows];
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}
