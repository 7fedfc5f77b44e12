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
import { codeOf } from '../core/errors';
import { buildIdOfTeardown, teardownName, teardownSequence } from '../core/execution-ids';
import { executionArn, parseStateMachineArn, type StateMachineRef } from './ids';

/**
 * The api's reads and writes of Step Functions. "Does not exist" is an answer here (undefined), not an
 * error; every other SDK error propagates to the router, which turns it into an HTTP status.
 */
export interface Machines {
  build: StateMachineRef;
  teardown: StateMachineRef;
  /** The deployment's name (the stack's, K8S_EC2_DEPLOYMENT), tagged on what its builds make; see deploymentOf. */
  deployment?: string;
}

/** The deployment's name as tagged (TAG.deployment): the stack's, else (unset) the build state machine's ARN. */
export function deploymentOf(machines: Machines): string {
  return machines.deployment ?? machines.build.arn;
}

export type Execution = DescribeExecutionCommandOutput;

/** The two state machines from the functions' environment (BUILD_STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN); throws when either is not an ARN. */
export function machinesFrom(env: Record<string, string | undefined>): Machines {
  const build = parseStateMachineArn(env.BUILD_STATE_MACHINE_ARN ?? '');
  const teardown = parseStateMachineArn(env.TEARDOWN_STATE_MACHINE_ARN ?? '');
  if (!build || !teardown) throw new Error('BUILD_STATE_MACHINE_ARN and TEARDOWN_STATE_MACHINE_ARN must be state machine ARNs');
  return { build, teardown, ...(env.K8S_EC2_DEPLOYMENT && { deployment: env.K8S_EC2_DEPLOYMENT }) };
}

/** A teardown scan reads at most this many executions (newest first): plenty for one account's builds. */
const TEARDOWN_SCAN_PAGES = 5;
const PAGE_SIZE = 1000;

export async function describeExecution(sfn: SFNClient, arn: string): Promise<Execution | undefined> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if (codeOf(error) === 'ExecutionDoesNotExist') return undefined;
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
    if (codeOf(error) === 'ExecutionAlreadyExists') return { executionArn: executionArn(machine, name), alreadyExists: true };
    throw error;
  }
}

/**
 * The newest teardown of one build, by name rather than by a scan: teardowns are numbered from 1
 * (`<buildId>--destroy-<n>`), so DescribeExecution of 1, 2, … until one does not exist finds it, however
 * many other executions the account holds.
 */
export async function newestTeardownOf(sfn: SFNClient, machines: Machines, buildId: string): Promise<Execution | undefined> {
  let newest: Execution | undefined;
  for (let sequence = 1; sequence <= MAX_TEARDOWNS; sequence++) {
    const found = await describeExecution(sfn, executionArn(machines.teardown, teardownName(buildId, sequence)));
    if (!found || found.name !== teardownName(buildId, sequence)) return newest;
    newest = found;
  }
  return newest;
}

/** A build is torn down once, or a few times after failures; the DELETE route refuses beyond this. */
export const MAX_TEARDOWNS = 20;

/** One page of build executions, newest first (ListExecutions' documented order). */
export async function listBuilds(sfn: SFNClient, machines: Machines, limit: number, nextToken?: string) {
  const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.build.arn, maxResults: limit, nextToken }));
  return { executions: page.executions ?? [], nextToken: page.nextToken };
}

/**
 * The newest teardown of each build, from the teardown machine's executions: for the list of builds only
 * (one scan serves a whole page; ListExecutions has no name filter). One build's teardown is found by
 * name (`newestTeardownOf`).
 */
export async function newestTeardowns(sfn: SFNClient, machines: Machines): Promise<Map<string, ExecutionListItem>> {
  const newest = new Map<string, ExecutionListItem>();
  let nextToken: string | undefined;
  for (let page = 0; page < TEARDOWN_SCAN_PAGES; page++) {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machines.teardown.arn, maxResults: PAGE_SIZE, nextToken }));
    for (const execution of out.executions ?? []) {
      const buildId = buildIdOfTeardown(execution.name ?? '');
      if (!buildId) continue;
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
