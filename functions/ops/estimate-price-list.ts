import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import { matchesUsageType, type PriceQuery } from './estimate-queries';

/**
 * One price from the Price List Query API: GetProducts (paged), each PriceList entry parsed from its JSON
 * string, the On-Demand terms' price dimensions read for `pricePerUnit.USD`
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html). It never
 * throws: a failed call or a missing price is an answer with the reason, so the estimate marks the line unknown.
 */
export type PriceAnswer = { usd: number; sampleNote?: string } | { reason: string };

/** GetProducts returns at most 100 products a page (its MaxResults range is 1–100). */
const PAGE_SIZE = 100;
/** Our filters leave a handful of products; more pages than this means a question too broad to trust. */
const MAX_PAGES = 5;

/** The parts of a Price List product document (FormatVersion aws_v1) the estimate reads. */
interface PriceListProduct {
  product?: { attributes?: Record<string, string> };
  terms?: {
    OnDemand?: Record<string, { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: Record<string, string> }> }>;
  };
}

export async function lookupPrice(pricing: PricingClient, query: PriceQuery): Promise<PriceAnswer> {
  let products: PriceListProduct[];
  try {
    products = await productsFor(pricing, query);
  } catch (error) {
    return { reason: failureReason(error) };
  }
  const found = products.flatMap((product) => onDemandPrices(product, query));
  const prices = [...new Set(found.map((f) => f.usd))];
  if (prices.length === 0)
    return {
      reason: `the Price List has no on-demand ${query.unit} price for ${query.serviceCode} ${query.usagetype} (${describe(query)})`,
    };
  if (prices.length > 1)
    return {
      reason: `the Price List has ${prices.length} different prices for ${query.serviceCode} ${query.usagetype} (${describe(query)})`,
    };
  const sampleNote = found.find((f) => f.sampleNote)?.sampleNote;
  return { usd: prices[0], ...(sampleNote && { sampleNote }) };
}

async function productsFor(pricing: PricingClient, query: PriceQuery): Promise<PriceListProduct[]> {
  const Filters = Object.entries(query.filters).map(([Field, Value]) => ({ Type: 'TERM_MATCH' as const, Field, Value }));
  const products: PriceListProduct[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await pricing.send(
      new GetProductsCommand({ ServiceCode: query.serviceCode, Filters, FormatVersion: 'aws_v1', MaxResults: PAGE_SIZE, NextToken }),
    );
    // Each entry is a JSON document as a string (the SDK may hand it over as a String object).
    for (const entry of answer.PriceList ?? []) products.push(JSON.parse(String(entry)) as PriceListProduct);
    NextToken = answer.NextToken;
    if (!NextToken) return products;
  }
  throw new Error(`more than ${MAX_PAGES * PAGE_SIZE} products matched ${describe(query)}; the question is too broad`);
}

function onDemandPrices(product: PriceListProduct, query: PriceQuery): Array<{ usd: number; sampleNote?: string }> {
  const attributes = product.product?.attributes ?? {};
  if (!matchesUsageType(attributes.usagetype, query.usagetype)) return [];
  return Object.values(product.terms?.OnDemand ?? {})
    .flatMap((term) => Object.values(term.priceDimensions ?? {}))
    .filter((dimension) => dimension.unit === query.unit)
    .map((dimension) => Number(dimension.pricePerUnit?.USD ?? NaN))
    .filter((usd) => Number.isFinite(usd) && usd >= 0)
    .map((usd) => ({ usd, sampleNote: attributes.sampleNote }));
}

const describe = (query: PriceQuery) =>
  Object.entries(query.filters)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');

/** The error's name and message; a denial also says which permission the caller lacks. */
function failureReason(error: unknown): string {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  const text = `Price List Query API: ${name}: ${message}`.slice(0, 300);
  return /AccessDenied/.test(name) ? `${text} (the caller needs pricing:GetProducts)` : text;
}
