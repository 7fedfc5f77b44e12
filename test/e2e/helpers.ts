import { readFileSync } from 'node:fs';
import type { LocalStack } from '../../local/stack';

/** Talks to the local stack's HTTP API the way a user (or the CLI) does. */
export function seoulBody(name: string, extra: Record<string, unknown> = {}): string {
  const spec = JSON.parse(readFileSync('examples/seoul.json', 'utf8'));
  return JSON.stringify({ ...spec, name, ...extra });
}

export async function api(stack: LocalStack, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    body,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Polls GET /builds/{id} until the status leaves `while` (bounded: the test fails rather than hangs). */
export async function waitWhile(stack: LocalStack, buildId: string, whileStatus: string, limitMs = 60_000) {
  const started = Date.now();
  for (;;) {
    const { json } = await api(stack, 'GET', `/builds/${buildId}`);
    if (json?.status !== whileStatus) return json;
    if (Date.now() - started > limitMs)
      throw new Error(`build ${buildId} still ${whileStatus} after ${limitMs} ms: ${JSON.stringify(json).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
