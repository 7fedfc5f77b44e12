import type { PreflightResult } from '../core/contracts';
import { PreflightFailed } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { checkAvailabilityZones, checkClusterNameFree, checkInstanceTypeOfferings, checkKeyPair, type Problem } from '../resources/account';
import { checkEndpointServices, checkTransitGateway } from '../resources/connection-checks';
import { checkEbsDefaultKey } from '../resources/ebs-encryption';
import { findRhel8Image } from '../resources/images';
import { checkQuotas } from '../resources/quotas';

/**
 * Preflight (docs/design.md "5.2 Preflight"): read-only checks before anything is created. Every problem is collected and
 * reported together in one PreflightFailed, so a user fixes the spec or the account once, not check by check.
 * What it could not check, or what the operator must know (a customer-managed EBS key), becomes a note:
 * notes never refuse a build, and they travel to the build's outputs and its Slack message.
 */
export const handler = createStepHandler('preflight', async ({ clients, plan, logger }): Promise<PreflightResult> => {
  const imageCheck = findRhel8Image(clients, plan.spec).then(
    (image) => ({ image, problems: [] as Problem[] }),
    (error: unknown) => {
      if (error instanceof PreflightFailed)
        return { image: undefined, problems: [{ check: 'image', field: 'image', message: error.message }] };
      throw error;
    },
  );
  const [zones, offerings, keyPair, names, quotas, ebsNotes, image, gateway, endpoints] = await Promise.all([
    checkAvailabilityZones(clients, plan),
    checkInstanceTypeOfferings(clients, plan),
    checkKeyPair(clients, plan),
    checkClusterNameFree(clients, plan),
    checkQuotas(clients, plan),
    checkEbsDefaultKey(clients),
    imageCheck,
    checkTransitGateway(clients, plan),
    checkEndpointServices(clients, plan),
  ]);
  const problems = [...zones, ...offerings, ...keyPair, ...names, ...quotas.problems, ...image.problems, ...gateway, ...endpoints];
  if (problems.length > 0 || !image.image) {
    throw new PreflightFailed(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '), {
      details: { problems },
    });
  }
  const notes = [...quotas.notes, ...ebsNotes];
  logger.info('preflight passed', { image: image.image, quotas: quotas.checks, notes });
  return {
    imageId: image.image.imageId,
    imageName: image.image.imageName,
    checks: [
      'availability zones',
      'instance type offerings',
      `image ${image.image.imageName}`,
      `key pair ${plan.spec.keyName}`,
      'cluster name free',
      ...(plan.transitGateway ? [`transit gateway ${plan.transitGateway.id} available`] : []),
      ...(plan.endpoints.length ? [`endpoint services ${plan.endpoints.map((e) => e.service).join(', ')} offered`] : []),
      ...quotas.checks,
    ],
    notes,
  };
});
