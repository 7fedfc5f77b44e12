import type { CloudStats } from '../local/cloud/server';

/**
 * Requests the workflows' steps sent, throttled (refused) ones included: each is a request AWS counted against
 * the account. notify's Price List questions follow a build (its Slack message) and are not the build's.
 */
export function stepCalls(stats: CloudStats | undefined): number {
  return Object.entries(stats?.byPrincipal ?? {})
    .filter(([principal]) => !principal.endsWith('-notify'))
    .reduce((sum, [, n]) => sum + n, 0);
}
