/**
 * Describe* filters and pagination as EC2 applies them: filters AND together, the values of one filter OR
 * together, `*` and `?` are wildcards, `tag:<key>` / `tag-key` / `tag-value` work on every taggable kind, and
 * an unknown filter name is an error (a typo in a handler would otherwise silently match everything).
 */
import { CloudError } from '../contract';
import { Args, invalidValue } from './args';
import { Tags } from './store';

type FieldValue = string | number | boolean | undefined | null | Array<string | undefined>;
export type FilterFields<T> = Record<string, (r: T) => FieldValue>;

function pattern(value: string): RegExp {
  let re = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) re += value[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function asStrings(v: FieldValue): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.filter((x): x is string => x !== undefined);
  return [String(v)];
}

export function applyFilters<T extends { tags: Tags }>(items: T[], args: Args, fields: FilterFields<T>): T[] {
  const filters = args.list('Filter').map((f) => {
    const name = f.required('Name');
    const patterns = f.strings('Value').map(pattern);
    if (patterns.length === 0) throw invalidValue(`The filter '${name}' requires at least one value`);
    let read: (r: T) => string[];
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      read = (r) => (r.tags.has(key) ? [r.tags.get(key) as string] : []);
    } else if (name === 'tag-key') read = (r) => [...r.tags.keys()];
    else if (name === 'tag-value') read = (r) => [...r.tags.values()];
    else if (fields[name]) read = (r) => asStrings(fields[name](r));
    else throw invalidValue(`The filter '${name}' is invalid`);
    return (r: T) => read(r).some((v) => patterns.some((p) => p.test(v)));
  });
  return items.filter((r) => filters.every((matches) => matches(r)));
}

/**
 * Items selected by explicit ids (`VpcId.N`): every id must exist, as AWS answers `Invalid…ID.NotFound`
 * for the whole call otherwise. With no ids, everything.
 */
export function selectByIds<T>(all: T[], ids: string[], idOf: (r: T) => string, notFound: (missing: string[]) => CloudError): T[] {
  if (ids.length === 0) return all;
  const byId = new Map(all.map((r) => [idOf(r), r]));
  const missingIds = ids.filter((id) => !byId.has(id));
  if (missingIds.length) throw notFound(missingIds);
  return [...new Set(ids)].map((id) => byId.get(id) as T);
}

/** `NextToken` is an opaque offset; `MaxResults` within AWS's 5..1000 range (larger sizes are capped). */
export function paginate<T>(items: T[], args: Args, opts: { min?: number; max?: number } = {}): { page: T[]; nextToken?: string } {
  const { min = 5, max = 1000 } = opts;
  const maxResults = args.int('MaxResults');
  if (maxResults !== undefined && maxResults < min) {
    throw invalidValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Parameter must be greater than or equal to ${min}.`);
  }
  const token = args.str('NextToken');
  let offset = 0;
  if (token) {
    const decoded = Number(
      Buffer.from(token, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) throw new CloudError('InvalidPaginationToken', `Invalid pagination token: ${token}`);
    offset = decoded;
  }
  if (maxResults === undefined) return { page: items.slice(offset) };
  const size = Math.min(maxResults, max);
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined;
  return { page, nextToken: next };
}

/** AWS's NotFound wording: one id → "The vpc ID 'vpc-1' does not exist", several → "The vpc IDs '…, …' do not exist". */
export function notFoundError(code: string, noun: string): (ids: string[]) => CloudError {
  return (ids) =>
    new CloudError(
      code,
      ids.length === 1 ? `The ${noun} ID '${ids[0]}' does not exist` : `The ${noun} IDs '${ids.join(', ')}' do not exist`,
    );
}
