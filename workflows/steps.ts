/**
 * The catalogue of Task states and the Lambda handler behind each. The build and teardown definitions,
 * the CDK stack (one function per handler, ARNs substituted into the definitions) and the local runtime
 * (handlers run in-process by state name) all read this one list.
 */
export interface StepFunctionEntry {
  /** handler file under functions/handlers/ (without .ts) */
  handler: string;
  /** definition substitution variable holding the function ARN: `${<substitution>}` */
  substitution: string;
  /**
   * The Task's TimeoutSeconds for one attempt (a hung invocation must not hold the build). Give the
   * Lambda a shorter timeout, so that its own timeout error, with its logs, is what the history shows.
   */
  timeoutSeconds: number;
}

/**
 * Each step Lambda's own timeout. A step does one bounded piece of work and returns (waiting is the state
 * machine's job), so a minute is ample; each Task's TimeoutSeconds must stay above it (asserted in test/infra).
 */
export const STEP_LAMBDA_TIMEOUT_SECONDS = 60;

export const STEP_FUNCTIONS = {
  preflight: { handler: 'preflight', substitution: 'PreflightFunctionArn', timeoutSeconds: 120 },
  createNetwork: { handler: 'create-network', substitution: 'CreateNetworkFunctionArn', timeoutSeconds: 180 },
  connectNetwork: { handler: 'connect-network', substitution: 'ConnectNetworkFunctionArn', timeoutSeconds: 180 },
  launchNodes: { handler: 'launch-nodes', substitution: 'LaunchNodesFunctionArn', timeoutSeconds: 180 },
  createLoadBalancer: { handler: 'create-load-balancer', substitution: 'CreateLoadBalancerFunctionArn', timeoutSeconds: 120 },
  launchBastion: { handler: 'launch-bastion', substitution: 'LaunchBastionFunctionArn', timeoutSeconds: 120 },
  registerTargets: { handler: 'register-targets', substitution: 'RegisterTargetsFunctionArn', timeoutSeconds: 120 },
  waitUntilReady: { handler: 'wait-until-ready', substitution: 'WaitUntilReadyFunctionArn', timeoutSeconds: 120 },
  verifyBaseline: { handler: 'verify-baseline', substitution: 'VerifyBaselineFunctionArn', timeoutSeconds: 120 },
  teardownLoadBalancer: { handler: 'teardown-load-balancer', substitution: 'TeardownLoadBalancerFunctionArn', timeoutSeconds: 180 },
  teardownInstances: { handler: 'teardown-instances', substitution: 'TeardownInstancesFunctionArn', timeoutSeconds: 180 },
  teardownNetwork: { handler: 'teardown-network', substitution: 'TeardownNetworkFunctionArn', timeoutSeconds: 180 },
} as const satisfies Record<string, StepFunctionEntry>;

export type StepFunctionId = keyof typeof STEP_FUNCTIONS;

/** The notify function's own timeout (infra/functions.ts NOTIFY_TIMEOUT reads it): one webhook POST. */
export const NOTIFY_LAMBDA_TIMEOUT_SECONDS = 15;

/**
 * The notify function (Slack), which the build invokes itself when a person must act — an attachment to
 * accept (docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access"). Not a step: it creates nothing, reads no spec and has no AWS permissions
 * beyond its webhook secret; its Task never fails the build (a Catch goes on).
 */
export const NOTIFY_FUNCTION = {
  handler: 'notify',
  substitution: 'NotifyFunctionArn',
  timeoutSeconds: 30,
} as const satisfies StepFunctionEntry;

/** Every function a definition may name: the steps and the notify function. */
export const TASK_FUNCTIONS: readonly StepFunctionEntry[] = [...Object.values(STEP_FUNCTIONS), NOTIFY_FUNCTION];
