import { escapeMrkdwn, type SlackMessage } from '../notify/message';
import { formatAge } from './age-text';
import type { OrphanGroup } from './contracts';

/**
 * The daily report's Slack message (docs/design.md "12.4 Orphans and the sweep"): one line per orphaned build
 * with why, what is left and how old, and the command that removes it. It reports; nothing is deleted.
 */

/** Slack allows 50 blocks a message; the rest are counted and left to GET /orphans. */
const MAX_LISTED = 20;

/** `3 instance, 1 vpc, 2 subnet` in the order the resources are listed (the teardown's). */
function counts(group: OrphanGroup): string {
  const byType = new Map<string, number>();
  for (const { type } of group.resources) byType.set(type, (byType.get(type) ?? 0) + 1);
  return [...byType].map(([type, n]) => `${n} ${type}`).join(', ');
}

function line(group: OrphanGroup): string {
  const who = group.clusterName ? `${group.buildId} (${group.clusterName})` : group.buildId;
  return [
    `*${escapeMrkdwn(who)}*: ${escapeMrkdwn(group.reason)}`,
    `${group.resources.length} resource(s): ${escapeMrkdwn(counts(group))}; oldest ${formatAge(group.ageSeconds) || 'age unknown'}`,
    `Remove: \`k8s-ec2 sweep ${escapeMrkdwn(group.buildId)}\``,
  ].join('\n');
}

export function orphanReportMessage(region: string, groups: readonly OrphanGroup[]): SlackMessage {
  const total = groups.reduce((n, g) => n + g.resources.length, 0);
  const headline = `${groups.length} orphaned build(s) in ${region}: ${total} resource(s) tagged k8s-ec2:managed-by`;
  const listed = groups.slice(0, MAX_LISTED);
  const more = groups.length - listed.length;
  return {
    text: `${headline}. Nothing was deleted; remove each with \`k8s-ec2 sweep BUILD_ID\`.`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `:broom: ${headline}`.slice(0, 150), emoji: true } },
      ...listed.map((group) => ({ type: 'section', text: { type: 'mrkdwn', text: line(group) } })),
      ...(more > 0 ? [{ type: 'section', text: { type: 'mrkdwn', text: `…and ${more} more: \`k8s-ec2 orphans\` lists them all.` } }] : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Resources tagged as ours whose build has no running or succeeded execution. This report never deletes anything.',
          },
        ],
      },
    ],
  };
}
