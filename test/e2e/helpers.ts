import { readFileSync } from 'node:fs';
import type { Step } from '../../functions/api/history';
import type { ErrorBody } from '../../functions/api/http';
import type { BuildOutputs } from '../../functions/core/contracts';
import type { FailureSummary } from '../../functions/core/execution-status';
import type { BuildSpecInput } from '../../functions/core/spec';
import type { LocalStack } from '../../local/stack';

/**
 * The API's JSON answers, as far as these tests read them: a build (POST /builds, GET /builds/{id}, DELETE)
 * or an error (ErrorBody, whose `error` is `{ code, message, field? }`). Every field is optional: which
 * ones an answer has depends on the route and the build's state, and the tests' expectations check that.
 */
export interface ApiJson {
  buildId?: string;
  status?: string;
  steps?: Step[];
  outputs?: BuildOutputs;
  error?: FailureSummary | ErrorBody['error'];
}

export interface ApiAnswer {
  status: number;
  /** The parsed body; undefined when the body is not JSON (artifacts). */
  json: ApiJson | undefined;
  text: string;
}

/** Talks to the local stack's HTTP API the way a user (or the CLI) does. */
export function seoulBody(name: string, extra: Record<string, unknown> = {}): string {
  const spec = JSON.parse(readFileSync('examples/seoul.json', 'utf8')) as BuildSpecInput;
  return JSON.stringify({ ...spec, name, ...extra });
}

export async function api(
  stack: LocalStack,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    body,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const text = await res.text();
  let json: ApiJson | undefined;
  try {
    json = JSON.parse(text) as ApiJson;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The id of the build an answer is about; throws (with the answer) when it names none, e.g. a refused POST. */
export function buildIdOf(answer: ApiAnswer): string {
  const buildId = answer.json?.buildId;
  if (typeof buildId !== 'string') throw new Error(`no buildId in the ${answer.status} answer: ${answer.text.slice(0, 500)}`);
  return buildId;
}

/** Polls GET /builds/{id} until the status leaves `while` (bounded: the test fails rather than hangs). */
export async function waitWhile(stack: LocalStack, buildId: string, whileStatus: string, limitMs = 60_000): Promise<ApiJson> {
  const started = Date.now();
  for (;;) {
    const { status, json, text } = await api(stack, 'GET', `/builds/${buildId}`);
    if (json === undefined)
      throw new Error(`GET /builds/${buildId} answered ${status} with a body that is not JSON: ${text.slice(0, 500)}`);
    if (json.status !== whileStatus) return json;
    if (Date.now() - started > limitMs)
      throw new Error(`build ${buildId} still ${whileStatus} after ${limitMs} ms: ${JSON.stringify(json).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
