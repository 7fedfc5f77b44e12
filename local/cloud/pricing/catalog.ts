/**
 * The embedded cloud's price list: a small hand-recorded sample (sample-ap-northeast-2.json, labelled there),
 * served as Price List product documents in the FormatVersion aws_v1 shape that GetProducts returns
 * (`product.attributes`, `terms.OnDemand.<sku>.<offer>.priceDimensions.<rate>.pricePerUnit.USD`;
 * https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html). Every product
 * carries the sample's label in the attribute `sampleNote`, which AWS's products do not have: it is how an
 * estimate made against the embedded cloud says so.
 */
import sample from './sample-ap-northeast-2.json';

export interface PriceListProduct {
  product: { productFamily: string; attributes: Record<string, string>; sku: string };
  serviceCode: string;
  terms: { OnDemand: Record<string, OnDemandTerm> };
  version: string;
  publicationDate: string;
}

interface OnDemandTerm {
  priceDimensions: Record<
    string,
    {
      unit: string;
      endRange: string;
      description: string;
      appliesTo: string[];
      rateCode: string;
      beginRange: string;
      pricePerUnit: { USD: string };
    }
  >;
  sku: string;
  effectiveDate: string;
  offerTermCode: string;
  termAttributes: Record<string, string>;
}

/** AWS's codes for the On-Demand offer term and its single price dimension (the same on every On-Demand product). */
const ON_DEMAND_TERM = 'JRTCKXETXF';
const RATE_CODE = '6YS6EN2CT7';

const SERVICE_NAMES: Record<string, string> = {
  AmazonEC2: 'Amazon Elastic Compute Cloud',
  AWSELB: 'Elastic Load Balancing',
  AmazonVPC: 'Amazon Virtual Private Cloud',
};

export const SAMPLE_LABEL = sample.label;

/** One hand-written row of the sample file. */
interface SampleRecord {
  sku: string;
  serviceCode: string;
  productFamily: string;
  attributes: Record<string, string>;
  unit: string;
  usd: string;
  source: string;
}

/**
 * The file is edited by hand: a price that is not a number is a typo to catch at load (a non-text attribute
 * already fails type-checking, as the JSON is imported typed). Rows differ in their attributes, which TypeScript
 * types as optional `undefined` on the others: only those a row has are kept.
 */
function checked(row: (typeof sample.products)[number]): SampleRecord {
  const attributes = Object.fromEntries(Object.entries(row.attributes).filter(([, value]) => value !== undefined));
  if (!Number.isFinite(Number(row.usd)) || row.usd.trim() === '')
    throw new Error(`sample-ap-northeast-2.json: ${row.sku} usd must be a number`);
  return { ...row, attributes };
}

function document(record: SampleRecord): PriceListProduct {
  const term = `${record.sku}.${ON_DEMAND_TERM}`;
  const rate = `${term}.${RATE_CODE}`;
  return {
    product: {
      productFamily: record.productFamily,
      attributes: {
        ...record.attributes,
        servicecode: record.serviceCode,
        servicename: SERVICE_NAMES[record.serviceCode] ?? record.serviceCode,
        location: sample.location,
        locationType: 'AWS Region',
        regionCode: sample.region,
        sampleNote: sample.label,
      },
      sku: record.sku,
    },
    serviceCode: record.serviceCode,
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [rate]: {
              unit: record.unit,
              endRange: 'Inf',
              description: `${record.usd} USD per ${record.unit} (${record.attributes.usagetype}), ${sample.label}`,
              appliesTo: [],
              rateCode: rate,
              beginRange: '0',
              pricePerUnit: { USD: record.usd },
            },
          },
          sku: record.sku,
          effectiveDate: sample.effectiveDate,
          offerTermCode: ON_DEMAND_TERM,
          termAttributes: {},
        },
      },
    },
    version: `sample-${sample.effectiveDate.slice(0, 10)}`,
    publicationDate: sample.effectiveDate,
  };
}

/** The sample's products, in file order (GetProducts pages through them in this order). */
export const PRODUCTS: readonly PriceListProduct[] = sample.products.map((row) => document(checked(row)));

/** Service code → the attribute names its products have (DescribeServices). */
export function serviceAttributes(): Map<string, string[]> {
  const names = new Map<string, Set<string>>();
  for (const { serviceCode, product } of PRODUCTS) {
    const set = names.get(serviceCode) ?? new Set<string>(['productFamily']);
    Object.keys(product.attributes).forEach((name) => set.add(name));
    names.set(serviceCode, set);
  }
  return new Map([...names].map(([code, set]) => [code, [...set].sort()]));
}
