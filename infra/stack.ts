import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BuildsApi, STAGE_NAME } from './api';
import { readConfig, type InfraConfig } from './config';
import { API_TIMEOUT, HandlerFunction, NOTIFY_TIMEOUT, WorkflowFunctions } from './functions';
import { acknowledgeWildcardResource, NAG_REASONS } from './nag';
import { BuildNotifications } from './notifications';
import { Workflows } from './state-machines';

export interface K8sEc2BuilderStackProps extends StackProps {
  /** @default - read from CDK context (cdk.json, `-c key=value`) */
  config?: InfraConfig;
}

/**
 * The whole service, env-agnostic (no account/region lookups): the step functions, the build and teardown
 * state machines, the REST API and its Lambda, and the notification rule. Wiring only; behaviour lives in
 * functions/ and workflows/.
 */
export class K8sEc2BuilderStack extends Stack {
  readonly config: InfraConfig;
  readonly steps: WorkflowFunctions;
  readonly workflows: Workflows;
  readonly apiFunction: HandlerFunction;
  readonly notifyFunction: HandlerFunction;
  readonly api: BuildsApi;
  readonly notifications: BuildNotifications;

  constructor(scope: Construct, id: string, props: K8sEc2BuilderStackProps = {}) {
    super(scope, id, props);
    const config = (this.config = props.config ?? readConfig(this.node));
    const logRetention = config.logRetentionDays;

    this.steps = new WorkflowFunctions(this, 'Steps', { logRetention });
    this.notifyFunction = new HandlerFunction(this, 'NotifyFunction', {
      handler: 'notify',
      description: 'k8s-ec2-builder Slack notifications',
      timeout: NOTIFY_TIMEOUT,
      memorySize: 256,
      logRetention,
    });
    this.workflows = new Workflows(this, 'Workflows', {
      // The build invokes notify itself when a person must act (docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access").
      functions: { steps: this.steps.steps, notify: this.notifyFunction },
      logRetention,
      includeExecutionData: config.includeExecutionData,
    });
    const machines = [this.workflows.build.stateMachine, this.workflows.teardown.stateMachine];

    this.apiFunction = new HandlerFunction(this, 'ApiFunction', {
      handler: 'api',
      description: 'k8s-ec2-builder REST API',
      timeout: API_TIMEOUT,
      logRetention,
      environment: {
        BUILD_STATE_MACHINE_ARN: this.workflows.build.stateMachine.stateMachineArn,
        TEARDOWN_STATE_MACHINE_ARN: this.workflows.teardown.stateMachine.stateMachineArn,
      },
    });
    // The API starts and reads executions of our two machines, nothing else (no StopExecution: a build is
    // ended by its own rollback or by a teardown, never cut off midway).
    this.apiFunction.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['states:StartExecution', 'states:ListExecutions'],
        resources: machines.map((m) => m.stateMachineArn),
      }),
    );
    const executionArns = [this.workflows.build, this.workflows.teardown].map((w) =>
      this.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${w.stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.apiFunction.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: executionArns,
      }),
    );
    for (const arn of executionArns) acknowledgeWildcardResource(this.apiFunction, arn, NAG_REASONS.apiExecutionsWildcard);

    this.notifications = new BuildNotifications(this, 'Notifications', {
      notify: this.notifyFunction,
      stateMachines: machines,
      slackWebhookSecretName: config.slackWebhookSecretName,
    });

    this.api = new BuildsApi(this, 'Api', {
      handler: this.apiFunction.function,
      logRetention,
      throttleRateLimit: config.apiThrottleRateLimit,
      throttleBurstLimit: config.apiThrottleBurstLimit,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.api.urlForPath('/builds'),
      description: `POST/GET here (stage ${STAGE_NAME}); SigV4-signed, service execute-api`,
    });
    new CfnOutput(this, 'BuildStateMachineArn', { value: this.workflows.build.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TeardownStateMachineArn', { value: this.workflows.teardown.stateMachine.stateMachineArn });
  }
}
