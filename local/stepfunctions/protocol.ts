import type { Execution, LocalStepFunctions } from './service';
import { ServiceError } from './service';

/**
 * The Step Functions JSON 1.0 protocol (`X-Amz-Target: AWSStepFunctions.<Action>`) over LocalStepFunctions,
 * for the actions the api handler and the CLI use. Timestamps are epoch seconds, as the SDK expects.
 */
export interface JsonResponse {
  status: number;
  body: unknown;
}

const seconds = (ms?: number) => (ms === undefined ? undefined : ms / 1000);

function summary(e: Execution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: seconds(e.stopDate),
  };
}

/** Opaque pagination token: the offset into the listing. */
function page<T>(items: T[], maxResults?: number, nextToken?: string): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString()) || 0 : 0;
  const size = maxResults && maxResults > 0 ? maxResults : 100;
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64') : undefined };
}

/**
 * The request members the actions read (JSON, as the Step Functions API names them). The ARN an action is
 * about is required by the API and always sent by the SDK; a hand-made request without it gets the
 * "does not exist" answer for that ARN.
 */
interface Params {
  stateMachineArn: string;
  executionArn: string;
  name?: string;
  input?: string;
  statusFilter?: string;
  maxResults?: number;
  nextToken?: string;
  reverseOrder?: boolean;
  error?: string;
  cause?: string;
}

const ACTIONS: Record<string, (sfn: LocalStepFunctions, p: Params) => unknown> = {
  StartExecution: (sfn, p) => {
    const e = sfn.startExecution(p.stateMachineArn, p.name, p.input ?? '{}');
    return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
  },
  DescribeExecution: (sfn, p) => {
    const e = sfn.describeExecution(p.executionArn);
    return { ...summary(e), input: e.input, output: e.output, error: e.error, cause: e.cause };
  },
  ListExecutions: (sfn, p) => {
    const { items, nextToken } = page(sfn.listExecutions(p.stateMachineArn, p.statusFilter), p.maxResults, p.nextToken);
    return { executions: items.map(summary), nextToken };
  },
  GetExecutionHistory: (sfn, p) => {
    const events = sfn.history(p.executionArn);
    const ordered = p.reverseOrder ? [...events].reverse() : events;
    const { items, nextToken } = page(ordered, p.maxResults, p.nextToken);
    return { events: items, nextToken };
  },
  StopExecution: (sfn, p) => ({ stopDate: seconds(sfn.stopExecution(p.executionArn, p.error, p.cause)) }),
};

export function handleStepFunctionsRequest(sfn: LocalStepFunctions, target: string, bodyText: string): JsonResponse {
  const action = target.replace(/^AWSStepFunctions\./, '');
  const run = ACTIONS[action];
  if (!run)
    return {
      status: 400,
      body: { __type: 'UnknownOperationException', message: `${action} is not supported by the local Step Functions` },
    };
  try {
    const params = (bodyText ? JSON.parse(bodyText) : {}) as Params;
    return { status: 200, body: run(sfn, params) };
  } catch (error) {
    if (error instanceof ServiceError) return { status: 400, body: { __type: error.type, message: error.message } };
    if (error instanceof SyntaxError)
      return { status: 400, body: { __type: 'SerializationException', message: 'request body is not JSON' } };
    throw error;
  }
}
