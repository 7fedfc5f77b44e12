import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  paginateGetExecutionHistory,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { awsErrorCode } from '../core/errors';
import { buildIdOfTeardown, executionArn, teardownSequence, type StateMachineRef } from './ids';

/**
 * The api's reads and writes of Step Functions. "Does not exist" is an answer here (undefined), not an
 * error; every other SDK error propagates to the router, which turns it into an HTTP status.
 */
export interface Machines {
  build: StateMachineRef;
  teardown: StateMachineRef;
}

export type Execution = DescribeExecutionCommandOutput;

/** A teardown scan reads at most this many executions (newest first): plenty for one account's builds. */
const TEARDOWN_SCAN_PAGES = 5;
const PAGE_SIZE = 1000;

export async function describeExecution(sfn: SFNClient, arn: string): Promise<Execution | undefined> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if (awsErrorCode(error) === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

export function describeBuild(sfn: SFNClient, machines: Machines, buildId: string): Promise<Execution | undefined> {
  return describeExecution(sfn, executionArn(machines.build, buildId));
}

export interface StartResult {
  executionArn: string;
  startDate?: Date;
  /** The name was taken (by an ended execution, or a running one with another input). */
  alreadyExists: boolean;
}

export async function startExecution(sfn: SFNClient, machine: StateMachineRef, name: string, input: unknown): Promise<StartResult> {
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) }));
    return { executionArn: out.executionArn ?? executionArn(machine, name), startDate: out.startDate, alreadyExists: false };
  } catch (error) {
    if (awsErrorCode(error) === 'ExecutionAlreadyExists') return { executionArn: executionArn(machine, name), alreadyExists: true };
    throw error;
  }
}

/**
 * A build execution whose name ends with `suffix` (an Idempotency-Key's digest), other than `except`.
 * ListExecutions has no name filter; the scan is bounded like the teardown scan, and runs only when a key
 * is used for the first time under a cluster name.
 */
export async function buildWithSuffix(sfn: SFNClient, machines: Machines, suffix: string, except: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < TEARDOWN_SCAN_PAGES; page++) {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.build.arn, maxResults: PAGE_SIZE, nextToken }));
    const found = (out.executions ?? []).find((e) => e.name?.endsWith(suffix) && e.name !== except);
    if (found?.name) return found.name;
    nextToken = out.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

/** One page of build executions, newest first (ListExecutions' documented order). */
export async function listBuilds(sfn: SFNClient, machines: Machines, limit: number, nextToken?: string) {
  const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.build.arn, maxResults: limit, nextToken }));
  return { executions: page.executions ?? [], nextToken: page.nextToken };
}

/**
 * The newest teardown of each build, from the teardown machine's executions. ListExecutions has no name
 * filter, so one scan serves a whole page of builds.
 */
export async function newestTeardowns(sfn: SFNClient, machines: Machines, onlyFor?: string): Promise<Map<string, ExecutionListItem>> {
  const newest = new Map<string, ExecutionListItem>();
  let nextToken: string | undefined;
  for (let page = 0; page < TEARDOWN_SCAN_PAGES; page++) {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.teardown.arn, maxResults: PAGE_SIZE, nextToken }));
    for (const execution of out.executions ?? []) {
      const buildId = buildIdOfTeardown(execution.name ?? '');
      if (!buildId || (onlyFor && buildId !== onlyFor)) continue;
      const known = newest.get(buildId);
      if (!known || teardownSequence(execution.name ?? '') > teardownSequence(known.name ?? '')) newest.set(buildId, execution);
    }
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return newest;
}

export async function executionHistory(sfn: SFNClient, arn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: PAGE_SIZE }, { executionArn: arn })) {
    events.push(...(page.events ?? []));
  }
  return events;
}

export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
