import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { K8sEc2BuilderStack } from './stack';

export const STACK_NAME = 'K8sEc2Builder';

/**
 * CDK's documented switch for skipping asset bundling (`cdk synth --exclusively` sets it too): an empty
 * list means "bundle no stack", and NodejsFunction assets then point at the source instead of running
 * esbuild. Template tests use it to stay fast; `cdk synth`/`deploy` and the bundling test never do.
 */
export const SKIP_BUNDLING_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/**
 * What template tests pass to createApp: cdk.json's context without bundling, and without CDK's built-in
 * CloudFormation schema validation (a WebAssembly validator that costs ~6 s on the first synth of a
 * process; `cdk synth` still runs it). cdk-nag still runs: a finding fails every test's synth.
 */
export function testAppProps(context: Record<string, unknown>, extra: Record<string, unknown> = {}): AppProps {
  return { context: { ...context, ...SKIP_BUNDLING_CONTEXT, ...extra }, builtinCloudFormationValidation: false };
}

export interface CreatedApp {
  app: App;
  stack: K8sEc2BuilderStack;
  nag: AwsSolutionsChecks;
}

/**
 * The app: one env-agnostic stack, and cdk-nag's AwsSolutions pack as a validation plugin, so any
 * unacknowledged finding fails the synth (acknowledgements: infra/nag.ts and beside the constructs).
 */
export function createApp(props: AppProps = {}): CreatedApp {
  const app = new App(props);
  const stack = new K8sEc2BuilderStack(app, STACK_NAME, {
    description: 'k8s-ec2-builder: Step Functions workflows that build the EC2 foundation of a self-managed Kubernetes cluster',
  });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  return { app, stack, nag };
}
