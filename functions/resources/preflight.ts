import type { AwsClients } from '../core/clients';
import { PreflightFailed } from '../core/errors';
import type { Plan } from '../core/plan';
import { checkAvailabilityZones, checkClusterNameFree, checkInstanceTypeOfferings, checkKeyPair, type Problem } from './account';
import { accountListings } from './account-listings';
import { checkEndpointServices, checkTransitGateway } from './connection-checks';
import { checkEbsDefaultKey } from './ebs-encryption';
import { findRhel8Image, type ImageChoice } from './images';
import { checkQuotas } from './quotas';

/** What the read-only checks found: every problem at once, what passed, and the notes that never refuse a build. */
export interface PreflightFindings {
  /** Absent when no RHEL 8 image was found (a problem says why). */
  image?: ImageChoice;
  problems: Problem[];
  checks: string[];
  notes: string[];
}

/**
 * The checks before anything is created (docs/design.md "5.2 Preflight"), run by the Preflight step and by
 * POST /plans alike, so a plan says exactly what the build would refuse. Read-only: every call is a Describe
 * or a Get. Problems are collected, never thrown one by one; AWS errors other than the image lookup's own
 * refusal propagate (the step retries them, the plan route answers 503/500).
 */
export async function runPreflightChecks(clients: AwsClients, plan: Plan): Promise<PreflightFindings> {
  const imageCheck = findRhel8Image(clients, plan.spec).then(
    (image) => ({ image, problems: [] as Problem[] }),
    (error: unknown) => {
      if (error instanceof PreflightFailed)
        return { image: undefined, problems: [{ check: 'image', field: 'image', message: error.message }] };
      throw error;
    },
  );
  // The region's VPCs and load balancers, listed once for the cluster-name check and the quotas alike.
  const listings = accountListings(clients);
  const [zones, offerings, keyPair, names, quotas, ebsNotes, image, gateway, endpoints] = await Promise.all([
    checkAvailabilityZones(clients, plan),
    checkInstanceTypeOfferings(clients, plan),
    checkKeyPair(clients, plan),
    checkClusterNameFree(clients, plan, listings),
    checkQuotas(clients, plan, listings),
    checkEbsDefaultKey(clients),
    imageCheck,
    checkTransitGateway(clients, plan),
    checkEndpointServices(clients, plan),
  ]);
  return {
    image: image.image,
    problems: [...zones, ...offerings, ...keyPair, ...names, ...quotas.problems, ...image.problems, ...gateway, ...endpoints],
    checks: [
      'availability zones',
      'instance type offerings',
      ...(image.image ? [`image ${image.image.imageName}`] : []),
      `key pair ${plan.spec.keyName}`,
      'cluster name free',
      ...(plan.transitGateway ? [`transit gateway ${plan.transitGateway.id} available`] : []),
      ...(plan.endpoints.length ? [`endpoint services ${plan.endpoints.map((e) => e.service).join(', ')} offered`] : []),
      ...quotas.checks,
    ],
    notes: [...quotas.notes, ...ebsNotes],
  };
}
