import type { CostEstimate, CostLine } from './contracts';

/**
 * A cost estimate as plain text lines for the CLI and Slack, in columns, e.g.
 * `  3 × instance m6i.large   @ $0.1468/h   $0.4404/h   $317.09/30 d`, each line's note beneath it. A price the
 * Price List did not give reads `unknown`, never $0, and the total says which items it leaves out.
 */
export function estimateLines(estimate: CostEstimate): string[] {
  const days = estimate.hoursPerMonth / 24;
  const rows = estimate.lines.map((line) => [`${line.count} × ${line.item}`, ...priced(line, days)]);
  const totalRow = ['Total', '', ...total(estimate, days)];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...[...rows, totalRow].map((row) => row[column]?.length ?? 0)));
  // Labels and text align left, amounts right, so that their decimal points line up.
  const render = (row: string[]) =>
    `  ${row[0].padEnd(widths[0])}   ${row
      .slice(1)
      .map((cell, i) => (cell === 'unknown' || cell.startsWith('(') ? cell : cell.padStart(widths[i + 1])))
      .join('   ')}`.trimEnd();
  const lines = estimate.lines.flatMap((line, i) => [render(rows[i]), ...(line.note ? [`      ${line.note}`] : [])]);
  return [...lines, render(totalRow), `  Prices: ${estimate.source}`, ...estimate.notes.map((note) => `  ${note}`)];
}

/** The line's columns: unit price, hourly, 30 days; or `unknown`. */
function priced(line: CostLine, days: number): string[] {
  if (line.unitHourlyUsd === undefined || line.hourlyUsd === undefined || line.monthlyUsd === undefined) return ['unknown'];
  return [`@ ${rate(line.unitHourlyUsd)}/h`, `${hourly(line.hourlyUsd)}/h`, `${monthly(line.monthlyUsd)}/${days} d`];
}

function total(estimate: CostEstimate, days: number): string[] {
  if (estimate.lines.length > 0 && estimate.unknown.length === estimate.lines.length) return ['unknown', '(no price was found)'];
  const sums = [`${hourly(estimate.knownHourlyUsd)}/h`, `${monthly(estimate.knownMonthlyUsd)}/${days} d`];
  return estimate.unknown.length > 0 ? [...sums, `(leaves out the unknown: ${estimate.unknown.join(', ')})`] : sums;
}

/** A unit price: 4 decimals, 3 significant digits for a rate below a tenth of a cent (a GiB of storage by the hour). */
const rate = (usd: number) => `$${usd >= 0.001 || usd === 0 ? usd.toFixed(4) : usd.toPrecision(3)}`;
/** An hourly amount, `$0.4404`; exported so that the plan's summary line (cli/format-plan.ts) reads as this table does. */
export const hourly = (usd: number) => `$${usd.toFixed(4)}`;
/** A 30-day amount, `$1,234.50`; exported for the same reason. */
export const monthly = (usd: number) => `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
