/**
 * The loopback control interface beside the AWS APIs, for the CLI, benches and tests in other processes:
 *   POST /_cloud/faults (JSON FaultRule) · GET /_cloud/faults · DELETE /_cloud/faults
 *   GET /_cloud/resources?buildId=ID · GET /_cloud/stats · DELETE /_cloud/stats · POST /_cloud/reset · GET /_cloud/clock
 * and, standing in for another account (the network team's) that shares a transit gateway with ours through RAM:
 *   POST /_cloud/transit-gateways (JSON { autoAcceptSharedAttachments, ownerId? }) → 201 { transitGatewayId, ownerId }
 *   POST /_cloud/transit-gateway-attachments/{id}/accept · …/reject → 200 { transitGatewayAttachmentId, state }
 */
import type { LocalClock } from './clock';
import { CloudError } from './contract';
import type { TransitGatewayControl } from './ec2/transit-gateways';
import type { FaultInjector, FaultRule } from './faults';
import { Rendered } from './wire';

/**
 * What the control routes use of the running cloud (server.ts's EmbeddedCloud has all of it), declared here
 * so that this module does not depend on the server that mounts it.
 */
export interface ControlledCloud {
  clock: Pick<LocalClock, 'now' | 'timeScale'>;
  faults: FaultInjector;
  resources(buildId: string): unknown;
  stats(): unknown;
  resetStats(): void;
  reset(): void;
  transitGateways: TransitGatewayControl;
}

const json = (status: number, value: unknown): Rendered => ({
  status,
  contentType: 'application/json',
  body: value === undefined ? '' : JSON.stringify(value),
});

/** `{ autoAcceptSharedAttachments: boolean, ownerId?: string }`, checked: a typo must not share a gateway with other settings. */
function shareRequest(body: string): { autoAcceptSharedAttachments: boolean; ownerId?: string } {
  const request = JSON.parse(body || '{}') as { autoAcceptSharedAttachments?: unknown; ownerId?: unknown };
  if (typeof request.autoAcceptSharedAttachments !== 'boolean') throw new Error('autoAcceptSharedAttachments (boolean) is required');
  if (request.ownerId !== undefined && typeof request.ownerId !== 'string') throw new Error('ownerId must be a string');
  return { autoAcceptSharedAttachments: request.autoAcceptSharedAttachments, ownerId: request.ownerId };
}

export function handleControl(cloud: ControlledCloud, method: string, url: URL, body: string): Rendered {
  const route = `${method} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    const answer = /^POST \/_cloud\/transit-gateway-attachments\/([^/]+)\/(accept|reject)$/.exec(route);
    if (answer) return json(200, cloud.transitGateways.answer(decodeURIComponent(answer[1]), answer[2] === 'accept'));
    switch (route) {
      case 'POST /_cloud/transit-gateways':
        return json(201, cloud.transitGateways.share(shareRequest(body)));
      case 'POST /_cloud/faults':
        return json(201, cloud.faults.add(JSON.parse(body || '{}') as FaultRule));
      case 'GET /_cloud/faults':
        return json(200, cloud.faults.list());
      case 'DELETE /_cloud/faults':
        cloud.faults.clear();
        return json(204, undefined);
      case 'GET /_cloud/resources': {
        const buildId = url.searchParams.get('buildId');
        if (!buildId) return json(400, { error: 'buildId query parameter is required' });
        return json(200, cloud.resources(buildId));
      }
      case 'GET /_cloud/stats':
        return json(200, cloud.stats());
      case 'DELETE /_cloud/stats':
        cloud.resetStats();
        return json(204, undefined);
      case 'POST /_cloud/reset':
        cloud.reset();
        return json(204, undefined);
      case 'GET /_cloud/clock':
        return json(200, { now: new Date(cloud.clock.now()).toISOString(), timeScale: cloud.clock.timeScale });
      default:
        return json(404, { error: `no control route ${route}` });
    }
  } catch (error) {
    if (error instanceof CloudError) return json(error.code.endsWith('NotFound') ? 404 : 409, { error: error.message, code: error.code });
    return json(400, { error: (error as Error).message });
  }
}
