import type { BuildSpec } from '../core/spec';
import { readStoredSpec } from '../core/spec-validation';
import type { CostEstimate } from './contracts';
import { secondsText, withDeadline } from './deadline';
import { estimateLines } from './estimate-lines';

/** A finished build's cost estimate as text lines (estimate-lines.ts), or why there is none. */
export type BuildCostText = { lines: string[] } | { unavailable: string };

export type EstimateBuild = (spec: BuildSpec, buildId: string) => Promise<CostEstimate | undefined>;

/**
 * The most a notification waits for a price. The Price List answers in a second or two; a Lambda without a route
 * to it would otherwise wait out its SDK retries, and the build's message must not wait for a price.
 */
export const ESTIMATE_TIMEOUT_MS = 10_000;

/**
 * The wait when nothing says how long the invocation has left (no Lambda context): the notify function's 15 s
 * (NOTIFY_LAMBDA_TIMEOUT_SECONDS) must hold the secret read, this wait and the Slack post's 5 s, with room to spare.
 */
export const ESTIMATE_TIMEOUT_WITHOUT_CONTEXT_MS = 4_000;

/**
 * How long the estimate may take: what the invocation has left (`remainingMs`, the Lambda context's
 * getRemainingTimeInMillis()) less `reserveMs` for what comes after it (the Slack post and a margin), at most
 * `ceilingMs`; ESTIMATE_TIMEOUT_WITHOUT_CONTEXT_MS when the time left is not known. A Lambda that runs out of time
 * fails, and EventBridge's async retry would then post the message a second time.
 */
export function estimateTimeoutMs(remainingMs: number | undefined, reserveMs: number, ceilingMs = ESTIMATE_TIMEOUT_MS): number {
  if (remainingMs === undefined) return Math.min(ESTIMATE_TIMEOUT_WITHOUT_CONTEXT_MS, ceilingMs);
  return Math.max(0, Math.min(ceilingMs, remainingMs - reserveMs));
}

/**
 * The estimate of the build an execution made, from the spec in its input (stored normalised, or an older
 * input read as the API reads it back). It never throws: any failure, or no answer within `timeoutMs`, is a
 * reason to say the estimate is unavailable, and the message goes out without it.
 */
export async function estimateBuildText(
  executionInput: unknown,
  buildId: string,
  estimate: EstimateBuild,
  timeoutMs = ESTIMATE_TIMEOUT_MS,
): Promise<BuildCostText> {
  const stored = readStoredSpec(executionInput as { specVersion?: unknown; spec?: unknown } | undefined);
  if (!stored.ok) return { unavailable: 'the execution input holds no spec this release can read' };
  if (timeoutMs <= 0) return { unavailable: 'no time was left to ask the Price List before the message had to go out' };
  try {
    const result = await withDeadline(estimate(stored.spec, buildId), timeoutMs);
    if (!result.done) return { unavailable: `no answer from the Price List within ${secondsText(timeoutMs)}` };
    return result.value ? { lines: estimateLines(result.value) } : { unavailable: 'no estimate was made' };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { unavailable: `${name}: ${message}`.slice(0, 200) };
  }
}
