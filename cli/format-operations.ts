import { formatAge } from '../functions/ops/age-text';
import type { Drift, OrphanGroup, OrphansAnswer, VerifyAnswer } from '../functions/ops/contracts';

/** What `k8s-ec2 verify`, `orphans` and `sweep` print: pure functions from the API answers to lines. */

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A drift value as the user can compare it: strings as they are, the rest as JSON, `absent` when nothing is there. */
export function driftValue(value: unknown): string {
  if (value === null || value === undefined) return 'absent';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function driftLine(drift: Drift): string {
  return `✗ ${drift.resource}  ${drift.field}: expected ${driftValue(drift.expected)}, found ${driftValue(drift.actual)}`;
}

export function verifyLines(answer: VerifyAnswer): string[] {
  if (!answer.drift.length) return [`✓ ${answer.buildId}: no drift (checked ${answer.checkedAt})`];
  return [...answer.drift.map(driftLine), `${plural(answer.drift.length, 'difference')} (checked ${answer.checkedAt})`];
}

/** Cells padded to their column's widest, as `k8s-ec2 list` does. */
function columns(rows: string[][], indent: string): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  return rows.map((r) => `${indent}${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd());
}

/** One orphaned build id: a header line, then its resources as `type id name age`. */
export function orphanGroupLines(group: OrphanGroup): string[] {
  const age = formatAge(group.ageSeconds);
  const header = [group.buildId, group.clusterName && `cluster ${group.clusterName}`, group.reason, age && `age ${age}`];
  const rows = group.resources.map((r) => [r.type, r.id, r.name ?? '-', formatAge(r.ageSeconds) || '-']);
  return [header.filter(Boolean).join('  '), ...columns(rows, '  ')];
}

export function resourceCount(groups: OrphanGroup[]): number {
  return groups.reduce((n, g) => n + g.resources.length, 0);
}

export function orphansLines(answer: OrphansAnswer): string[] {
  const groups = answer.orphans;
  if (!groups.length) return [`✓ nothing orphaned in ${answer.region}`];
  return [
    ...groups.flatMap(orphanGroupLines),
    `${plural(groups.length, 'orphaned build')}, ${plural(resourceCount(groups), 'resource')} — remove with: k8s-ec2 sweep BUILD_ID (or --all)`,
  ];
}
