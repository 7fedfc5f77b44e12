import type { NodeRecord } from '../core/contracts';
import { InvalidSpec } from '../core/errors';
import { stepHandler } from '../core/step-handler';
import { ensureNodes } from '../resources/instances';

/**
 * LaunchNodes: every control plane and worker, found by tag or launched with a deterministic ClientToken,
 * so a retried step never starts a second instance. Returns as soon as the instances exist (`pending` is
 * enough); waiting for them to run and pass status checks is WaitUntilReady's job.
 */
export const handler = stepHandler('launch-nodes', async ({ state, plan, clients, logger }): Promise<NodeRecord[]> => {
  const imageId = state.preflight?.imageId;
  if (!imageId || !state.network) {
    throw new InvalidSpec('launch-nodes needs $.preflight.imageId and $.network: run Preflight and CreateNetwork first');
  }
  const nodes = await ensureNodes(clients, plan, { imageId, network: state.network });
  logger.info('nodes launched', { nodes: nodes.map(({ name, instanceId, instanceType, az }) => ({ name, instanceId, instanceType, az })) });
  return nodes;
});
