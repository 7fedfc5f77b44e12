import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Step } from '../../../functions/api/history';
import type { ErrorBody } from '../../../functions/api/http';
import type { BuildOutputs } from '../../../functions/core/contracts';
import type { FailureSummary } from '../../../functions/core/execution-status';
import { createApiHandler } from '../../../functions/handlers/api';

/** Shared setup of the api tests: the two machines, a fixed clock and an API Gateway proxy event builder. */
export const ACCOUNT = '123456789012';
export const REGION = 'ap-northeast-2';
export const BUILD_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:k8s-ec2-build`;
export const TEARDOWN_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:k8s-ec2-teardown`;
export const ENV = { BUILD_STATE_MACHINE_ARN: BUILD_MACHINE, TEARDOWN_STATE_MACHINE_ARN: TEARDOWN_MACHINE };
export const NOW = new Date('2026-11-25T10:15:30Z');

export const buildArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:k8s-ec2-build:${name}`;
export const teardownArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:k8s-ec2-teardown:${name}`;

/** An SDK-shaped service error; the one builder all unit tests share. */
export { awsError as sdkError } from '../../fixtures/aws';

export function apiEvent(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    body: options.body ?? null,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1234' } as APIGatewayProxyEvent['requestContext'],
  };
}

export function postBuild(body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): APIGatewayProxyEvent {
  return apiEvent('POST', '/builds', { body: typeof body === 'string' ? body : JSON.stringify(body), headers });
}

export const logs: Array<{ level: string; message: string; extra: unknown }> = [];
const logger = {
  info: (message: string, extra?: unknown) => void logs.push({ level: 'info', message, extra }),
  error: (message: string, extra?: unknown) => void logs.push({ level: 'error', message, extra }),
};

/** The handler under test, with a fixed clock and random tail (ids come out as `<name>-20261125-101530-iiii`). */
export function apiHandler(env: Record<string, string | undefined> = ENV) {
  return createApiHandler({ sfn: new SFNClient({ region: REGION }), env, now: () => NOW, random: () => 0.5, logger: logger as never });
}

/** An error answer (docs/design.md "3.3 Error shape"). */
export type { ErrorBody };

/** GET /builds/{id} (functions/api/builds-read.ts getBuild), as far as the tests read it. */
export interface BuildBody {
  buildId: string;
  status: string;
  steps: Step[];
  currentStep?: string;
  outputs?: BuildOutputs;
  error?: FailureSummary;
  teardown?: Record<string, unknown>;
}

/** GET /builds (functions/api/builds-read.ts listBuildsRoute), as far as the tests read it. */
export interface BuildListBody {
  builds: Array<{ buildId: string; status: string; links: { self: string; console: string } }>;
  nextToken?: string;
}

/** An answer with its JSON body read as `B` (the shape the test expects; `{}` when the body is not JSON). */
export interface Answer<B = Record<string, unknown>> {
  statusCode: number;
  headers: Record<string, string>;
  body: B;
  raw: string;
}

export async function call<B = Record<string, unknown>>(
  event: APIGatewayProxyEvent,
  env?: Record<string, string | undefined>,
): Promise<Answer<B>> {
  const result: APIGatewayProxyResult = await apiHandler(env)(event);
  const headers = result.headers as Record<string, string>;
  const isJson = headers['Content-Type'] === 'application/json';
  return { statusCode: result.statusCode, headers, body: (isJson ? JSON.parse(result.body) : {}) as B, raw: result.body };
}
