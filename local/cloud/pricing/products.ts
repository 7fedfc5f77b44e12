/**
 * GetProducts over the sample (catalog.ts): filters, paging and the answers AWS documents for bad input
 * (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html,
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_Filter.html).
 */
import { createHash } from 'node:crypto';
import { CloudError } from '../contract';
import { PRODUCTS, type PriceListProduct } from './catalog';

/** "Valid values are: aws_v1" (GetProducts FormatVersion). */
export const FORMAT_VERSION = 'aws_v1';
/** GetProducts MaxResults: "Valid Range: Minimum value of 1. Maximum value of 100."; 100 when absent. */
const MAX_RESULTS = 100;
/** The Filter Type values the API reference lists. */
const FILTER_TYPES = ['TERM_MATCH', 'EQUALS', 'CONTAINS', 'ANY_OF', 'NONE_OF'];
/** AWS documents no Value format for several values (ANY_OF, NONE_OF), so the sample does not guess one. */
const MODELLED_TYPES = new Set(['TERM_MATCH', 'EQUALS', 'CONTAINS']);

interface Filter {
  type: string;
  field: string;
  value: string;
}

const invalid = (message: string) => new CloudError('InvalidParameterException', message);

export function getProducts(body: Record<string, unknown>): { FormatVersion: string; PriceList: string[]; NextToken?: string } {
  const serviceCode = validServiceCode(body.ServiceCode);
  if (body.FormatVersion !== undefined && body.FormatVersion !== FORMAT_VERSION)
    throw invalid(`FormatVersion ${JSON.stringify(body.FormatVersion)} is not supported; the valid value is ${FORMAT_VERSION}.`);
  const pageSize = body.MaxResults === undefined ? MAX_RESULTS : Number(body.MaxResults);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_RESULTS)
    throw invalid(`MaxResults must be between 1 and ${MAX_RESULTS}; got ${String(body.MaxResults)}.`);
  const filters = parseFilters(body.Filters);
  const matching = PRODUCTS.filter((p) => p.serviceCode === serviceCode && filters.every((f) => matches(p, f)));
  const question = fingerprint(serviceCode, filters);
  const start = body.NextToken === undefined ? 0 : offsetOf(body.NextToken, question);
  const end = start + pageSize;
  return {
    FormatVersion: FORMAT_VERSION,
    PriceList: matching.slice(start, end).map((product) => JSON.stringify(product)),
    ...(end < matching.length && { NextToken: tokenFor(end, question) }),
  };
}

/**
 * Observed answers for a missing code ("Input Parameters are invalid. serviceCode cannot be null or empty",
 * https://github.com/aws/aws-sdk-js/issues/3329) and a malformed one ("ServiceCode can only contain a-z, A-Z,
 * 0-9", https://github.com/cloud-barista/cb-spider/issues/1055). A well-formed code the sample does not hold
 * gets NotFoundException, "The requested resource can't be found", from the API reference's error list.
 */
export function validServiceCode(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid('Input Parameters are invalid. serviceCode cannot be null or empty');
  if (!/^[a-zA-Z0-9]+$/.test(value)) throw invalid('ServiceCode can only contain a-z, A-Z, 0-9');
  if (!PRODUCTS.some((p) => p.serviceCode === value)) {
    const held = [...new Set(PRODUCTS.map((p) => p.serviceCode))].join(', ');
    throw new CloudError(
      'NotFoundException',
      `The requested resource can't be found: the embedded cloud's price sample holds ${held}, not ${value}.`,
    );
  }
  return value;
}

function parseFilters(value: unknown): Filter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('Filters must be a list of {Type, Field, Value}.');
  return value.map((raw: unknown, i) => {
    const { Type: type, Field: field, Value: v } = (raw ?? {}) as Record<string, unknown>;
    if (typeof type !== 'string' || !FILTER_TYPES.includes(type))
      throw invalid(`Filters[${i}].Type ${String(type)} is not valid; valid values are ${FILTER_TYPES.join(', ')}.`);
    if (!MODELLED_TYPES.has(type))
      throw invalid(`Filters[${i}].Type ${type} is not modelled by the embedded cloud; use TERM_MATCH, EQUALS or CONTAINS.`);
    if (typeof field !== 'string' || field.length < 1 || field.length > 1024)
      throw invalid(`Filters[${i}].Field must be 1-1024 characters: ServiceCode or an attribute name.`);
    if (typeof v !== 'string') throw invalid(`Filters[${i}].Value is required.`);
    return { type, field, value: v };
  });
}

/** A filter's field is the service code, the product family, or one of the product's attributes. */
function fieldOf(product: PriceListProduct, field: string): string | undefined {
  if (field === 'ServiceCode') return product.serviceCode;
  if (field === 'productFamily') return product.product.productFamily;
  return product.product.attributes[field];
}

function matches(product: PriceListProduct, filter: Filter): boolean {
  const actual = fieldOf(product, filter.field);
  if (actual === undefined) return false;
  return filter.type === 'CONTAINS' ? actual.includes(filter.value) : actual === filter.value;
}

/** A token is good only for the question it was given for, as AWS's tokens are opaque and bound to the request. */
const fingerprint = (serviceCode: string, filters: Filter[]) =>
  createHash('sha256')
    .update(JSON.stringify([serviceCode, filters]))
    .digest('hex')
    .slice(0, 16);

const tokenFor = (offset: number, question: string) => Buffer.from(JSON.stringify({ offset, question })).toString('base64url');

/** InvalidNextTokenException: "The pagination token is invalid. Try again without a pagination token." */
function offsetOf(token: unknown, question: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown; question?: unknown };
    if (parsed.question === question && Number.isInteger(parsed.offset) && (parsed.offset as number) > 0) return parsed.offset as number;
  } catch {
    // Falls through to the documented answer.
  }
  throw new CloudError('InvalidNextTokenException', 'The pagination token is invalid. Try again without a pagination token.');
}
