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
}

export const STEP_FUNCTIONS = {
  preflight: { handler: 'preflight', substitution: 'PreflightFunctionArn' },
  createNetwork: { handler: 'create-network', substitution: 'CreateNetworkFunctionArn' },
  launchNodes: { handler: 'launch-nodes', substitution: 'LaunchNodesFunctionArn' },
  createLoadBalancer: { handler: 'create-load-balancer', substitution: 'CreateLoadBalancerFunctionArn' },
  launchBastion: { handler: 'launch-bastion', substitution: 'LaunchBastionFunctionArn' },
  registerTargets: { handler: 'register-targets', substitution: 'RegisterTargetsFunctionArn' },
  waitUntilReady: { handler: 'wait-until-ready', substitution: 'WaitUntilReadyFunctionArn' },
  verifyBaseline: { handler: 'verify-baseline', substitution: 'VerifyBaselineFunctionArn' },
  teardownLoadBalancer: { handler: 'teardown-load-balancer', substitution: 'TeardownLoadBalancerFunctionArn' },
  teardownInstances: { handler: 'teardown-instances', substitution: 'TeardownInstancesFunctionArn' },
  teardownNetwork: { handler: 'teardown-network', substitution: 'TeardownNetworkFunctionArn' },
} as const satisfies Record<string, StepFunctionEntry>;

export type StepFunctionId = keyof typeof STEP_FUNCTIONS;
