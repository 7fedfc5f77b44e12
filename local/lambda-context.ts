import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * The Lambda context object the local runtime hands each invocation, shaped as Lambda's Node.js runtime
 * builds it (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html): a fresh request id per
 * invocation, the function's name and ARN, and the remaining time against the function's timeout, measured
 * on `now`: the local runtime passes its simulated clock, so a 60 s timeout is 60 simulated seconds, the same
 * seconds the step's AWS retries (core/step-handler.ts) budget against.
 */
export function lambdaContext(functionName: string, region: string, account: string, timeoutSeconds: number, now = Date.now): Context {
  const deadline = now() + timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
