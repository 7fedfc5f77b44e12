import { createHash } from 'node:crypto';

/**
 * An EC2 ClientToken is "a unique, case-sensitive string of up to 64 ASCII characters"
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
 */
export const CLIENT_TOKEN_MAX_LENGTH = 64;
const DIGEST_CHARS = 40;
const LABEL_MAX_LENGTH = CLIENT_TOKEN_MAX_LENGTH - DIGEST_CHARS - 1;

/**
 * The ClientToken of one create: a readable label (what it makes) and a hash of everything that identifies
 * the request (build id, resource key, and any parameter that would make a repeat a different request).
 * The same inputs give the same token in every attempt and every Lambda, so a repeated create (a lost
 * response, a retried step) gets the first resource back instead of a second one. Hashed because build ids
 * can be 80 characters; the label is cut to leave the hash its room.
 */
export function clientToken(label: string, ...key: Array<string | number>): string {
  const digest = createHash('sha256').update(key.join('|')).digest('hex').slice(0, DIGEST_CHARS);
  return `${label.slice(0, LABEL_MAX_LENGTH)}-${digest}`;
}
