/**
 * Decoding of ELBv2 awsQuery parameters. ELBv2 lists are *non-flattened*: `Subnets.member.1`,
 * `Tags.member.2.Key`, `DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn`
 * (EC2 uses `X.N` instead; that decoder lives with EC2). An explicitly empty list arrives as `Subnets=`.
 */
import { CloudError, QueryParams } from '../contract';

/** AWS's generic input-validation error for the query protocol. */
export function invalid(message: string): CloudError {
  return new CloudError('ValidationError', message, 400);
}

/** The params under `prefix.` with the prefix stripped: `sub(p, 'Matcher')` turns `Matcher.HttpCode` into `HttpCode`. */
export function sub(params: QueryParams, prefix: string): QueryParams {
  const out: QueryParams = {};
  const head = `${prefix}.`;
  for (const [k, v] of Object.entries(params)) if (k.startsWith(head)) out[k.slice(head.length)] = v;
  return out;
}

/** True when the list was sent at all, even empty (`SecurityGroups=` means "explicitly none"). */
export function hasList(params: QueryParams, name: string): boolean {
  const head = `${name}.member.`;
  return name in params || Object.keys(params).some((k) => k.startsWith(head));
}

interface Member {
  scalar?: string;
  fields: QueryParams;
}

/** Groups `name.member.N[.rest]` by N (numeric order, gaps allowed as AWS does). */
function collect(params: QueryParams, name: string): Member[] {
  const head = `${name}.member.`;
  const byIndex = new Map<number, Member>();
  for (const [k, v] of Object.entries(params)) {
    if (!k.startsWith(head)) continue;
    const rest = k.slice(head.length);
    const dot = rest.indexOf('.');
    const indexText = dot < 0 ? rest : rest.slice(0, dot);
    const index = Number(indexText);
    if (!/^[1-9]\d*$/.test(indexText)) throw invalid(`Invalid list index in parameter '${k}'`);
    const m = byIndex.get(index) ?? { fields: {} };
    if (dot < 0) m.scalar = v;
    else m.fields[rest.slice(dot + 1)] = v;
    byIndex.set(index, m);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
}

/** A list of strings, e.g. `Names.member.N`. */
export function stringList(params: QueryParams, name: string): string[] {
  return collect(params, name).map((m) => m.scalar ?? '');
}

/** A list of structures, each returned as its own flat params, e.g. `Targets.member.N.Id` → `[{ Id }]`. */
export function structList(params: QueryParams, name: string): QueryParams[] {
  return collect(params, name).map((m) => m.fields);
}

export function str(params: QueryParams, key: string): string | undefined {
  const v = params[key];
  return v === undefined ? undefined : v;
}

export function required(params: QueryParams, key: string): string {
  const v = params[key];
  if (v === undefined || v === '') {
    throw invalid(`1 validation error detected: Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

export function int(params: QueryParams, key: string, range?: { min: number; max: number }): number | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`Value '${v}' at '${lowerFirst(key)}' is not a valid integer`);
  const n = Number(v);
  if (range && (n < range.min || n > range.max)) {
    throw invalid(
      `1 validation error detected: Value '${n}' at '${lowerFirst(key)}' failed to satisfy constraint: ` +
        `Member must have value between ${range.min} and ${range.max}`,
    );
  }
  return n;
}

export function bool(params: QueryParams, key: string): boolean | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Value '${v}' at '${lowerFirst(key)}' is not a valid boolean`);
  return v === 'true';
}

/** AWS's validation messages name members in lowerCamelCase (`loadBalancerArn`). */
function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * Marker/PageSize pagination shared by the Describe actions. The marker is opaque to callers (as in AWS);
 * here it is the base64 of the next offset, so a stale marker over a shrunken list just ends early.
 */
export function paginate<T>(items: T[], params: QueryParams): { page: T[]; nextMarker?: string } {
  const pageSize = int(params, 'PageSize', { min: 1, max: 400 }) ?? 400;
  let start = 0;
  const marker = params.Marker;
  if (marker !== undefined && marker !== '') {
    const decoded = Buffer.from(marker, 'base64').toString('utf8');
    if (!/^offset:\d+$/.test(decoded)) throw invalid(`The marker '${marker}' is not valid`);
    start = Number(decoded.slice('offset:'.length));
  }
  const page = items.slice(start, start + pageSize);
  const next = start + pageSize;
  return next < items.length ? { page, nextMarker: Buffer.from(`offset:${next}`).toString('base64') } : { page };
}
