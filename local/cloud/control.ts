/**
 * The loopback control interface beside the AWS APIs, for the CLI, benches and tests in other processes:
 *   POST /_cloud/faults (JSON FaultRule) · GET /_cloud/faults · DELETE /_cloud/faults
 *   GET /_cloud/resources?buildId=ID · GET /_cloud/stats · DELETE /_cloud/stats · POST /_cloud/reset · GET /_cloud/clock
 */
import type { LocalClock } from './clock';
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
}

const json = (status: number, value: unknown): Rendered => ({
  status,
  contentType: 'application/json',
  body: value === undefined ? '' : JSON.stringify(value),
});

export function handleControl(cloud: ControlledCloud, method: string, url: URL, body: string): Rendered {
  const route = `${method} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
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
    return json(400, { error: (error as Error).message });
  }
}
