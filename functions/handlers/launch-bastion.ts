import type { BastionProgress } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { ensureBastion } from '../resources/bastion';

/**
 * LaunchBastion: the bastion instance and its Elastic IP. The address is associated here only if the
 * instance already runs (a repeat); otherwise WaitUntilReady associates it (`associateBastionAddress`),
 * because AWS refuses to associate with a `pending` instance and a step must not sleep. A run that has
 * just allocated the address returns `complete: false`; the `BastionComplete?` Choice runs this step again
 * with the allocation id in `state.bastion`, so that no retry allocates a second address.
 */
export const handler = createStepHandler('launch-bastion', async ({ state, plan, clients, logger }): Promise<BastionProgress> => {
  const imageId = state.preflight?.imageId;
  if (!imageId || !state.network) {
    throw new WorkflowContractError('launch-bastion needs $.preflight.imageId and $.network: run Preflight and CreateNetwork first');
  }
  if (!plan.spec.bastion.enabled) {
    logger.info('no bastion: the spec turned it off (nodes are reached through Session Manager)');
    return { complete: true, disabled: true };
  }
  const bastion = await ensureBastion(clients, plan, { imageId, network: state.network, known: state.bastion });
  if (bastion.complete) {
    logger.info('bastion launched', {
      instanceId: bastion.instanceId,
      allocationId: bastion.allocationId,
      publicIp: bastion.publicIp,
      associated: Boolean(bastion.associationId),
    });
  } else {
    logger.info('bastion address allocated: handing its id to the state machine', {
      allocationId: bastion.allocationId,
      publicIp: bastion.publicIp,
    });
  }
  return bastion;
});
