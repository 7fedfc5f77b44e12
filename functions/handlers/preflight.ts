import type { PreflightResult } from '../core/contracts';
import { PreflightFailed } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { runPreflightChecks } from '../resources/preflight';

/**
 * Preflight (docs/design.md "5.2 Preflight"): read-only checks before anything is created. Every problem is collected and
 * reported together in one PreflightFailed, so a user fixes the spec or the account once, not check by check.
 * What it could not check, or what the operator must know (a customer-managed EBS key), becomes a note:
 * notes never refuse a build, and they travel to the build's outputs and its Slack message.
 * POST /plans runs the same checks (resources/preflight.ts) without starting anything.
 */
export const handler = createStepHandler('preflight', async ({ clients, plan, logger }): Promise<PreflightResult> => {
  const { image, problems, checks, notes } = await runPreflightChecks(clients, plan);
  if (problems.length > 0 || !image) {
    throw new PreflightFailed(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '), {
      details: { problems },
    });
  }
  logger.info('preflight passed', { image, checks, notes });
  return { imageId: image.imageId, imageName: image.imageName, checks, notes };
});
