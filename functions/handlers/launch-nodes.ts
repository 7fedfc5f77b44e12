import type { NodesProgress } from '../core/contracts';
import { WorkflowContractError } from '../core/errors';
import { createStepHandler } from '../core/step-handler';
import { ensureInstanceProfile } from '../resources/instance-profile';
import { ensureNodes } from '../resources/node-launch';

/**
 * LaunchNodes: every control plane and worker, launched in groups (one RunInstances per role and zone) with
 * deterministic ClientTokens, so a retried step never starts a second instance. It returns what it achieved
 * (NodesProgress, kept at `$.nodeLaunch`): while `complete: false` the `NodesComplete?` Choice runs it again
 * with that progress, so the ids launched so far are in the state for a rollback and a retry in a fresh
 * Lambda container continues at the instance-type generation the state names. `pending` instances are
 * enough; waiting for them to run and pass status checks is WaitUntilReady's job.
 */
export const handler = createStepHandler('launch-nodes', async ({ state, plan, clients, logger, clock }): Promise<NodesProgress> => {
  const imageId = state.preflight?.imageId;
  if (!imageId || !state.network) {
    throw new WorkflowContractError('launch-nodes needs $.preflight.imageId and $.network: run Preflight and CreateNetwork first');
  }
  // Without a bastion, nodes are reached through Session Manager: their instance profile comes first.
  const instanceProfileArn = plan.instanceProfile && (await ensureInstanceProfile(clients, plan.buildId, plan.instanceProfile));
  // The clock paces the launches past RunInstances' burst (simulated time in the local runtime).
  const progress = await ensureNodes(clients, plan, {
    imageId,
    network: state.network,
    progress: state.nodeLaunch,
    instanceProfileArn,
    clock,
  });
  logger.info(progress.complete ? 'nodes launched' : 'nodes in progress: handing what was launched to the state machine', {
    launched: progress.nodes.length,
    of: plan.nodes.length,
    unnamed: progress.unnamed.length,
    generations: progress.generations,
  });
  return progress;
});
