/**
 * Decoding of EC2-query parameters. EC2 flattens lists as `Name.N` (`Filter.1.Value.2`,
 * `TagSpecification.1.Tag.1.Key`, `NetworkInterface.1.SecurityGroupId.1`), unlike ELBv2's `Name.member.N`.
 * The flat map is folded into a tree once, then read through small typed accessors that raise the same
 * errors AWS raises for missing or malformed input.
 */
import { CloudError, QueryParams } from '../contract';

type Tree = { [key: string]: Tree | string };

function fold(params: QueryParams): Tree {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next === 'object') node = next;
      else node = node[parts[i]] = {};
    }
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

export const missing = (name: string) => new CloudError('MissingParameter', `The request must contain the parameter ${name}`);
export const invalidValue = (message: string) => new CloudError('InvalidParameterValue', message);

/** A view of one (sub)structure of the request. */
export class Args {
  static of(params: QueryParams): Args {
    return new Args(fold(params));
  }

  private constructor(private readonly tree: Tree) {}

  has(name: string): boolean {
    return this.tree[name] !== undefined;
  }

  str(name: string): string | undefined {
    const v = this.tree[name];
    return typeof v === 'string' ? v : undefined;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw missing(name);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : v === 'true';
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidValue(`Invalid value '${v}' for ${name}`);
    return n;
  }

  obj(name: string): Args | undefined {
    const v = this.tree[name];
    return typeof v === 'object' ? new Args(v) : undefined;
  }

  /** `Name.N` entries in index order (gaps allowed, as AWS does). */
  private entries(name: string): Array<Tree | string> {
    const v = this.tree[name];
    if (typeof v !== 'object') return [];
    return Object.keys(v)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => v[k]);
  }

  strings(name: string): string[] {
    return this.entries(name).filter((v): v is string => typeof v === 'string');
  }

  list(name: string): Args[] {
    return this.entries(name).flatMap((v) => (typeof v === 'object' ? [new Args(v)] : []));
  }

  /** A canonical text of the whole request, for ClientToken comparisons. */
  fingerprint(exclude: string[] = []): string {
    const strip = (t: Tree): Tree =>
      Object.fromEntries(
        Object.keys(t)
          .filter((k) => !exclude.includes(k))
          .sort()
          .map((k) => [k, typeof t[k] === 'object' ? strip(t[k]) : t[k]]),
      );
    return JSON.stringify(strip(this.tree));
  }
}

/** One EC2 action: decoded request in, wire-shaped result out. */
export type Handler = (args: Args) => unknown;
export type Actions = Record<string, Handler>;
