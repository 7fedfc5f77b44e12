import { Rule } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { HandlerFunction } from './functions';

/**
 * The statuses the notify handler posts (its FINAL_STATUSES). RUNNING is left out of the rule: the handler
 * ignores it (the POST /builds caller already knows a build started), so delivering it would only cost
 * invocations.
 */
export const NOTIFIED_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
export const SLACK_SECRET_ENV = 'SLACK_WEBHOOK_SECRET_ID';

export interface BuildNotificationsProps {
  notify: HandlerFunction;
  stateMachines: IStateMachine[];
  /** Secrets Manager secret holding the Slack webhook URL; without one, notify logs and skips Slack. */
  slackWebhookSecretName?: string;
}

/**
 * Step Functions "Execution Status Change" events of our two state machines → the notify Lambda → Slack.
 * The webhook URL stays in Secrets Manager: the function gets the secret's name and reads it at run time,
 * so the URL is never in the template, the environment, state input/output or logs.
 */
export class BuildNotifications extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: BuildNotificationsProps) {
    super(scope, id);
    this.rule = new Rule(this, 'ExecutionStatusChange', {
      description: 'k8s-ec2-builder build/teardown finished → notify (Slack)',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: props.stateMachines.map((machine) => machine.stateMachineArn),
          status: NOTIFIED_STATUSES,
        },
      },
      // Lambda retries async deliveries itself; two more attempts cover a transient Slack/Lambda failure.
      targets: [new LambdaFunction(props.notify.function, { retryAttempts: 2 })],
    });

    if (props.slackWebhookSecretName) readSlackWebhook(this, props.notify, props.slackWebhookSecretName);
  }
}

/**
 * Lets one function read the Slack webhook secret and tells it the secret's name (SLACK_WEBHOOK_SECRET_ID):
 * notify, and the daily orphan report (infra/orphan-report.ts).
 */
export function readSlackWebhook(scope: Construct, fn: HandlerFunction, secretName: string): void {
  // By name, not by ARN: the name is what the operator knows, and GetSecretValue accepts it.
  const secret = Secret.fromSecretNameV2(scope, 'SlackWebhook', secretName);
  // GetSecretValue only: grantRead would add DescribeSecret, which the functions never call. A name-based
  // import has a partial ARN, so the grant matches the 6 random characters Secrets Manager appends.
  Grant.addToPrincipal({
    grantee: fn.role,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [`${secret.secretArn}-??????`],
  });
  fn.function.addEnvironment(SLACK_SECRET_ENV, secretName);
}
