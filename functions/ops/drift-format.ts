import type { Drift } from './contracts';

/**
 * How drift reads (docs/design.md "12.3 Drift"): one line per difference, the resource named as a person finds it in
 * the console (`security-group fin-k8s-dev-worker-sg (sg-0abc…)`), expected and actual as short JSON values, `null`
 * for "nothing there".
 */

/** `<kind> <name> (<id>)`, or without the id when the name is the AWS name (load balancer, target group). */
export function label(kind: string, name: string, id?: string): string {
  return id ? `${kind} ${name} (${id})` : `${kind} ${name}`;
}

export function drift(resource: string, field: string, expected: unknown, actual: unknown): Drift {
  return { resource, field, expected, actual };
}

/** A resource the build made that AWS no longer has (deleted out of band). */
export function gone(resource: string): Drift {
  return drift(resource, 'exists', true, false);
}

/** One drift when a value differs, none when it is as built. */
export function unlessEqual(resource: string, field: string, expected: unknown, actual: unknown): Drift[] {
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [drift(resource, field, expected, actual)];
}

/**
 * Items of a set (rules, routes, targets, listeners): each expected item that is missing (actual `null`), in the
 * expected order, then each item that should not be there (expected `null`), sorted, so the answer is the same
 * on every call.
 */
export function setDrift(resource: string, field: string, expected: readonly string[], actual: readonly string[]): Drift[] {
  const want = new Set(expected);
  const have = new Set(actual);
  return [
    ...[...want].filter((item) => !have.has(item)).map((item) => drift(resource, field, item, null)),
    ...[...have]
      .filter((item) => !want.has(item))
      .sort()
      .map((item) => drift(resource, field, null, item)),
  ];
}
