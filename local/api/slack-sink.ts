/** A stand-in Slack incoming webhook: records every message posted to it and hands it to a printer. */
export interface SlackMessage {
  receivedAt: string;
  payload: { text?: string; blocks?: unknown[] } & Record<string, unknown>;
}

export class SlackSink {
  readonly messages: SlackMessage[] = [];
  private waiters: Array<{ match: (m: SlackMessage) => boolean; resolve: (m: SlackMessage) => void }> = [];

  constructor(private readonly print?: (message: SlackMessage) => void) {}

  /** Records a posted body; answers like Slack does (`ok`, or 400 `invalid_payload`). */
  receive(body: string): { status: number; text: string } {
    let payload: SlackMessage['payload'];
    try {
      payload = JSON.parse(body) as SlackMessage['payload'];
    } catch {
      return { status: 400, text: 'invalid_payload' };
    }
    if (!payload || (typeof payload.text !== 'string' && !Array.isArray(payload.blocks))) return { status: 400, text: 'no_text' };
    const message = { receivedAt: new Date().toISOString(), payload };
    this.messages.push(message);
    this.print?.(message);
    this.waiters = this.waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    return { status: 200, text: 'ok' };
  }

  /** Resolves with the first message (already received or still to come) that matches. */
  waitFor(match: (m: SlackMessage) => boolean): Promise<SlackMessage> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

/** Slack message text flattened (text + every block's text), for printing and matching. */
export function messageText(message: SlackMessage): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'text' && typeof value === 'string') parts.push(value);
      else walk(value);
    }
  };
  walk(message.payload);
  return parts.join('\n');
}
