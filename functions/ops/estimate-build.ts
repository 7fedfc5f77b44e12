import type { BuildSpec } from '../core/spec';
import { readStoredSpec } from '../core/spec-validation';
import type { CostEstimate } from './contracts';
import { estimateLines } from './estimate-lines';

/** A finished build's cost estimate as text lines (estimate-lines.ts), or why there is none. */
export type BuildCostText = { lines: string[] } | { unavailable: string };

export type EstimateBuild = (spec: BuildSpec, buildId: string) => Promise<CostEstimate | undefined>;

/**
 * The Price List answers in a second or two; a Lambda without a route to it would otherwise wait out its SDK
 * retries, and the build's message must not wait for a price.
 */
export const ESTIMATE_TIMEOUT_MS = 10_000;

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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const result = await Promise.race([estimate(stored.spec, buildId), timeout]);
    if (result === 'timeout') return { unavailable: `no answer from the Price List within ${timeoutMs / 1000} s` };
    return result ? { lines: estimateLines(result) } : { unavailable: 'no estimate was made' };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return { unavailable: `${name}: ${message}`.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}
