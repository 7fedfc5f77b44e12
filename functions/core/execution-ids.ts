import { TEARDOWN_MARKER } from './build-ids';

/**
 * Execution names and ARNs as both the API and the notifier read them: which build a teardown execution
 * belongs to (teardowns of a build are executions of the teardown machine named `<buildId>--destroy-<n>`),
 * and where an execution is in the console.
 */

export function teardownName(buildId: string, sequence: number): string {
  return `${buildId}${TEARDOWN_MARKER}${sequence}`;
}

/** The build a teardown execution belongs to, or undefined for names that are not teardowns. */
export function buildIdOfTeardown(executionName: string): string | undefined {
  const at = executionName.lastIndexOf(TEARDOWN_MARKER);
  return at > 0 ? executionName.slice(0, at) : undefined;
}

export function teardownSequence(executionName: string): number {
  const at = executionName.lastIndexOf(TEARDOWN_MARKER);
  const n = Number(executionName.slice(at + TEARDOWN_MARKER.length));
  return at > 0 && Number.isInteger(n) ? n : 0;
}

/** The region named in any ARN (`arn:aws:states:<region>:…`). */
export function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

/** The Step Functions console page of an execution. */
export function consoleUrl(executionArnValue: string, region = regionOfArn(executionArnValue) ?? 'us-east-1'): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArnValue}`;
}
