import { estimateLines, hourly, monthly } from '../functions/ops/estimate-lines';
import type { CostEstimate, PlanAnswer, PlannedResource, PreflightReport } from '../functions/ops/contracts';

/** `k8s-ec2 plan`: what a build would create, read like `terraform plan`. Pure functions from the answer to lines. */

/** Tags we add ourselves (the resource's name and ownership): the same on every plan, so not worth printing. */
const OWN_TAG = /^(Name$|aws:|k8s-ec2:|kubernetes\.io\/)/;

/** The user's tags: the ones every resource carries that are not ours. Printed once rather than under each resource. */
export function commonUserTags(resources: PlannedResource[]): Array<[string, string]> {
  if (!resources.length) return [];
  return Object.entries(resources[0].tags).filter(([key, value]) => !OWN_TAG.test(key) && resources.every((r) => r.tags[key] === value));
}

/** The attributes that tell one resource from another, indented under its `+ create` line. */
export function resourceLines(resource: PlannedResource): string[] {
  const lines = [`  + create ${resource.type} "${resource.name}"`];
  const attribute = (label: string, value: string | undefined) => value && lines.push(`      ${label}: ${value}`);
  const list = (label: string, values: string[] | undefined) => {
    if (!values) return;
    if (!values.length) return void lines.push(`      ${label}: none`);
    lines.push(`      ${label}:`, ...values.map((v) => `        ${v}`));
  };
  attribute('zone', resource.zone);
  attribute('cidr', resource.cidr);
  attribute('instanceType', resource.instanceType);
  list('rules', resource.rules);
  list('listeners', resource.listeners);
  attribute('detail', resource.detail);
  return lines;
}

/** Resources under the step that creates them, steps in the order of their first resource. */
export function resourcesByStep(resources: PlannedResource[]): string[] {
  const steps = new Map<string, PlannedResource[]>();
  for (const r of resources) steps.set(r.step, [...(steps.get(r.step) ?? []), r]);
  return [...steps].flatMap(([step, rs]) => [step, ...rs.flatMap(resourceLines)]);
}

export function preflightLines(preflight: PreflightReport): string[] {
  const lines = ['Preflight'];
  if (preflight.passed) lines.push(`  ✓ passed${preflight.checks.length ? `: ${preflight.checks.join(', ')}` : ''}`);
  lines.push(...preflight.problems.map((p) => `  ✗ ${p.field ?? p.check}: ${p.message}`));
  lines.push(...preflight.notes.map((note) => `  ! ${note}`));
  return lines;
}

/**
 * `Plan: 23 to create (1 vpc, 6 subnet, …). Estimated $1.2300/h, $885.60 per 30 days (2 prices unknown).`, amounts as
 * the cost table above it writes them; `Estimated cost unknown (9 prices unknown)` when no price is known, since a
 * total of $0.00 would read as a free build.
 */
export function planSummaryLine(summary: PlanAnswer['plan']['summary'], estimate: CostEstimate): string {
  const byType = Object.entries(summary.byType)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  const days = estimate.hoursPerMonth / 24;
  const unknown = estimate.unknown.length;
  const unknownNote = unknown ? ` (${unknown} ${unknown === 1 ? 'price' : 'prices'} unknown)` : '';
  const noneKnown = unknown > 0 && unknown === estimate.lines.length;
  const cost = noneKnown
    ? `Estimated cost unknown${unknownNote}`
    : `Estimated ${hourly(estimate.knownHourlyUsd)}/h, ${monthly(estimate.knownMonthlyUsd)} per ${days} days${unknownNote}`;
  return `Plan: ${summary.create} to create${byType ? ` (${byType})` : ''}. ${cost}.`;
}

/** The whole plan: header and user tags, resources by step, preflight, cost, then the one-line summary. */
export function planLines(answer: PlanAnswer): string[] {
  const { plan, preflight, estimate } = answer;
  const tags = commonUserTags(plan.resources);
  const problems = preflight.problems.length;
  return [
    `Plan for build ${plan.buildId} in ${plan.region}`,
    ...(tags.length ? [`  tags on every resource: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')} (besides Name and ours)`] : []),
    '',
    ...resourcesByStep(plan.resources),
    '',
    ...preflightLines(preflight),
    '',
    'Cost estimate',
    ...estimateLines(estimate),
    '',
    planSummaryLine(plan.summary, estimate),
    ...(preflight.passed
      ? []
      : [`✗ Preflight found ${problems} ${problems === 1 ? 'problem' : 'problems'}: a build of this spec would stop there.`]),
  ];
}
