import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantAll, HandlerFunction, ORPHAN_REPORT_TIMEOUT } from './functions';
import { readSlackWebhook } from './notifications';
import { orphanReportPermissions, type WorkflowArns } from './operations-permissions';

/** Every day at 07:00 UTC: before the working day in Europe and Asia, after it in the Americas. */
export const ORPHAN_REPORT_SCHEDULE = Schedule.cron({ minute: '0', hour: '7' });

export interface DailyOrphanReportProps {
  workflows: WorkflowArns;
  /** The state machines' ARNs as the function's environment (as the api function gets them). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Without one the report is only logged, like notify's messages. */
  slackWebhookSecretName?: string;
}

/**
 * The daily orphan report (docs/design.md "12.5 API, IAM and the daily report"): a schedule runs the
 * orphan-report function, which lists what is tagged as ours without a live build and posts it to Slack. It
 * reports, never deletes: its role can only read (infra/operations-permissions.ts), and removing an orphan
 * stays a person's decision (POST /orphans/{buildId}/sweep).
 */
export class DailyOrphanReport extends Construct {
  readonly fn: HandlerFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DailyOrphanReportProps) {
    super(scope, id);
    this.fn = new HandlerFunction(this, 'Function', {
      handler: 'orphan-report',
      description: 'k8s-ec2-builder daily orphan report (read-only)',
      timeout: ORPHAN_REPORT_TIMEOUT,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    grantAll(this.fn, orphanReportPermissions(props.workflows));
    if (props.slackWebhookSecretName) readSlackWebhook(this, this.fn, props.slackWebhookSecretName);

    this.rule = new Rule(this, 'Schedule', {
      description: 'k8s-ec2-builder: daily report of resources tagged as ours without a live build (never deletes)',
      schedule: ORPHAN_REPORT_SCHEDULE,
      // Two more attempts cover a transient failure; a report missed altogether is superseded the next day.
      targets: [new LambdaFunction(this.fn.function, { retryAttempts: 2 })],
    });
  }
}
