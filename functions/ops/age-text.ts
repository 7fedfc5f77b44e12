/**
 * How old an orphaned resource is, as the CLI (`k8s-ec2 orphans`, `sweep`) and the daily Slack report print it:
 * `4d 03h`, `3h 12m`, `7m 05s`, `40s`. Orphans are often found days later: past a day, hours are enough. Empty
 * when AWS tells no age (VPCs, subnets, groups…) or the number is not one.
 */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${two(Math.floor((s % 86_400) / 3600))}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${s}s`;
}
