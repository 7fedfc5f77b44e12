import { CommanderError } from 'commander';
import { ApiError } from './api-client';

/** Exit codes of `k8s-ec2`, and how each kind of failure is told to the user. */

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a command stopped by Ctrl+C. */
export const EXIT_INTERRUPTED = 130;

/** The command line cannot be carried out as written: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints what went wrong (API errors with their code, field and every listed problem) and returns the exit code. */
export function reportError(error: unknown, err: (line: string) => void): number {
  // commander has already printed its own message (and the hint to --help) to stderr.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof UsageError) {
    err(`✗ ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    err(`✗ ${error.code}${error.field ? ` — field ${error.field}` : ''}: ${error.message}`);
    for (const d of error.details.filter((d) => d.field !== error.field || d.message !== error.message))
      err(`  ${d.field}: ${d.message} [${d.code}]`);
    err(`  (HTTP ${error.status}${error.requestId ? `, request id ${error.requestId}` : ''})`);
    return EXIT_FAILURE;
  }
  const refused = connectionRefused(error);
  if (refused) err(`✗ cannot reach the API (${refused}). Is the local stack running (k8s-ec2 local)? Or pass --api / set K8S_EC2_API.`);
  else err(`✗ ${(error as Error)?.message ?? String(error)}`);
  return EXIT_FAILURE;
}

/** fetch's "fetch failed" hides the reason in `cause` (an AggregateError when a name has several addresses). */
function connectionRefused(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } })?.cause;
  const refused = cause?.code === 'ECONNREFUSED' || cause?.errors?.some((e) => e.code === 'ECONNREFUSED');
  return refused ? cause?.message || 'connection refused' : undefined;
}
