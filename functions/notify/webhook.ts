import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { codeOf } from '../core/errors';
import type { SlackMessage } from './message';

/**
 * Posting to a Slack incoming webhook. The URL is a credential (anyone holding it can post), so it never
 * reaches a log line, an error message or a return value: errors are reported by name and code only.
 */
export interface NotifyLogger {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number }>;

export interface PostResult {
  posted: boolean;
  status?: number;
  reason?: string;
}

/** Slack answers in well under a second; 5 s keeps a hung connection from holding the Lambda. */
export const SLACK_TIMEOUT_MS = 5000;

/** The error's name and code (e.g. TypeError / ECONNREFUSED), never its message, which may quote the URL. */
function describeError(error: unknown): { errorName: string; errorCode?: string } {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  return { errorName: e?.name ?? typeof error, errorCode: e?.code ?? e?.cause?.code ?? e?.cause?.name };
}

export async function postToSlack(
  url: string,
  message: SlackMessage,
  options: { fetch: FetchLike; logger: NotifyLogger; timeoutMs?: number },
): Promise<PostResult> {
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(options.timeoutMs ?? SLACK_TIMEOUT_MS),
    });
    if (!response.ok) {
      options.logger.error('slack webhook refused the message', { status: response.status });
      return { posted: false, status: response.status, reason: 'slack-error' };
    }
    options.logger.info('slack message posted', { status: response.status });
    return { posted: true, status: response.status };
  } catch (error) {
    const described = describeError(error);
    options.logger.error('slack webhook unreachable', described);
    return { posted: false, reason: described.errorName === 'TimeoutError' ? 'timeout' : 'network-error' };
  }
}

/** The secret is the URL itself, or JSON `{ "url": "…" }`. Anything else is ignored (undefined). */
export function webhookUrlFromSecret(secret: string | undefined): string | undefined {
  const text = secret?.trim();
  if (!text) return undefined;
  let candidate = text;
  if (text.startsWith('{')) {
    try {
      const url = (JSON.parse(text) as { url?: unknown }).url;
      candidate = typeof url === 'string' ? url.trim() : '';
    } catch {
      return undefined;
    }
  }
  try {
    const parsed = new URL(candidate);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the webhook URL from Secrets Manager (env SLACK_WEBHOOK_SECRET_ID) once per warm container.
 * No secret id: undefined, i.e. notifications are off.
 */
export function secretsManagerWebhookResolver(
  secretId: string | undefined,
  client: () => SecretsManagerClient,
  logger: NotifyLogger,
): () => Promise<string | undefined> {
  let cached: Promise<string | undefined> | undefined;
  return () => {
    if (!secretId) return Promise.resolve(undefined);
    cached ??= (async () => {
      try {
        const secret = await client().send(new GetSecretValueCommand({ SecretId: secretId }));
        const url = webhookUrlFromSecret(secret.SecretString);
        if (!url) logger.error('webhook secret holds no http(s) URL (expected the URL or {"url": "…"})', { secretId });
        return url;
      } catch (error) {
        cached = undefined; // a failed read is retried on the next event
        logger.error('cannot read the webhook secret', { secretId, errorName: codeOf(error) ?? 'Error' });
        return undefined;
      }
    })();
    return cached;
  };
}
