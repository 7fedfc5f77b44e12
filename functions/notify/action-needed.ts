import { consoleUrl } from '../core/execution-ids';
import { escapeMrkdwn, type SlackMessage } from './message';

/**
 * What a running build asks a person to do before it can go on (today: accept its Transit Gateway attachment
 * in the gateway owner's account). The build's workflow invokes the notify function with this payload once
 * per wait (docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access"); the wait itself is bounded by the step's readiness Retry.
 */
export interface ActionNeededEvent {
  kind: 'action-needed';
  buildId: string;
  executionArn: string;
  /** One sentence that starts with what to do, e.g. "accept attachment tgw-attach-… in account …: …". */
  action: string;
}

export function isActionNeeded(event: unknown): event is ActionNeededEvent {
  const e = event as Partial<ActionNeededEvent> | undefined;
  return e?.kind === 'action-needed' && typeof e.buildId === 'string' && typeof e.executionArn === 'string' && typeof e.action === 'string';
}

export function actionNeededMessage(event: ActionNeededEvent): SlackMessage {
  const headline = `${event.buildId}: waiting for you`;
  return {
    text: `${headline}: ${event.action}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `:hourglass_flowing_sand: ${headline}`.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Action needed*\n${escapeMrkdwn(event.action.slice(0, 2500))}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `<${consoleUrl(event.executionArn)}|Open the execution in the Step Functions console>` }],
      },
    ],
  };
}
