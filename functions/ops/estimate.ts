import type { PricingClient } from '@aws-sdk/client-pricing';
import type { Plan } from '../core/plan';
import { settleLimited } from '../core/pool';
import type { CostEstimate, CostLine } from './contracts';
import { secondsText, withDeadline } from './deadline';
import { billedItems, type BilledItem } from './estimate-items';
import { lookupPrice, type PriceAnswer } from './estimate-price-list';
import { queryKey, type PriceQuery } from './estimate-queries';

/**
 * The cost of a build while it runs, from the AWS Price List Query API (docs/design.md "12.2 Cost estimate"):
 * hourly and 30-day USD per billed kind of resource, on-demand list prices. A price the API did not give
 * (no product, an error, a denial) leaves its line without a price and its item in `unknown`, never at 0, and
 * the totals say they leave it out: a wrong total is worse than an incomplete one. It never throws for pricing
 * errors; the reason is in the line's note.
 */

/** 30 days of 24 hours: the month the estimate shows (AWS bills by the hour or second, whatever the month). */
export const HOURS_PER_MONTH = 720;
/** GetProducts calls in flight at once: the API publishes no rate, and a build asks fewer than ten questions. */
const LOOKUP_CONCURRENCY = 4;

export interface EstimateOptions {
  /**
   * How long to wait for the Price List. A question still unanswered then leaves its line unknown, its note saying
   * so, and the prices that did come keep their lines. Default: as long as the SDK takes, retries and all.
   */
  timeoutMs?: number;
}

export async function estimateCost(pricing: PricingClient, plan: Plan, options: EstimateOptions = {}): Promise<CostEstimate> {
  const items = billedItems(plan);
  const answers = await answersFor(
    pricing,
    items.map((i) => i.query),
    options.timeoutMs,
  );
  const lines = items.map((item) => costLine(item, answers.get(queryKey(item.query)) ?? { reason: 'not asked' }));
  const known = lines.filter((line) => line.hourlyUsd !== undefined);
  const sampleNotes = [...new Set([...answers.values()].flatMap((a) => ('sampleNote' in a && a.sampleNote ? [a.sampleNote] : [])))];
  return {
    currency: 'USD',
    region: plan.spec.region,
    hoursPerMonth: HOURS_PER_MONTH,
    lines,
    knownHourlyUsd: tidy(known.reduce((sum, line) => sum + (line.hourlyUsd ?? 0), 0)),
    knownMonthlyUsd: tidy(known.reduce((sum, line) => sum + (line.monthlyUsd ?? 0), 0)),
    unknown: lines.filter((line) => line.hourlyUsd === undefined).map((line) => line.item),
    source: await sourceOf(pricing, sampleNotes),
    notes: [
      `On-demand list prices in USD for ${plan.spec.region}, before tax, Savings Plans or Reserved Instances; 30 days = ${HOURS_PER_MONTH} hours.`,
      'Not counted: data transfer, and the per-use charges named on the lines.',
      ...(plan.endpoints.some((e) => e.type === 'Gateway')
        ? ['The s3 gateway endpoint has no charge (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).']
        : []),
    ],
  };
}

/** Each distinct question asked once, a few at a time; those not answered within `timeoutMs` answer with that reason. */
async function answersFor(pricing: PricingClient, queries: PriceQuery[], timeoutMs?: number): Promise<Map<string, PriceAnswer>> {
  const distinct = [...new Map(queries.map((q) => [queryKey(q), q])).values()];
  // Kept as each arrives, so that a deadline keeps the prices that came before it.
  const answers = new Map<string, PriceAnswer>();
  const asking = settleLimited(distinct, LOOKUP_CONCURRENCY, async (query) => {
    const answer = await lookupPrice(pricing, query).catch((error: unknown): PriceAnswer => ({ reason: String(error) }));
    answers.set(queryKey(query), answer);
  });
  let late: PriceAnswer = { reason: 'not asked' };
  if (timeoutMs === undefined) await asking;
  else if (!(await withDeadline(asking, timeoutMs)).done)
    late = { reason: `the Price List did not answer within ${secondsText(timeoutMs)}` };
  // A copy in the questions' order: those still in flight must not fill in a map the estimate has already read.
  return new Map(distinct.map((query) => [queryKey(query), answers.get(queryKey(query)) ?? late]));
}

function costLine(item: BilledItem, answer: PriceAnswer): CostLine {
  if (!('usd' in answer)) return { item: item.item, count: item.count, note: [answer.reason, ...item.notes].join('; ') };
  // A GB-month price spread over the 720-hour month, so that 30 days cost exactly the GB-month price.
  const unitHourlyUsd = item.query.unit === 'GB-Mo' ? answer.usd / HOURS_PER_MONTH : answer.usd;
  return {
    item: item.item,
    count: item.count,
    unitHourlyUsd: tidy(unitHourlyUsd),
    hourlyUsd: tidy(unitHourlyUsd * item.count),
    monthlyUsd: tidy(unitHourlyUsd * item.count * HOURS_PER_MONTH),
    ...(item.notes.length > 0 && { note: item.notes.join('; ') }),
  };
}

/** Where the prices came from: the API's region, a custom endpoint when one is set, and a recorded sample's label. */
async function sourceOf(pricing: PricingClient, sampleNotes: string[]): Promise<string> {
  const region = await pricing.config.region();
  const endpoint = pricing.config.endpoint ? await pricing.config.endpoint() : undefined;
  const at = endpoint ? ` at ${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}` : '';
  const sample = sampleNotes.length > 0 ? ` — ${sampleNotes.join(' ')}` : '';
  return `AWS Price List Query API (GetProducts, ${region})${at}${sample}`;
}

/** Float noise off (0.1468 × 3 is 0.44039999999999996), far below a cent of a cent. */
const tidy = (usd: number) => Number(usd.toFixed(10));
