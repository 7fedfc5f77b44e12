import { createHash } from 'node:crypto';
import { consoleUrl } from '../core/execution-ids';

/**
 * Build ids, execution names and ARNs. The build id IS the build execution's name (docs/design.md "2.2 HTTP API and build ids"), so the
 * console, the API and the tags on every resource speak of the same thing. Teardowns of a build are
 * executions of the teardown machine named `<buildId>--destroy-<n>` (core/execution-ids.ts, shared with notify).
 */

const BASE36_RANDOM_CHARS = 4;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `<name>-<yyyymmdd>-<hhmmss>-<4 random>`: sorts by start time within a cluster name and reads as a date
 * in the console. The random tail separates two builds of one cluster started in the same second.
 */
export function newBuildId(name: string, now: Date, random: () => number): string {
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const tail = Array.from({ length: BASE36_RANDOM_CHARS }, () => Math.floor(random() * 36).toString(36)).join('');
  return `${name}-${date}-${time}-${tail}`;
}

/**
 * With an Idempotency-Key the id must come out the same for every retry of the request, so it is derived
 * from the key (a hash: the key itself may hold characters an execution name cannot), after the cluster
 * name so the console still reads. The same key under another name is caught by the API (409).
 */
export function idempotencySuffix(idempotencyKey: string): string {
  return `-k${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 16)}`;
}

export function idempotentBuildId(name: string, idempotencyKey: string): string {
  return `${name}${idempotencySuffix(idempotencyKey)}`;
}

export interface StateMachineRef {
  arn: string;
  region: string;
  account: string;
  name: string;
  partition: string;
}

/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>` */
export function parseStateMachineArn(arn: string): StateMachineRef | undefined {
  const match = /^arn:([^:]+):states:([^:]+):(\d{12}):stateMachine:([^:]+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, name] = match;
  return { arn, partition, region, account, name };
}

export function executionArn(machine: StateMachineRef, name: string): string {
  return `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machine.name}:${name}`;
}

export function buildLinks(buildId: string, executionArnValue: string): { self: string; console: string } {
  return { self: `/builds/${buildId}`, console: consoleUrl(executionArnValue) };
}
