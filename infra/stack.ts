import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BuildsApi, STAGE_NAME } from './api';
import { readConfig, type InfraConfig } from './config';
import { API_TIMEOUT, grantAll, HandlerFunction, NOTIFY_TIMEOUT, OPERATIONS_TIMEOUT, WorkflowFunctions } from './functions';
import { acknowledgeWildcardResource, NAG_REASONS } from './nag';
import { BuildNotifications } from './notifications';
import { NOTIFY_PERMISSIONS, operationsPermissions, type WorkflowArns } from './operations-permissions';
import { DailyOrphanReport } from './orphan-report';
import { Workflows } from './state-machines';

export interface K8sEc2BuilderStackProps extends StackProps {
  /** @default - read from CDK context (cdk.json, `-c key=value`) */
  config?: InfraConfig;
}

/**
 * The whole service, env-agnostic (no account/region lookups): the step functions, the build and teardown
 * state machines, the REST API and its two Lambdas (api, operations), the notification rule and the daily
 * orphan report. Wiring only; behaviour lives in functions/ and workflows/.
 */
export class K8sEc2BuilderStack extends Stack {
  readonly config: InfraConfig;
  readonly steps: WorkflowFunctions;
  readonly workflows: Workflows;
  readonly apiFunction: HandlerFunction;
  /** Plan, verify, orphans, sweep: reads the account, starts only teardowns (docs/design.md "12.5 API, IAM and the daily report"). */
  readonly operationsFunction: HandlerFunction;
  readonly notifyFunction: HandlerFunction;
  readonly orphanReport: DailyOrphanReport;
  /** The two workflows' ARNs the operations and report grants are scoped to. */
  readonly workflowArns: WorkflowArns;
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
    // The pricing call in notify's success message (its cost estimate).
    grantAll(this.notifyFunction, NOTIFY_PERMISSIONS);
    const machineEnvironment = {
      BUILD_STATE_MACHINE_ARN: this.workflows.build.stateMachine.stateMachineArn,
      TEARDOWN_STATE_MACHINE_ARN: this.workflows.teardown.stateMachine.stateMachineArn,
      // Tagged on everything a build makes (k8s-ec2:deployment): a second stack in the account judges only its own orphans.
      K8S_EC2_DEPLOYMENT: this.stackName,
    };

    this.apiFunction = new HandlerFunction(this, 'ApiFunction', {
      handler: 'api',
      description: 'k8s-ec2-builder REST API',
      timeout: API_TIMEOUT,
      logRetention,
      environment: machineEnvironment,
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

    this.workflowArns = {
      buildStateMachine: this.workflows.build.stateMachine.stateMachineArn,
      teardownStateMachine: this.workflows.teardown.stateMachine.stateMachineArn,
      buildExecutions: executionArns[0],
      teardownExecutions: executionArns[1],
    };
    this.operationsFunction = new HandlerFunction(this, 'OperationsFunction', {
      handler: 'operations',
      description: 'k8s-ec2-builder plan, drift, orphans and sweep (read-only account access)',
      timeout: OPERATIONS_TIMEOUT,
      logRetention,
      environment: machineEnvironment,
    });
    grantAll(this.operationsFunction, operationsPermissions(this.workflowArns));
    this.orphanReport = new DailyOrphanReport(this, 'OrphanReport', {
      workflows: this.workflowArns,
      environment: machineEnvironment,
      logRetention,
      slackWebhookSecretName: config.slackWebhookSecretName,
    });

    this.notifications = new BuildNotifications(this, 'Notifications', {
      notify: this.notifyFunction,
      stateMachines: machines,
      slackWebhookSecretName: config.slackWebhookSecretName,
    });

    this.api = new BuildsApi(this, 'Api', {
      handler: this.apiFunction.function,
      operations: this.operationsFunction.function,
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
